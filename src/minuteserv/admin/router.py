"""Everything under /api/v1/admin, gathered from the domains that own it."""

from fastapi import APIRouter

from minuteserv.admin.auth_router import router as auth_router
from minuteserv.admin.dashboard_router import router as dashboard_router
from minuteserv.bookings.admin_router import router as bookings_router
from minuteserv.catalog.admin_router import router as services_router
from minuteserv.contact.admin_router import router as contact_router
from minuteserv.partners.admin_router import router as partners_router
from minuteserv.promos.admin_router import router as promos_router
from minuteserv.users.admin_router import router as users_router

PREFIX = "/admin"
SECTIONS: tuple[APIRouter, ...] = (
    auth_router,
    dashboard_router,
    bookings_router,
    partners_router,
    services_router,
    promos_router,
    contact_router,
    users_router,
)
"""Included by the app each on its own under PREFIX, not through one more router: FastAPI
walks every level of nested routers on every request."""

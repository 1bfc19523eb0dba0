"""Who is calling an admin route, and whether their role may."""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials

from minuteserv.auth.dependencies import bearer, token_claims
from minuteserv.auth.models import AdminRole, AdminUser
from minuteserv.bookings.history import Actor
from minuteserv.bookings.models import ActorType
from minuteserv.core.db import ReaderDep
from minuteserv.core.deps import SettingsDep
from minuteserv.core.errors import Forbidden, Unauthorized
from minuteserv.core.security import Audience


@dataclass(frozen=True, slots=True)
class Staff:
    """Who is calling an admin route: all a route needs to know of the admin."""

    id: uuid.UUID
    role: AdminRole


ACTIVE_STAFF = sa.select(AdminUser.id, AdminUser.role).where(
    AdminUser.id == sa.bindparam("admin_id"), AdminUser.is_active
)


async def current_admin(
    reader: ReaderDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Staff:
    """The signed-in admin or support agent; 401 for anything but a live admin-audience token
    (a customer token never opens an admin route). Read without the route's session, which a
    read-only route (the dashboard) then need not open at all."""
    claims = token_claims(credentials, settings, Audience.ADMIN)
    try:
        admin_id = uuid.UUID(claims.subject)
    except ValueError:
        raise Unauthorized("The token is invalid or expired.") from None
    found = await reader.rows(ACTIVE_STAFF, {"admin_id": admin_id})
    if not found:
        raise Unauthorized("The token's admin no longer exists.")
    return Staff(found[0]["id"], found[0]["role"])


CurrentAdmin = Annotated[Staff, Depends(current_admin)]


def require_role(*roles: AdminRole) -> Callable[[Staff], Awaitable[Staff]]:
    async def check(admin: CurrentAdmin) -> Staff:
        if admin.role not in roles:
            raise Forbidden(f"This needs the {' or '.join(roles)} role.")
        return admin

    return check


AnyStaff = Annotated[Staff, Depends(require_role(AdminRole.ADMIN, AdminRole.SUPPORT))]
"""Admins and support agents: read everything, change booking status."""
AdminOnly = Annotated[Staff, Depends(require_role(AdminRole.ADMIN))]
"""Admins only: partners, services, promo codes."""


def actor_of(admin: Staff) -> Actor:
    """Admin writes are attributed to the admin in booking history."""
    return Actor(ActorType.ADMIN, str(admin.id))

"""Admin: bookings. Any staff member reads them, moves them along the lifecycle and assigns
partners; every change is recorded in the booking's history under their name."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from minuteserv.admin.dependencies import AnyStaff, actor_of
from minuteserv.bookings import admin_service
from minuteserv.bookings.schemas import (
    AdminBookingDetailOut,
    AdminBookingFilters,
    AdminBookingPage,
    PartnerAssignment,
    StatusChange,
)
from minuteserv.core import clock
from minuteserv.core.db import SessionDep
from minuteserv.core.deps import SettingsDep
from minuteserv.core.envelope import Envelope, error_responses
from minuteserv.core.pagination import PageQuery
from minuteserv.payments.dependencies import GatewayDep

router = APIRouter(prefix="/bookings", tags=["admin-bookings"])


@router.get("", response_model=Envelope[AdminBookingPage], responses=error_responses(401, 403, 422))
async def list_bookings(
    _: AnyStaff,
    session: SessionDep,
    page: PageQuery,
    filters: Annotated[AdminBookingFilters, Query()],
) -> Envelope[AdminBookingPage]:
    """Every booking, newest first, narrowed by the filters given."""
    return Envelope(data=await admin_service.list_bookings(session, filters=filters, page=page))


@router.get(
    "/{booking_id}",
    response_model=Envelope[AdminBookingDetailOut],
    responses=error_responses(401, 403, 404, 422),
)
async def get_booking(
    booking_id: uuid.UUID, _: AnyStaff, session: SessionDep
) -> Envelope[AdminBookingDetailOut]:
    """One booking in full: its customer, partner, payment and history."""
    return Envelope(data=await admin_service.detail(session, booking_id=booking_id))


@router.patch(
    "/{booking_id}/status",
    response_model=Envelope[AdminBookingDetailOut],
    responses=error_responses(401, 403, 404, 409, 422, 502),
)
async def change_status(
    booking_id: uuid.UUID,
    body: StatusChange,
    staff: AnyStaff,
    session: SessionDep,
    settings: SettingsDep,
    gateway: GatewayDep,
) -> Envelope[AdminBookingDetailOut]:
    """Move the booking one step along its lifecycle; cancelling refunds a paid booking."""
    changed = await admin_service.change_status(
        session,
        booking_id=booking_id,
        status=body.status,
        reason=body.reason,
        actor=actor_of(staff),
        gateway=gateway,
        settings=settings,
        now=clock.now(),
    )
    return Envelope(data=changed)


@router.post(
    "/{booking_id}/assign-partner",
    response_model=Envelope[AdminBookingDetailOut],
    responses=error_responses(401, 403, 404, 409, 422),
)
async def assign_partner(
    booking_id: uuid.UUID,
    staff: AnyStaff,
    session: SessionDep,
    settings: SettingsDep,
    body: PartnerAssignment | None = None,
) -> Envelope[AdminBookingDetailOut]:
    """Give the booking to the named partner, or (no `partner_id`) to the best free one."""
    assigned = await admin_service.assign_partner(
        session,
        booking_id=booking_id,
        partner_id=body.partner_id if body else None,
        actor=actor_of(staff),
        settings=settings,
        now=clock.now(),
    )
    return Envelope(data=assigned)

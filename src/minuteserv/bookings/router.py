import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from minuteserv.auth.dependencies import ClaimedUserId, CurrentUser, UserGone
from minuteserv.bookings import service
from minuteserv.bookings.models import BookingStatus
from minuteserv.bookings.schemas import (
    BookingDetailOut,
    BookingPage,
    CancelRequest,
    CancelResult,
)
from minuteserv.core import clock
from minuteserv.core.db import SessionDep
from minuteserv.core.deps import SettingsDep
from minuteserv.core.envelope import Envelope, EnvelopeJSON, error_responses
from minuteserv.core.reader import ReaderDep
from minuteserv.payments.dependencies import GatewayDep

router = APIRouter(prefix="/bookings", tags=["bookings"])


@router.get("", response_model=Envelope[BookingPage], responses=error_responses(401, 422))
async def list_bookings(
    user_id: ClaimedUserId,
    reader: ReaderDep,
    status: BookingStatus | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> EnvelopeJSON:
    """The caller's bookings, newest first."""
    found = await service.list_for_user(
        reader, user_id=user_id, status=status, page=page, limit=limit
    )
    if found is None:
        raise UserGone()
    return EnvelopeJSON(found)


@router.get(
    "/{booking_id}",
    response_model=Envelope[BookingDetailOut],
    responses=error_responses(401, 404, 422),
)
async def get_booking(
    booking_id: uuid.UUID, user_id: ClaimedUserId, reader: ReaderDep
) -> EnvelopeJSON:
    """One of the caller's bookings with its partner's public fields and its payment."""
    found = await service.detail(reader, user_id=user_id, booking_id=booking_id)
    if found is None:
        raise UserGone()
    return EnvelopeJSON(found)


@router.post(
    "/{booking_id}/cancel",
    response_model=Envelope[CancelResult],
    responses=error_responses(401, 404, 409, 422, 502),
)
async def cancel_booking(
    booking_id: uuid.UUID,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    gateway: GatewayDep,
    body: CancelRequest | None = None,
) -> Envelope[CancelResult]:
    """Cancel a pending or confirmed booking; a paid one is refunded as the policy allows."""
    booking = await service.cancel_for_customer(
        session,
        user_id=user.id,
        booking_id=booking_id,
        reason=body.reason if body else None,
        gateway=gateway,
        settings=settings,
        now=clock.now(),
    )
    return Envelope(
        data=CancelResult(
            booking_id=booking.id,
            status=booking.status,
            payment_status=booking.payment_status,
            refund_amount=booking.refund_amount or 0,
        )
    )

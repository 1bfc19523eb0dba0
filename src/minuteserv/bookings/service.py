"""A customer's bookings: list, read, cancel; and the cancellation every actor shares."""

import logging
import math
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.bookings import history, policy
from minuteserv.bookings.errors import BookingNotCancellable, BookingNotFound
from minuteserv.bookings.history import Actor
from minuteserv.bookings.models import ActorType, Booking, BookingStatus
from minuteserv.core.config import Settings
from minuteserv.integrations.payments import PaymentGateway
from minuteserv.partners.models import Partner
from minuteserv.payments import service as payments_service
from minuteserv.payments.models import Payment
from minuteserv.promos import service as promos_service

logger = logging.getLogger("minuteserv.bookings")

CANCELLABLE = (BookingStatus.PENDING, BookingStatus.CONFIRMED)


@dataclass(frozen=True, slots=True)
class Page:
    bookings: list[Booking]
    page: int
    limit: int
    total: int

    @property
    def pages(self) -> int:
        return math.ceil(self.total / self.limit) if self.total else 0


@dataclass(frozen=True, slots=True)
class BookingDetail:
    booking: Booking
    partner: Partner | None
    payment: Payment | None


async def list_for_user(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    status: BookingStatus | None,
    page: int,
    limit: int,
) -> Page:
    """The user's bookings, newest first, one page of them."""
    where = [Booking.user_id == user_id]
    if status is not None:
        where.append(Booking.status == status)
    total = await session.scalar(sa.select(sa.func.count()).select_from(Booking).where(*where))
    rows = await session.scalars(
        sa.select(Booking)
        .where(*where)
        .order_by(Booking.created_at.desc(), Booking.id.desc())
        .limit(limit)
        .offset((page - 1) * limit)
    )
    return Page(bookings=list(rows), page=page, limit=limit, total=total or 0)


async def get_owned(
    session: AsyncSession, *, user_id: uuid.UUID, booking_id: uuid.UUID, lock: bool = False
) -> Booking:
    """The booking if it is the user's; 404 otherwise (never reveal someone else's)."""
    query = sa.select(Booking).where(Booking.id == booking_id, Booking.user_id == user_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    booking = await session.scalar(query)
    if booking is None:
        raise BookingNotFound()
    return booking


async def detail(
    session: AsyncSession, *, user_id: uuid.UUID, booking_id: uuid.UUID
) -> BookingDetail:
    booking = await get_owned(session, user_id=user_id, booking_id=booking_id)
    partner = await session.get(Partner, booking.partner_id) if booking.partner_id else None
    payment = await payments_service.latest_for_booking(session, booking.id)
    return BookingDetail(booking=booking, partner=partner, payment=payment)


async def cancel_for_customer(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    booking_id: uuid.UUID,
    reason: str | None,
    gateway: PaymentGateway,
    settings: Settings,
    now: datetime,
) -> Booking:
    """Cancel one of the customer's bookings and refund what the policy allows."""
    await get_owned(session, user_id=user_id, booking_id=booking_id)
    # Payment before booking, as every payment path locks them: the reverse order deadlocks
    # with a verify or webhook for the same order arriving during the cancellation.
    await payments_service.lock_for_booking(session, booking_id=booking_id)
    booking = await get_owned(session, user_id=user_id, booking_id=booking_id, lock=True)
    await cancel(
        session,
        booking=booking,
        actor=Actor(ActorType.CUSTOMER, str(user_id)),
        reason=reason or "cancelled by customer",
        gateway=gateway,
        settings=settings,
        now=now,
    )
    return booking


async def cancel(
    session: AsyncSession,
    *,
    booking: Booking,
    actor: Actor,
    reason: str,
    gateway: PaymentGateway,
    settings: Settings,
    now: datetime,
    refund: Decimal | None = None,
) -> None:
    """Cancel a locked pending or confirmed booking: free its partner (a cancelled booking
    overlaps nothing) and its promo use, and start the refund the policy allows."""
    if booking.status not in CANCELLABLE:
        raise BookingNotCancellable(f"A {booking.status} booking cannot be cancelled.")
    if refund is None:
        refund = policy.refund_amount(
            booking,
            now=now,
            free_cancel_hours=settings.free_cancel_hours,
            late_fee_percent=settings.late_cancel_fee_percent,
        )
    if refund > 0:
        await payments_service.refund(
            session, booking=booking, amount=refund, actor=actor, gateway=gateway
        )
    history.change(session, booking, actor=actor, status=BookingStatus.CANCELLED, note=reason)
    booking.cancelled_at, booking.cancellation_reason = now, reason
    booking.refund_amount, booking.hold_expires_at = refund, None
    if booking.promo_code_id is not None:
        await promos_service.release_use(session, promo_id=booking.promo_code_id)

"""A customer's bookings: list, read, cancel; and the cancellation every actor shares."""

import logging
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson
import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.bookings import history, policy
from minuteserv.bookings.errors import BookingNotCancellable, BookingNotFound
from minuteserv.bookings.history import Actor
from minuteserv.bookings.models import ActorType, Booking, BookingStatus
from minuteserv.bookings.schemas import (
    BookingOut,
    BookingSummary,
    PartnerPublic,
    PaymentOut,
)
from minuteserv.bookings.slots import format_slot
from minuteserv.core.config import Settings
from minuteserv.core.db import Base
from minuteserv.core.pagination import Pagination
from minuteserv.core.reader import Reader, Row
from minuteserv.integrations.payments import PaymentGateway
from minuteserv.partners.models import Partner
from minuteserv.payments import service as payments_service
from minuteserv.payments.models import Payment
from minuteserv.promos import service as promos_service
from minuteserv.users.models import User

logger = logging.getLogger("minuteserv.bookings")

CANCELLABLE = (BookingStatus.PENDING, BookingStatus.CONFIRMED)


def _labelled(
    prefix: str, schema: type[BaseModel], entity: type[Base], **selected: sa.ColumnElement[Any]
) -> list[sa.Label[Any]]:
    """The entity's columns that the schema shows, each named `prefix.field`; `selected`
    gives an expression to select in a column's place."""
    return [
        selected.get(field, getattr(entity, field)).label(f"{prefix}.{field}")
        for field in schema.model_fields
    ]


def _booking_columns(schema: type[BookingSummary]) -> list[sa.Label[Any]]:
    """A booking's columns for `_as_sent`: its services as the JSON text they are kept in."""
    return _labelled("booking", schema, Booking, services=sa.cast(Booking.services, sa.Text))


def _fields(row: Row, prefix: str, schema: type[BaseModel]) -> dict[str, Any] | None:
    """What `_labelled` selected, or None where the outer join found no row."""
    values = {field: row[f"{prefix}.{field}"] for field in schema.model_fields}
    return values if values["id"] is not None else None


def _as_sent(booking: dict[str, Any]) -> dict[str, Any]:
    """A booking's `_fields` in the form its schema sends (see `EnvelopeJSON`): the slot as
    `10:00 AM`, and the services' JSON passed on as read, not parsed and written again."""
    booking["booking_time"] = format_slot(booking["booking_time"])
    booking["services"] = orjson.Fragment(booking["services"])
    return booking


def _page_of_bookings(*, by_status: bool) -> sa.Select[Any]:
    """The user's row with their number of bookings, outer-joined to one page of them (none
    past the last page); no row at all if the user no longer exists. Built once: building a
    statement costs more CPU than running it."""
    where = [Booking.user_id == sa.bindparam("user_id")]
    if by_status:
        where.append(Booking.status == sa.bindparam("status"))
    total = sa.select(sa.func.count()).select_from(Booking).where(*where).scalar_subquery()
    one_page = (
        sa.select(*_booking_columns(BookingSummary))
        .where(*where)
        .order_by(Booking.created_at.desc(), Booking.id.desc())
        .limit(sa.bindparam("limit"))
        .offset(sa.bindparam("offset"))
        .subquery()
    )
    created_at, booking_id = one_page.c["booking.created_at"], one_page.c["booking.id"]
    return (
        sa.select(total.label("total"), one_page)
        .select_from(User)
        .outerjoin(one_page, sa.true())
        .where(User.id == sa.bindparam("user_id"))
        .order_by(created_at.desc(), booking_id.desc())
    )


PAGE_OF_BOOKINGS = _page_of_bookings(by_status=False)
PAGE_OF_BOOKINGS_IN_STATUS = _page_of_bookings(by_status=True)


async def list_for_user(
    reader: Reader,
    *,
    user_id: uuid.UUID,
    status: BookingStatus | None,
    page: int,
    limit: int,
) -> dict[str, Any] | None:
    """The user's bookings, newest first, one page of them, as a `BookingPage` sends them
    (see `EnvelopeJSON`); None if the user no longer exists."""
    params = {"user_id": user_id, "limit": limit, "offset": (page - 1) * limit}
    if status is None:
        rows = await reader.rows(PAGE_OF_BOOKINGS, params)
    else:
        rows = await reader.rows(PAGE_OF_BOOKINGS_IN_STATUS, {**params, "status": status})
    if not rows:
        return None
    bookings = (_fields(row, "booking", BookingSummary) for row in rows)
    return {
        "bookings": [_as_sent(booking) for booking in bookings if booking is not None],
        "pagination": Pagination.of(page=page, limit=limit, total=rows[0]["total"]).model_dump(),
    }


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


def _booking_detail() -> sa.Select[Any]:
    """The user's row outer-joined to their booking, its partner and its latest payment; no row
    at all if the user no longer exists. Built once, like `PAGE_OF_BOOKINGS`."""
    latest_payment = (
        payments_service.latest_first(Booking.id)
        .with_only_columns(Payment.id)
        .limit(1)
        .correlate(Booking)
        .scalar_subquery()
    )
    owned = (Booking.id == sa.bindparam("booking_id")) & (Booking.user_id == User.id)
    return (
        sa.select(
            *_booking_columns(BookingOut),
            *_labelled("partner", PartnerPublic, Partner),
            *_labelled("payment", PaymentOut, Payment),
        )
        .select_from(User)
        .outerjoin(Booking, owned)
        .outerjoin(Partner, Partner.id == Booking.partner_id)
        .outerjoin(Payment, (Payment.booking_id == Booking.id) & (Payment.id == latest_payment))
        .where(User.id == sa.bindparam("user_id"))
    )


BOOKING_DETAIL = _booking_detail()


async def detail(
    reader: Reader, *, user_id: uuid.UUID, booking_id: uuid.UUID
) -> dict[str, Any] | None:
    """One of the user's bookings with its partner and latest payment, as a `BookingDetailOut`
    sends them (see `EnvelopeJSON`); None if the user no longer exists."""
    rows = await reader.rows(BOOKING_DETAIL, {"user_id": user_id, "booking_id": booking_id})
    if not rows:
        return None
    booking = _fields(rows[0], "booking", BookingOut)
    if booking is None:
        raise BookingNotFound()
    return {
        "booking": _as_sent(booking),
        "partner": _fields(rows[0], "partner", PartnerPublic),
        "payment": _fields(rows[0], "payment", PaymentOut),
    }


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

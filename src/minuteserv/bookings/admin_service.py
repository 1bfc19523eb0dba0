"""Staff work on bookings: find them, read them with their history, move them along the
lifecycle, and give them a partner. Every change is attributed to the staff member."""

import uuid
from collections.abc import Collection
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.addresses.models import UserAddress
from minuteserv.bookings import history, lifecycle
from minuteserv.bookings import service as bookings_service
from minuteserv.bookings.availability import slot_rules
from minuteserv.bookings.errors import (
    BookingNotAssignable,
    BookingNotFound,
    InvalidTransition,
    NoPartnerAvailable,
    PartnerBusy,
    PartnerInactive,
    PartnerLacksCategory,
)
from minuteserv.bookings.history import Actor
from minuteserv.bookings.models import (
    NO_OVERLAP,
    AssignmentStatus,
    Booking,
    BookingEvent,
    BookingStatus,
    PaymentStatus,
)
from minuteserv.bookings.reservation import lock_if_free, overlap_free, reserve_best_free
from minuteserv.bookings.schemas import (
    AdminBookingDetailOut,
    AdminBookingFilters,
    AdminBookingPage,
    AdminBookingSummary,
    BookingEventOut,
    BookingOut,
    CustomerBrief,
    PaymentOut,
)
from minuteserv.bookings.slots import BusyRange
from minuteserv.catalog.models import Service
from minuteserv.core.config import Settings
from minuteserv.core.pagination import PageRequest, count_rows
from minuteserv.core.phone import normalise_phone
from minuteserv.integrations.payments import PaymentGateway
from minuteserv.partners.errors import PartnerNotFound
from minuteserv.partners.models import Partner
from minuteserv.partners.schemas import PartnerOut
from minuteserv.payments import service as payments_service
from minuteserv.users.models import User

STAFF_CANCEL_REASON = "cancelled by staff"
NOTHING = Decimal("0.00")


async def list_bookings(
    session: AsyncSession, *, filters: AdminBookingFilters, page: PageRequest
) -> AdminBookingPage:
    """Every booking matching the filters, newest first, one page of them."""
    matching = sa.select(Booking).where(*_conditions(filters)).order_by(*_newest_first(filters))
    total = await count_rows(session, matching)
    bookings = await session.scalars(page.slice(matching))
    return AdminBookingPage(
        bookings=[AdminBookingSummary.model_validate(booking) for booking in bookings],
        pagination=page.pagination(total),
    )


def _newest_first(filters: AdminBookingFilters) -> list[sa.UnaryExpression[Any]]:
    """Newest first. Within a range of booking dates the rows are found through the date's
    index, then sorted: following the created_at index instead, PostgreSQL would walk back
    through every booking made after the range (it takes matches to be spread evenly over
    time), so the sort key is one that index cannot give. An open-ended range matches most
    bookings, and walking that index is then the better plan."""
    created_at: sa.ColumnElement[Any] = Booking.created_at.expression
    if filters.date_from is not None and filters.date_to is not None:
        created_at = sa.func.coalesce(created_at, created_at)
    return [created_at.desc(), Booking.id.desc()]


def _conditions(filters: AdminBookingFilters) -> list[sa.ColumnElement[bool]]:
    conditions = []
    if filters.status is not None:
        conditions.append(Booking.status == filters.status)
    if filters.payment_status is not None:
        conditions.append(Booking.payment_status == filters.payment_status)
    if filters.date_from is not None:
        conditions.append(Booking.booking_date >= filters.date_from)
    if filters.date_to is not None:
        conditions.append(Booking.booking_date <= filters.date_to)
    if filters.partner_id is not None:
        conditions.append(Booking.partner_id == filters.partner_id)
    if filters.q is not None:
        conditions.append(_search(filters.q))
    return conditions


def _search(text: str) -> sa.ColumnElement[bool]:
    """Part of the booking number, or (when `text` reads as a phone number) the phone the
    booking was made with or its customer's account phone."""
    matches = [Booking.booking_number.icontains(text, autoescape=True)]
    try:
        phone = normalise_phone(text)
    except ValueError:
        return sa.or_(*matches)
    customers = sa.select(User.id).where(User.phone_number == phone)
    matches += [Booking.customer_phone == phone, Booking.user_id.in_(customers)]
    return sa.or_(*matches)


async def get(session: AsyncSession, booking_id: uuid.UUID, *, lock: bool = False) -> Booking:
    query = sa.select(Booking).where(Booking.id == booking_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    booking = await session.scalar(query)
    if booking is None:
        raise BookingNotFound()
    return booking


async def detail(session: AsyncSession, *, booking_id: uuid.UUID) -> AdminBookingDetailOut:
    """The booking in full with its customer, partner, payment and history."""
    return await _detail_of(session, await get(session, booking_id))


async def _detail_of(session: AsyncSession, booking: Booking) -> AdminBookingDetailOut:
    customer = await session.get_one(User, booking.user_id)
    partner = await session.get(Partner, booking.partner_id) if booking.partner_id else None
    payment = await payments_service.latest_for_booking(session, booking.id)
    events = await session.scalars(
        sa.select(BookingEvent)
        .where(BookingEvent.booking_id == booking.id)
        .order_by(BookingEvent.created_at, BookingEvent.id)
    )
    return AdminBookingDetailOut(
        booking=BookingOut.model_validate(booking),
        customer=CustomerBrief.model_validate(customer),
        partner=PartnerOut.model_validate(partner) if partner else None,
        payment=PaymentOut.model_validate(payment) if payment else None,
        history=[BookingEventOut.model_validate(event) for event in events],
    )


async def change_status(
    session: AsyncSession,
    *,
    booking_id: uuid.UUID,
    status: BookingStatus,
    reason: str | None,
    actor: Actor,
    gateway: PaymentGateway,
    settings: Settings,
    now: datetime,
) -> AdminBookingDetailOut:
    """Move a booking one step along its lifecycle; any other move is refused unchanged."""
    # Payment rows before the booking, the order every payment path locks them in: a
    # cancellation's refund must not deadlock with a verify or webhook for the same booking.
    await payments_service.lock_for_booking(session, booking_id=booking_id)
    booking = await get(session, booking_id, lock=True)
    if not lifecycle.can_move(booking.status, status):
        raise InvalidTransition(
            f"A {booking.status} booking cannot become {status}.",
            details=[{"from": booking.status.value, "to": status.value}],
        )
    if status == BookingStatus.CANCELLED:
        await bookings_service.cancel(
            session,
            booking=booking,
            actor=actor,
            reason=reason or STAFF_CANCEL_REASON,
            gateway=gateway,
            settings=settings,
            now=now,
            refund=_staff_cancellation_refund(booking),
        )
    else:
        history.change(session, booking, actor=actor, status=status, note=reason)
    if status == BookingStatus.COMPLETED and booking.partner_id is not None:
        await _credit_partner(session, partner_id=booking.partner_id, payout=booking.partner_payout)
    await session.flush()
    return await _detail_of(session, booking)


def _staff_cancellation_refund(booking: Booking) -> Decimal:
    """Staff cancelling is the business's call, so a paid booking is refunded in full: the
    late-cancellation fee is for customers who change their mind."""
    return booking.grand_total if booking.payment_status == PaymentStatus.PAID else NOTHING


async def _credit_partner(
    session: AsyncSession, *, partner_id: uuid.UUID, payout: Decimal | None
) -> None:
    """A completed visit counts towards the partner's bookings, earnings and pending payout,
    added in the database so concurrent completions never lose one."""
    earned = payout or NOTHING
    await session.execute(
        sa.update(Partner)
        .where(Partner.id == partner_id)
        .values(
            total_bookings=Partner.total_bookings + 1,
            total_earnings=Partner.total_earnings + earned,
            pending_payout=Partner.pending_payout + earned,
        )
    )


async def assign_partner(
    session: AsyncSession,
    *,
    booking_id: uuid.UUID,
    partner_id: uuid.UUID | None,
    actor: Actor,
    settings: Settings,
    now: datetime,
) -> AdminBookingDetailOut:
    """Give the booking to the named partner, or without a name to the best free one; a
    partner who is inactive, lacks a category or would overlap another booking is refused."""
    booking = await get(session, booking_id, lock=True)
    if booking.status in lifecycle.CLOSED:
        raise BookingNotAssignable(f"A {booking.status} booking keeps the partner it had.")
    categories = await categories_of(session, booking)
    visit = BusyRange(booking.start_at, booking.end_at)
    if partner_id is None:
        partner_id = await _best_partner(session, booking, visit, categories, settings)
    else:
        partner_id = await _named_partner(session, booking, partner_id, visit, categories)
    if partner_id != booking.partner_id:
        history.change(session, booking, actor=actor, partner_id=partner_id)
        booking.assignment_status = AssignmentStatus.ASSIGNED
        booking.assigned_at, booking.accepted_at = now, None
    await _flush_assignment(session)
    return await _detail_of(session, booking)


async def categories_of(session: AsyncSession, booking: Booking) -> set[str]:
    """The catalog categories a booking needs: each line's own, or for a line stored without
    one, its service's category in the catalog."""
    categories = {line["category"] for line in booking.services if line.get("category")}
    unlabelled = {
        service_id
        for line in booking.services
        if not line.get("category") and (service_id := _uuid(line.get("service_id")))
    }
    if unlabelled:
        categories.update(
            await session.scalars(sa.select(Service.category).where(Service.id.in_(unlabelled)))
        )
    return categories


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


async def _best_partner(
    session: AsyncSession,
    booking: Booking,
    visit: BusyRange,
    categories: Collection[str],
    settings: Settings,
) -> uuid.UUID:
    address = await session.get_one(UserAddress, booking.address_id)
    partner_id = await reserve_best_free(
        session,
        slot_rules(settings),
        day=booking.booking_date,
        visit=visit,
        categories=categories,
        lat=address.lat,
        lng=address.lng,
        claim=overlap_free(session, visit, ignore_booking=booking.id),
        ignore_booking=booking.id,
    )
    if partner_id is None:
        raise NoPartnerAvailable()
    return partner_id


async def _named_partner(
    session: AsyncSession,
    booking: Booking,
    partner_id: uuid.UUID,
    visit: BusyRange,
    categories: Collection[str],
) -> uuid.UUID:
    """The partner, locked, if they can take the booking; otherwise the reason they cannot."""
    partner = await session.get(Partner, partner_id)
    if partner is None:
        raise PartnerNotFound()
    _refuse_unfit(partner, categories)
    locked = await lock_if_free(
        session, partner_id, visit, categories=categories, ignore_booking=booking.id
    )
    if locked is None:
        await session.refresh(partner)  # the reason may have changed while we waited
        _refuse_unfit(partner, categories)
        raise PartnerBusy()
    return locked.id


def _refuse_unfit(partner: Partner, categories: Collection[str]) -> None:
    if not (partner.is_active and partner.is_available):
        raise PartnerInactive()
    missing = sorted(set(categories) - set(partner.service_categories))
    if missing:
        raise PartnerLacksCategory(details=[{"category": category} for category in missing])


async def _flush_assignment(session: AsyncSession) -> None:
    """The exclusion constraint is the last word on overlap: if it trips, the partner is busy."""
    try:
        await session.flush()
    except IntegrityError as error:
        if NO_OVERLAP in str(error.orig):
            raise PartnerBusy() from error
        raise

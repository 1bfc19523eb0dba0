"""Checkout: price a cart into a stored preview, then book exactly that preview once."""

import secrets
import string
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.addresses import service as addresses_service
from minuteserv.bookings import history
from minuteserv.bookings.availability import slot_rules
from minuteserv.bookings.models import (
    ActorType,
    AssignmentStatus,
    Booking,
    BookingStatus,
    PaymentMethod,
    PaymentStatus,
)
from minuteserv.bookings.reservation import ranked_free_partners, reserve_first_free
from minuteserv.bookings.schedules import ScheduleCache
from minuteserv.bookings.slots import BusyRange, upcoming_slots, visit_range
from minuteserv.checkout import cart
from minuteserv.checkout.errors import (
    OnlineAmountTooSmall,
    PreviewExpired,
    PreviewNotFound,
    PromoUnavailable,
    SlotUnavailable,
)
from minuteserv.checkout.models import CheckoutPreview
from minuteserv.checkout.pricing import (
    ZERO,
    CartLine,
    PromoVerdict,
    evaluate_promo,
    price,
    subtotal,
)
from minuteserv.core.config import Settings
from minuteserv.integrations.payments import PaymentGateway
from minuteserv.payments import service as payments_service
from minuteserv.promos import service as promos_service
from minuteserv.users.models import User

BOOKING_NUMBER_ALPHABET = string.ascii_uppercase + string.digits
MIN_ONLINE_AMOUNT = Decimal("1.00")  # Razorpay refuses orders under 100 paise
PREVIEW_COLUMNS = tuple(column.key for column in CheckoutPreview.__table__.columns)


@dataclass(frozen=True, slots=True)
class CartRequest:
    quantities: Counter[uuid.UUID]
    address_id: uuid.UUID
    promo_code: str | None
    booking_date: date | None


@dataclass(frozen=True, slots=True)
class Prepared:
    preview: CheckoutPreview
    booking_date: date
    slots: list[time]


@dataclass(frozen=True, slots=True)
class BookingChoice:
    preview_id: uuid.UUID
    payment_method: PaymentMethod
    booking_date: date
    booking_time: time
    address_id: uuid.UUID | None
    customer_name: str | None
    customer_phone: str | None
    customer_email: str | None


@dataclass(frozen=True, slots=True)
class Confirmed:
    booking: Booking
    created: bool


async def prepare(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    request: CartRequest,
    schedules: ScheduleCache,
    settings: Settings,
    now: datetime,
) -> Prepared:
    """Price the cart from the catalog, judge the promo, store the preview, list free slots."""
    await addresses_service.require_owned(session, user_id=user_id, address_id=request.address_id)
    lines = await cart.priced_lines(session, request.quantities)
    amount = subtotal(lines)
    verdict, promo_id = await _judge_promo(session, request.promo_code, amount=amount, now=now)
    pricing = price(
        amount,
        discount=verdict.discount if verdict else ZERO,
        tax_rate=settings.tax_rate,
        partner_share=settings.partner_share,
    )
    day, slots = await _slots(session, schedules, request.booking_date, lines, now)
    preview = CheckoutPreview(
        id=uuid.uuid4(),
        created_at=now,
        user_id=user_id,
        address_id=request.address_id,
        items=[_line_json(line) for line in lines],
        categories=cart.categories(lines),
        duration_minutes=cart.total_duration(lines),
        subtotal=pricing.subtotal,
        discount=pricing.discount,
        tax=pricing.tax,
        grand_total=pricing.grand_total,
        partner_payout=pricing.partner_payout,
        promo=_promo_json(verdict),
        promo_code_id=promo_id,
        booking_date=day,
        expires_at=now + timedelta(seconds=settings.preview_ttl_seconds),
    )
    await _store(session, preview)
    return Prepared(preview=preview, booking_date=day, slots=slots)


async def _store(session: AsyncSession, preview: CheckoutPreview) -> None:
    """Insert the preview as a plain statement: the session's unit of work cost prepare more
    CPU than the insert itself. The instance stays out of the session, a record of the row."""
    connection = await session.connection()
    await connection.execute(
        sa.insert(CheckoutPreview),
        {column: getattr(preview, column) for column in PREVIEW_COLUMNS},
    )


async def _judge_promo(
    session: AsyncSession, code: str | None, *, amount: Decimal, now: datetime
) -> tuple[PromoVerdict | None, uuid.UUID | None]:
    """The verdict on the code, and the promo's id when it applies."""
    if not code:
        return None, None
    found = await promos_service.terms_by_code(session, code)
    promo_id, terms = found if found else (None, None)
    verdict = evaluate_promo(promos_service.normalise_code(code), terms, amount=amount, now=now)
    return verdict, promo_id if verdict.applied else None


async def _slots(
    session: AsyncSession,
    schedules: ScheduleCache,
    day: date | None,
    lines: list[CartLine],
    now: datetime,
) -> tuple[date, list[time]]:
    # The preview is not written yet: what the schedule cache reads here is committed.
    connection = await session.connection()
    duration, categories = cart.total_duration(lines), cart.categories(lines)
    if day is None:
        return await schedules.first_open_day(
            connection, duration_minutes=duration, categories=categories, now=now
        )
    return day, await schedules.free_slots(
        connection, day=day, duration_minutes=duration, categories=categories, now=now
    )


def _line_json(line: CartLine) -> dict[str, object]:
    """The line as the booking keeps it; amounts are JSON numbers in rupees, as the API sends."""
    return {
        "service_id": line.service_id,
        "name": line.name,
        "category": line.category,
        "tier": line.tier,
        "unit_price": float(line.unit_price),
        "quantity": line.quantity,
        "line_total": float(line.line_total),
        "duration_minutes": line.duration_minutes,
    }


def _promo_json(verdict: PromoVerdict | None) -> dict[str, object] | None:
    if verdict is None:
        return None
    return {
        "code": verdict.code,
        "applied": verdict.applied,
        "discount": str(verdict.discount),
        "reason": verdict.reason.value if verdict.reason else None,
    }


async def confirm(
    session: AsyncSession,
    *,
    user: User,
    choice: BookingChoice,
    gateway: PaymentGateway,
    settings: Settings,
    now: datetime,
) -> Confirmed:
    """Book the preview: a partner reserved, the promo use taken and the booking made in this
    transaction. The gateway order is created first, while no lock is held; if booking then
    fails, that order is simply never paid."""
    preview = await _owned_preview(session, user_id=user.id, preview_id=choice.preview_id)
    if preview.booking_id is not None:
        return await _already_booked(session, preview)
    if preview.expires_at <= now:
        raise PreviewExpired()
    if choice.payment_method == PaymentMethod.ONLINE and preview.grand_total < MIN_ONLINE_AMOUNT:
        raise OnlineAmountTooSmall()
    address = await addresses_service.get_owned(
        session, user_id=user.id, address_id=choice.address_id or preview.address_id
    )
    rules = slot_rules(settings)
    if choice.booking_time not in upcoming_slots(
        rules, choice.booking_date, preview.duration_minutes, now
    ):
        raise SlotUnavailable("This slot is not offered: outside hours, too soon or too far ahead.")
    booking_number = new_booking_number(now.astimezone(settings.zone).date())
    order = None
    if choice.payment_method == PaymentMethod.ONLINE:
        order = await payments_service.create_order(
            gateway,
            amount=preview.grand_total,
            receipt=booking_number,
            notes={"booking_number": booking_number, "preview_id": str(preview.id)},
        )
    preview = await _lock_preview(session, preview.id)
    if preview.booking_id is not None:
        return await _already_booked(session, preview)
    visit = visit_range(rules, choice.booking_date, choice.booking_time, preview.duration_minutes)
    # Read afresh, not from the schedule cache: under a stream of confirms each booking makes
    # its day's copy stale for the next one, and checking it would only add a round trip.
    ranked = await ranked_free_partners(
        session,
        rules,
        day=choice.booking_date,
        visit=visit,
        categories=preview.categories,
        lat=address.lat,
        lng=address.lng,
    )
    partner = await reserve_first_free(session, ranked, visit, categories=preview.categories)
    if partner is None:
        raise SlotUnavailable()
    if preview.promo_code_id and not await promos_service.take_use(
        session, promo_id=preview.promo_code_id, now=now
    ):
        raise PromoUnavailable()
    booking = _new_booking(
        preview,
        choice,
        user=user,
        number=booking_number,
        address_id=address.id,
        visit=visit,
        settings=settings,
        now=now,
    )
    session.add(booking)
    history.change(
        session,
        booking,
        actor=history.Actor(ActorType.CUSTOMER, str(user.id)),
        status=BookingStatus.PENDING,
        partner_id=partner.id,
    )
    preview.booking_id = booking.id
    if order is not None:
        payments_service.open_payment(session, booking=booking, order=order)
    await _flush_booking(session)
    return Confirmed(booking=booking, created=True)


async def _owned_preview(
    session: AsyncSession, *, user_id: uuid.UUID, preview_id: uuid.UUID
) -> CheckoutPreview:
    preview = await session.scalar(
        sa.select(CheckoutPreview).where(
            CheckoutPreview.id == preview_id, CheckoutPreview.user_id == user_id
        )
    )
    if preview is None:
        raise PreviewNotFound()
    return preview


async def _lock_preview(session: AsyncSession, preview_id: uuid.UUID) -> CheckoutPreview:
    """Serialize confirms of one preview: the second one waits here, then sees the booking."""
    preview = await session.scalar(
        sa.select(CheckoutPreview)
        .where(CheckoutPreview.id == preview_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert preview is not None
    return preview


async def _already_booked(session: AsyncSession, preview: CheckoutPreview) -> Confirmed:
    return Confirmed(booking=await session.get_one(Booking, preview.booking_id), created=False)


def new_booking_number(day: date) -> str:
    suffix = "".join(secrets.choice(BOOKING_NUMBER_ALPHABET) for _ in range(6))
    return f"BK-{day:%Y%m%d}-{suffix}"


def _new_booking(
    preview: CheckoutPreview,
    choice: BookingChoice,
    *,
    user: User,
    number: str,
    address_id: uuid.UUID,
    visit: BusyRange,
    settings: Settings,
    now: datetime,
) -> Booking:
    online = choice.payment_method == PaymentMethod.ONLINE
    return Booking(
        id=uuid.uuid4(),
        booking_number=number,
        user_id=user.id,
        address_id=address_id,
        services=preview.items,
        booking_date=choice.booking_date,
        booking_time=choice.booking_time,
        start_at=visit.start_at,
        end_at=visit.end_at,
        payment_method=choice.payment_method,
        payment_status=PaymentStatus.PENDING,
        hold_expires_at=now + timedelta(seconds=settings.payment_hold_seconds) if online else None,
        total_price=preview.subtotal,
        discount=preview.discount,
        tax=preview.tax,
        grand_total=preview.grand_total,
        partner_payout=preview.partner_payout,
        promo_code=(preview.promo or {}).get("code") if preview.promo_code_id else None,
        promo_code_id=preview.promo_code_id,
        customer_name=choice.customer_name or user.name,
        customer_phone=choice.customer_phone or user.phone_number,
        customer_email=choice.customer_email or user.email,
        assignment_status=AssignmentStatus.ASSIGNED,
        assigned_at=now,
    )


async def _flush_booking(session: AsyncSession) -> None:
    """The exclusion constraint is the last word on overlap: if it trips, the slot is gone."""
    try:
        await session.flush()
    except IntegrityError as error:
        if "ex_bookings_partner_overlap" in str(error.orig):
            raise SlotUnavailable() from error
        raise

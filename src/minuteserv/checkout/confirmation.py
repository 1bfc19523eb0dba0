"""Confirm: book a stored preview exactly once, with a partner reserved against any number of
racing requests.

It is the service's hottest write, so it runs as plain statements (`driver_rows`), with no ORM
load or flush, which cost more CPU than the statements themselves: the caller's preview read
and locked with the visit's address; for online, the gateway order; then, on PostgreSQL, one
statement that ranks the free partners, locks the best one no other request holds, and writes
for them the booking, its events, its payment and the preview's mark, unless the exclusion
constraint finds them taken (`reserve_best_free` with `WrittenOnTaking`). When it finds them
taken, when every free partner is held by another request (waited for, one by one), and on
SQLite, each write is a statement of its own that writes only if the partner is still free
(`insert_records`).
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from minuteserv.addresses.models import UserAddress
from minuteserv.addresses.service import AddressNotFound
from minuteserv.auth.dependencies import Customer, require_user
from minuteserv.bookings import history
from minuteserv.bookings.availability import slot_rules
from minuteserv.bookings.models import (
    NO_OVERLAP,
    ActorType,
    AssignmentStatus,
    Booking,
    BookingEvent,
    BookingStatus,
    PaymentMethod,
    PaymentStatus,
)
from minuteserv.bookings.reservation import (
    Claim,
    PartnerTakenMeanwhile,
    WrittenOnTaking,
    overlap_params,
    reserve_best_free,
    unbooked,
)
from minuteserv.bookings.slots import BusyRange, SlotRules, is_upcoming_slot, visit_range
from minuteserv.checkout.errors import (
    OnlineAmountTooSmall,
    PreviewExpired,
    PreviewNotFound,
    PromoUnavailable,
    SlotUnavailable,
)
from minuteserv.checkout.models import CheckoutPreview
from minuteserv.core.codes import LETTERS_AND_DIGITS, random_code
from minuteserv.core.config import Settings
from minuteserv.core.db import Base
from minuteserv.core.reader import Inserts, Row, driver_rows, insert_records, record_arguments
from minuteserv.integrations.payments import GatewayOrder, PaymentGateway
from minuteserv.payments import service as payments_service
from minuteserv.promos import service as promos_service
from minuteserv.users.models import User

logger = logging.getLogger("minuteserv.checkout")

MIN_ONLINE_AMOUNT = Decimal("1.00")  # Razorpay refuses orders under 100 paise


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


@dataclass(frozen=True, slots=True)
class _Stored:
    """The preview as confirm reads it, with the visit's address and its owner's contact."""

    id: uuid.UUID
    booking_id: uuid.UUID | None
    expires_at: datetime
    duration_minutes: int
    items: list[dict[str, Any]]
    categories: list[str]
    subtotal: Decimal
    discount: Decimal
    tax: Decimal
    grand_total: Decimal
    partner_payout: Decimal
    promo: dict[str, Any] | None
    promo_code_id: uuid.UUID | None
    address: tuple[uuid.UUID, float | None, float | None] | None  # id, lat, lng
    customer: Customer

    @classmethod
    def of(cls, row: Row) -> "_Stored":
        columns = {field: row[f"preview.{field}"] for field in _PREVIEW_COLUMNS}
        parsed = {field: _json(row[f"preview.{field}"]) for field in _PREVIEW_JSON}
        address = row["address.id"]
        return cls(
            **columns,
            **parsed,
            address=None if address is None else (address, row["address.lat"], row["address.lng"]),
            customer=Customer._make(row[f"customer.{field}"] for field in Customer._fields),
        )


_PREVIEW_COLUMNS = (
    "id",
    "booking_id",
    "expires_at",
    "duration_minutes",
    "subtotal",
    "discount",
    "tax",
    "grand_total",
    "partner_payout",
    "promo_code_id",
)
_PREVIEW_JSON = ("items", "categories", "promo")


def _json(text: str | None) -> Any:
    """A JSON column read as text; SQL NULL (a preview stored without a promo) is None."""
    return None if text is None else orjson.loads(text)


def _stored_preview() -> sa.Select[Any]:
    """The caller's preview, locked, with their contact (a preview goes with its user), outer-
    joined to the address the visit goes to (the one chosen, else the preview's) if it is
    theirs and live. JSON is read as text, the same on either database."""
    address_id = sa.func.coalesce(
        sa.bindparam("address_id", type_=sa.Uuid), CheckoutPreview.address_id
    )
    return (
        sa.select(
            *(getattr(CheckoutPreview, f).label(f"preview.{f}") for f in _PREVIEW_COLUMNS),
            *(
                sa.cast(getattr(CheckoutPreview, f), sa.Text).label(f"preview.{f}")
                for f in _PREVIEW_JSON
            ),
            UserAddress.id.label("address.id"),
            sa.cast(UserAddress.lat, sa.Float).label("address.lat"),
            sa.cast(UserAddress.lng, sa.Float).label("address.lng"),
            *(getattr(User, field).label(f"customer.{field}") for field in Customer._fields),
        )
        .join(User, User.id == CheckoutPreview.user_id)
        .outerjoin(
            UserAddress,
            (UserAddress.id == address_id)
            & (UserAddress.user_id == CheckoutPreview.user_id)
            & UserAddress.deleted_at.is_(None),
        )
        .where(
            CheckoutPreview.id == sa.bindparam("preview_id"),
            CheckoutPreview.user_id == sa.bindparam("user_id"),
        )
        .with_for_update(of=CheckoutPreview)
    )


STORED_PREVIEW = _stored_preview()
MARK_PREVIEW_BOOKED = (
    sa.update(CheckoutPreview)
    .where(CheckoutPreview.id == sa.bindparam("preview_id"))
    .values(booking_id=sa.bindparam("booking_id", type_=sa.Uuid))
)


async def confirm(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    choice: BookingChoice,
    gateway: PaymentGateway,
    settings: Settings,
    now: datetime,
) -> Confirmed:
    """Book the preview: a partner reserved, the promo use taken and the booking made in this
    transaction. The preview is locked as it is read, so a second confirm of it (a double
    tap) waits, then finds the booking, and opens no gateway order of its own. The token's
    user is checked by the same statement: 401 if they no longer exist.

    The first try writes the booking in the statement that takes its partner. Should that
    partner prove taken by a booking the statement could not see, it starts over from a
    rollback (`PartnerTakenMeanwhile`), with the same booking number and gateway order. The
    rollback lets the preview go: a double tap waiting for it then books it, with an order of
    its own, and this confirm answers that booking, its own order left unpaid. Should the
    booking number, drawn at random, be another booking's, it starts over too, with a new
    number and a new order (the order's receipt is the number)."""
    attempt = _Attempt(
        session=session,
        user_id=user_id,
        choice=choice,
        gateway=gateway,
        settings=settings,
        now=now,
        number=_drawn_number(now, settings),
    )
    with_savepoints = False
    for _ in range(TRIES - 1):
        try:
            return await attempt.run(with_savepoints=with_savepoints)
        except PartnerTakenMeanwhile:
            logger.info(
                "confirm of preview %s starts over: its partner was taken", choice.preview_id
            )
            with_savepoints = True
        except BookingNumberTaken:
            logger.warning("confirm starts over: booking number %s was taken", attempt.number)
            attempt.number, attempt.order = _drawn_number(now, settings), None
        await session.rollback()  # outside the handler: the next try's errors are its own
    return await attempt.run(with_savepoints=True)


TRIES = 3
"""A confirm's tries at most: one start over for a partner taken (after which it takes
savepoints, and never again), and one for each booking number found taken (a clash of two
random codes of one day: about one booking in 200,000 at 10,000 bookings a day)."""


class BookingNumberTaken(Exception):
    """The booking number drawn for a confirm is another booking's: its write failed, and its
    transaction must be rolled back."""


def _drawn_number(now: datetime, settings: Settings) -> str:
    return new_booking_number(now.astimezone(settings.zone).date())


@dataclass(slots=True)
class _Attempt:
    """What each try of one confirm shares: the booking number and the gateway order, made
    once for all of them unless the number proves taken."""

    session: AsyncSession
    user_id: uuid.UUID
    choice: BookingChoice
    gateway: PaymentGateway
    settings: Settings
    now: datetime
    number: str
    order: GatewayOrder | None = None

    async def run(self, *, with_savepoints: bool) -> Confirmed:
        connection = await self.session.connection()
        choice = self.choice
        chosen = {"user_id": self.user_id, "preview_id": choice.preview_id}
        rows = await driver_rows(
            connection, STORED_PREVIEW, {**chosen, "address_id": choice.address_id}
        )
        if not rows:
            await require_user(connection, self.user_id)
            raise PreviewNotFound()
        preview = _Stored.of(rows[0])
        if preview.booking_id is not None:
            return await _already_booked(self.session, preview.booking_id)
        rules = slot_rules(self.settings)
        _check_bookable(preview, choice, rules=rules, now=self.now)
        order = await self._gateway_order(preview)
        visit = visit_range(
            rules, choice.booking_date, choice.booking_time, preview.duration_minutes
        )

        def new_booking() -> Booking:
            return _new_booking(
                preview,
                choice,
                number=self.number,
                visit=visit,
                settings=self.settings,
                now=self.now,
            )

        async def book(partner_id: uuid.UUID) -> Booking | None:
            """Under the partner's lock: the booking, if they are still free."""
            booking = new_booking()
            written = await _write(connection, booking, preview, partner_id=partner_id, order=order)
            return booking if written else None

        try:
            booking = await _reserve(
                self.session,
                preview,
                rules=rules,
                day=choice.booking_date,
                visit=visit,
                book=book,
                written_on_taking=_written_on_taking(new_booking(), preview, order)
                if not with_savepoints and connection.dialect.name == "postgresql"
                else None,
            )
        except sa.exc.IntegrityError as error:
            # The unique key's name on PostgreSQL, its column on SQLite: both name the column.
            if "booking_number" in str(error.orig):
                raise BookingNumberTaken() from error
            raise
        # Taken last, so the promo code's row is locked only from here to the commit.
        if preview.promo_code_id and not await promos_service.take_use(
            self.session, promo_id=preview.promo_code_id, now=self.now
        ):
            raise PromoUnavailable()
        return Confirmed(booking=booking, created=True)

    async def _gateway_order(self, preview: _Stored) -> GatewayOrder | None:
        if self.choice.payment_method != PaymentMethod.ONLINE:
            return None
        if self.order is None:
            self.order = await payments_service.create_order(
                self.gateway,
                amount=preview.grand_total,
                receipt=self.number,
                notes={"booking_number": self.number, "preview_id": str(preview.id)},
            )
        return self.order


def _check_bookable(
    preview: _Stored, choice: BookingChoice, *, rules: SlotRules, now: datetime
) -> None:
    if preview.expires_at <= now:
        raise PreviewExpired()
    if choice.payment_method == PaymentMethod.ONLINE and preview.grand_total < MIN_ONLINE_AMOUNT:
        raise OnlineAmountTooSmall()
    if preview.address is None:
        raise AddressNotFound()
    if not is_upcoming_slot(
        rules, choice.booking_date, choice.booking_time, preview.duration_minutes, now
    ):
        raise SlotUnavailable("This slot is not offered: outside hours, too soon or too far ahead.")


async def _reserve(
    session: AsyncSession,
    preview: _Stored,
    *,
    rules: SlotRules,
    day: date,
    visit: BusyRange,
    book: Claim[Booking],
    written_on_taking: WrittenOnTaking[Booking] | None,
) -> Booking:
    """The visit booked with the best free partner, whom it holds the lock of."""
    assert preview.address is not None
    _, lat, lng = preview.address
    # Read afresh, not from the schedule cache: under a stream of confirms each booking makes
    # its day's copy stale for the next one, and checking it would only add a round trip.
    booking = await reserve_best_free(
        session,
        rules,
        day=day,
        visit=visit,
        categories=preview.categories,
        lat=lat,
        lng=lng,
        claim=book,
        written_on_taking=written_on_taking,
    )
    if booking is None:
        raise SlotUnavailable()
    return booking


def _records(booking: Booking, *, partner_id: uuid.UUID, order: GatewayOrder | None) -> list[Base]:
    """The booking with its partner, its first events and, paid online, its payment."""
    events = history.changes(
        booking,
        actor=history.Actor(ActorType.CUSTOMER, str(booking.user_id)),
        status=BookingStatus.PENDING,
        partner_id=partner_id,
    )
    payment = payments_service.new_payment(booking=booking, order=order) if order else None
    return [booking, *events, *([payment] if payment else [])]


async def _write(
    connection: AsyncConnection,
    booking: Booking,
    preview: _Stored,
    *,
    partner_id: uuid.UUID,
    order: GatewayOrder | None,
) -> bool:
    """`_records` and the preview's mark, in one statement that first checks, under the
    partner's lock, that they are still free; False, and nothing written, if they are not."""
    visit = BusyRange(booking.start_at, booking.end_at)
    return await insert_records(
        connection,
        _records(booking, partner_id=partner_id, order=order),
        then=MARK_PREVIEW_BOOKED,
        only_if=unbooked(connection.dialect.name),
        params={
            "preview_id": preview.id,
            "booking_id": booking.id,
            **overlap_params(partner_id, visit),
        },
    )


UNCHOSEN = uuid.UUID(int=0)
"""The partner `_written_on_taking`'s records are made for: the statement writes in its stead
the partner it takes."""


def _written_on_taking(
    booking: Booking, preview: _Stored, order: GatewayOrder | None
) -> WrittenOnTaking[Booking]:
    """`_records` and the preview's mark, for the first pass to write with the partner it
    takes (in the booking's `partner_id` and the event that records it); the exclusion
    constraint, not a read, says whether that partner is still free."""
    records = _records(booking, partner_id=UNCHOSEN, order=order)
    partner_columns = {(0, "partner_id")} | {
        (n, "to_value")
        for n, record in enumerate(records)
        if isinstance(record, BookingEvent) and record.field == "partner_id"
    }
    inserts = Inserts.of(
        records,
        then=MARK_PREVIEW_BOOKED,
        chosen_into=frozenset(partner_columns),
        arbiter=NO_OVERLAP,
    )

    def made(partner_id: uuid.UUID) -> Booking:
        booking.partner_id = partner_id
        return booking

    params = {"preview_id": preview.id, "booking_id": booking.id, **record_arguments(records)}
    return WrittenOnTaking(inserts, params, made)


async def _already_booked(session: AsyncSession, booking_id: uuid.UUID) -> Confirmed:
    return Confirmed(booking=await session.get_one(Booking, booking_id), created=False)


def new_booking_number(day: date) -> str:
    return f"BK-{day:%Y%m%d}-{random_code(LETTERS_AND_DIGITS, 6)}"


def _new_booking(
    preview: _Stored,
    choice: BookingChoice,
    *,
    number: str,
    visit: BusyRange,
    settings: Settings,
    now: datetime,
) -> Booking:
    """The booking as it is written, every column set for `insert_records`; its status and
    partner are set by the events that record them."""
    assert preview.address is not None
    online = choice.payment_method == PaymentMethod.ONLINE
    customer = preview.customer
    return Booking(
        id=uuid.uuid4(),
        created_at=now,
        updated_at=now,
        booking_number=number,
        user_id=customer.id,
        address_id=preview.address[0],
        partner_id=None,
        services=preview.items,
        booking_date=choice.booking_date,
        booking_time=choice.booking_time,
        start_at=visit.start_at,
        end_at=visit.end_at,
        status=None,
        payment_method=choice.payment_method,
        payment_status=PaymentStatus.PENDING,
        razorpay_order_id=None,
        razorpay_payment_id=None,
        hold_expires_at=now + timedelta(seconds=settings.payment_hold_seconds) if online else None,
        total_price=preview.subtotal,
        discount=preview.discount,
        tax=preview.tax,
        grand_total=preview.grand_total,
        partner_payout=preview.partner_payout,
        promo_code=(preview.promo or {}).get("code") if preview.promo_code_id else None,
        promo_code_id=preview.promo_code_id,
        customer_name=choice.customer_name or customer.name,
        customer_phone=choice.customer_phone or customer.phone_number,
        customer_email=choice.customer_email or customer.email,
        assignment_status=AssignmentStatus.ASSIGNED,
        assigned_at=now,
        accepted_at=None,
        cancelled_at=None,
        cancellation_reason=None,
        refund_amount=None,
        customer_rating=None,
        customer_feedback=None,
    )

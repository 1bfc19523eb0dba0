"""Payments: gateway orders for bookings, and every way we learn a payment's fate (the
customer's verify call, Razorpay's webhooks, the worker's reconciliation) ending in one state."""

import hashlib
import logging
import uuid
from decimal import Decimal
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.bookings import history
from minuteserv.bookings.history import Actor
from minuteserv.bookings.models import ActorType, Booking, BookingStatus, PaymentStatus
from minuteserv.core import clock
from minuteserv.core.money import to_paise
from minuteserv.integrations.notifier import PartnerNotifier
from minuteserv.integrations.payments import (
    GatewayError,
    GatewayOrder,
    GatewayPayment,
    PaymentGateway,
)
from minuteserv.integrations.signatures import verify_payment_signature, verify_webhook_signature
from minuteserv.payments.errors import (
    InvalidSignature,
    MalformedWebhook,
    PaymentGatewayFailed,
    PaymentNotFound,
)
from minuteserv.payments.models import Payment, PaymentRecordStatus, WebhookEvent

logger = logging.getLogger("minuteserv.payments")

CURRENCY = "INR"
SETTLED = (
    PaymentRecordStatus.CAPTURED,
    PaymentRecordStatus.REFUND_PENDING,
    PaymentRecordStatus.REFUNDED,
)
CHARGE_EVENTS = ("payment.captured", "payment.failed", "order.paid")
LATE_CAPTURE = "captured after the booking was cancelled; the worker refunds it"
INBOX_KEY_LENGTH = 100  # webhook_events.event_id


async def create_order(
    gateway: PaymentGateway, *, amount: Decimal, receipt: str, notes: dict[str, str]
) -> GatewayOrder:
    """A gateway order for `amount` rupees; a gateway failure becomes a 502."""
    try:
        return await gateway.create_order(
            amount_paise=to_paise(amount), receipt=receipt, notes=notes
        )
    except GatewayError as error:
        logger.warning("create_order failed for %s: %s", receipt, error)
        raise PaymentGatewayFailed() from error


def new_payment(*, booking: Booking, order: GatewayOrder) -> Payment:
    """The booking's payment for the gateway's order, its every column set."""
    booking.razorpay_order_id = order.id
    now = clock.now()
    return Payment(
        id=uuid.uuid4(),
        created_at=now,
        updated_at=now,
        booking_id=booking.id,
        razorpay_order_id=order.id,
        razorpay_payment_id=None,
        amount=booking.grand_total,
        status=PaymentRecordStatus.PENDING,
        payment_method=None,
        failure_reason=None,
    )


def latest_first(
    booking_id: uuid.UUID | sa.ColumnExpressionArgument[uuid.UUID],
) -> sa.Select[Payment]:
    """The booking's payments, latest first: the latest is the one paid or being paid."""
    return (
        sa.select(Payment)
        .where(Payment.booking_id == booking_id)
        .order_by(Payment.created_at.desc())
    )


async def latest_for_booking(session: AsyncSession, booking_id: uuid.UUID) -> Payment | None:
    return await session.scalar(latest_first(booking_id).limit(1))


async def lock_for_booking(session: AsyncSession, *, booking_id: uuid.UUID) -> None:
    """Lock the booking's payment rows; whoever goes on to lock the booking too takes these
    first, the order `_lock_order` takes, so the two can never deadlock."""
    await session.execute(
        sa.select(Payment.id)
        .where(Payment.booking_id == booking_id)
        .order_by(Payment.id)
        .with_for_update()
    )


async def _owned_payment(session: AsyncSession, *, order_id: str, user_id: uuid.UUID) -> Payment:
    payment = await session.scalar(
        sa.select(Payment)
        .join(Booking, Booking.id == Payment.booking_id)
        .where(Payment.razorpay_order_id == order_id, Booking.user_id == user_id)
    )
    if payment is None:
        raise PaymentNotFound()
    return payment


async def verify(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    order_id: str,
    payment_id: str,
    signature: str,
    gateway: PaymentGateway,
    notifier: PartnerNotifier,
) -> Booking:
    """The customer's proof of payment: the signature, then the gateway's word on the amount."""
    await _owned_payment(session, order_id=order_id, user_id=user_id)
    if not verify_payment_signature(
        order_id=order_id, payment_id=payment_id, signature=signature, secret=gateway.key_secret
    ):
        raise InvalidSignature()
    try:
        charge = await gateway.fetch_payment(payment_id)
    except GatewayError as error:
        raise PaymentGatewayFailed("The payment gateway could not confirm the payment.") from error
    if charge.order_id != order_id:
        raise InvalidSignature("The payment does not belong to this order.")
    actor = Actor(ActorType.CUSTOMER, str(user_id))
    booking = await apply_charge(
        session, order_id=order_id, charge=charge, actor=actor, notifier=notifier
    )
    assert booking is not None
    return booking


async def _lock_order(session: AsyncSession, order_id: str) -> tuple[Payment, Booking] | None:
    """Lock the payment, then its booking (always in that order)."""
    payment = await session.scalar(
        sa.select(Payment)
        .where(Payment.razorpay_order_id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if payment is None:
        return None
    booking = await session.scalar(
        sa.select(Booking)
        .where(Booking.id == payment.booking_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert booking is not None
    return payment, booking


async def apply_charge(
    session: AsyncSession,
    *,
    order_id: str,
    charge: GatewayPayment,
    actor: Actor,
    notifier: PartnerNotifier,
) -> Booking | None:
    """Fold what the gateway says of one payment attempt into our rows; idempotent.
    None when the order is not ours."""
    locked = await _lock_order(session, order_id)
    if locked is None:
        return None
    payment, booking = locked
    if charge.status == "captured":
        if _capture(session, payment, booking, charge, actor):
            await notifier.booking_confirmed(booking)
    elif charge.status == "failed":
        _fail(session, payment, booking, charge, actor)
    return booking


def _capture(
    session: AsyncSession, payment: Payment, booking: Booking, charge: GatewayPayment, actor: Actor
) -> bool:
    """Mark the payment captured and the booking paid (and confirmed); True if this changed."""
    if payment.status in SETTLED:
        return False
    expected = to_paise(booking.grand_total)
    if charge.amount != expected or charge.currency != CURRENCY:
        payment.failure_reason = (
            f"amount mismatch: captured {charge.amount} {charge.currency}, "
            f"expected {expected} {CURRENCY}"
        )
        logger.error("order %s: %s", payment.razorpay_order_id, payment.failure_reason)
        return False
    payment.status = PaymentRecordStatus.CAPTURED
    payment.razorpay_payment_id = booking.razorpay_payment_id = charge.id
    payment.payment_method, payment.failure_reason = charge.method, None
    booking.hold_expires_at = None
    if booking.status == BookingStatus.CANCELLED:
        history.change(
            session,
            booking,
            actor=actor,
            payment_status=PaymentStatus.REFUND_PENDING,
            note=LATE_CAPTURE,
        )
        return False
    history.change(session, booking, actor=actor, payment_status=PaymentStatus.PAID)
    if booking.status == BookingStatus.PENDING:
        history.change(session, booking, actor=actor, status=BookingStatus.CONFIRMED)
    return True


def _fail(
    session: AsyncSession, payment: Payment, booking: Booking, charge: GatewayPayment, actor: Actor
) -> None:
    """A failed attempt; the customer may still pay the same order, so nothing is final."""
    if payment.status in SETTLED:
        return
    payment.status = PaymentRecordStatus.FAILED
    payment.failure_reason = charge.error_description or "payment failed"
    if booking.payment_status == PaymentStatus.PENDING:
        history.change(session, booking, actor=actor, payment_status=PaymentStatus.FAILED)


async def handle_webhook(
    session: AsyncSession,
    *,
    body: bytes,
    signature: str | None,
    event_id: str | None,
    secret: str,
    notifier: PartnerNotifier,
) -> str:
    """Check, record once in the inbox, and apply a Razorpay event; returns the outcome."""
    if not signature or not verify_webhook_signature(body=body, signature=signature, secret=secret):
        raise InvalidSignature("The webhook signature does not match.")
    event = _parse_event(body)
    event_id = _inbox_key(event_id, body)
    if not await _record_event(session, event_id=event_id, event=event):
        return "duplicate"
    outcome = await _dispatch(session, event, notifier)
    await session.execute(
        sa.update(WebhookEvent).where(WebhookEvent.event_id == event_id).values(outcome=outcome)
    )
    return outcome


def _parse_event(body: bytes) -> dict[str, Any]:
    try:
        event = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise MalformedWebhook() from error
    if not isinstance(event, dict) or not isinstance(event.get("event"), str):
        raise MalformedWebhook()
    return event


def _inbox_key(event_id: str | None, body: bytes) -> str:
    """Razorpay's event id, or a digest of it (or of the body, when it is missing) that fits the
    column: the insert and the outcome update must use the very same key."""
    if event_id and len(event_id) <= INBOX_KEY_LENGTH:
        return event_id
    return hashlib.sha256(event_id.encode() if event_id else body).hexdigest()


async def _record_event(session: AsyncSession, *, event_id: str, event: dict[str, Any]) -> bool:
    """Insert into the inbox unless the event id is there already; True if inserted."""
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    result = await session.execute(
        insert(WebhookEvent)
        .values(event_id=event_id, event=event["event"][:50], payload=event)
        .on_conflict_do_nothing()
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _entity(event: dict[str, Any], name: str) -> dict[str, Any] | None:
    entity = ((event.get("payload") or {}).get(name) or {}).get("entity")
    return entity if isinstance(entity, dict) else None


async def _dispatch(session: AsyncSession, event: dict[str, Any], notifier: PartnerNotifier) -> str:
    name = event["event"]
    if name in CHARGE_EVENTS:
        charge = _charge_of(_entity(event, "payment"))
        if charge is None:
            raise MalformedWebhook("The event carries no payment.")
        booking = await apply_charge(
            session,
            order_id=charge.order_id,
            charge=charge,
            actor=history.GATEWAY,
            notifier=notifier,
        )
        return "applied" if booking else _unknown("order", charge.order_id)
    if name == "refund.processed":
        refund = _entity(event, "refund") or {}
        return await complete_refund(session, payment_id=str(refund.get("payment_id", "")))
    return "ignored"


def _unknown(kind: str, identifier: str) -> str:
    logger.warning("webhook for unknown %s %s; nothing changed", kind, identifier)
    return f"unknown_{kind}"


def _charge_of(entity: dict[str, Any] | None) -> GatewayPayment | None:
    if entity is None:
        return None
    try:
        return GatewayPayment(
            id=str(entity["id"]),
            order_id=str(entity["order_id"]),
            amount=int(entity["amount"]),
            currency=str(entity["currency"]),
            status=str(entity["status"]),
            method=entity.get("method"),
            error_description=entity.get("error_description"),
        )
    except (KeyError, TypeError, ValueError):
        return None


async def complete_refund(session: AsyncSession, *, payment_id: str) -> str:
    """Razorpay says the refund reached the customer: the payment and booking are refunded."""
    payment = await session.scalar(
        sa.select(Payment).where(Payment.razorpay_payment_id == payment_id).with_for_update()
    )
    if payment is None:
        return _unknown("payment", payment_id)
    booking = await session.get_one(Booking, payment.booking_id, with_for_update=True)
    payment.status = PaymentRecordStatus.REFUNDED
    history.change(session, booking, actor=history.GATEWAY, payment_status=PaymentStatus.REFUNDED)
    return "applied"


async def refund(
    session: AsyncSession,
    *,
    booking: Booking,
    amount: Decimal,
    actor: Actor,
    gateway: PaymentGateway,
) -> None:
    """Ask the gateway to give back `amount` of the booking's captured payment. The key makes a
    retried cancellation ask for the same refund, never a second one."""
    payment = await session.scalar(
        sa.select(Payment)
        .where(Payment.booking_id == booking.id, Payment.status == PaymentRecordStatus.CAPTURED)
        .with_for_update()
    )
    if payment is None or payment.razorpay_payment_id is None:
        raise PaymentNotFound("The booking has no captured payment to refund.")
    try:
        result = await gateway.refund(
            payment_id=payment.razorpay_payment_id,
            amount_paise=to_paise(amount),
            idempotency_key=f"refund-{booking.id}",
            notes={"booking_number": booking.booking_number},
        )
    except GatewayError as error:
        raise PaymentGatewayFailed(
            "The refund could not be started; nothing was changed."
        ) from error
    done = result.status == "processed"
    payment.status = PaymentRecordStatus.REFUNDED if done else PaymentRecordStatus.REFUND_PENDING
    history.change(
        session,
        booking,
        actor=actor,
        payment_status=PaymentStatus.REFUNDED if done else PaymentStatus.REFUND_PENDING,
    )

"""Background jobs. Each claims its rows with FOR UPDATE SKIP LOCKED (on PostgreSQL), so any
number of workers can run at once without doing a row twice."""

import logging
from datetime import datetime, timedelta
from decimal import Decimal
from operator import attrgetter

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from minuteserv.auth.models import OtpVerification
from minuteserv.bookings import history
from minuteserv.bookings import service as bookings_service
from minuteserv.bookings.models import Booking, BookingStatus, PaymentMethod, PaymentStatus
from minuteserv.checkout.models import CheckoutPreview
from minuteserv.core.config import Settings
from minuteserv.core.db import session_scope
from minuteserv.integrations.notifier import PartnerNotifier
from minuteserv.integrations.payments import GatewayError, PaymentGateway
from minuteserv.payments import service as payments_service
from minuteserv.payments.errors import PaymentGatewayFailed
from minuteserv.payments.models import Payment, PaymentRecordStatus

logger = logging.getLogger("minuteserv.worker")

BATCH = 20
RECONCILE_AFTER = timedelta(seconds=60)
LATE_PAYMENT_WINDOW = timedelta(hours=1)
KEEP_DEAD_ROWS = timedelta(days=1)
PAYMENT_TIMEOUT = "payment_timeout"


async def reconcile_payments(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    gateway: PaymentGateway,
    notifier: PartnerNotifier,
    now: datetime,
) -> int:
    """Ask the gateway about open orders whose webhook never came; apply what it says."""
    async with session_scope(sessionmaker) as session:
        payments = (
            await session.scalars(
                sa.select(Payment)
                .join(Booking, Booking.id == Payment.booking_id)
                .where(
                    Payment.status.in_([PaymentRecordStatus.PENDING, PaymentRecordStatus.FAILED]),
                    Payment.created_at <= now - RECONCILE_AFTER,
                    sa.or_(
                        Booking.status == BookingStatus.PENDING,
                        # Paid just as the hold ran out, with the webhook lost too.
                        sa.and_(
                            Booking.status == BookingStatus.CANCELLED,
                            Booking.cancelled_at >= now - LATE_PAYMENT_WINDOW,
                        ),
                    ),
                )
                .order_by(Payment.created_at.desc())
                .limit(BATCH)
                .with_for_update(of=Payment, skip_locked=True)
            )
        ).all()
        applied = 0
        for payment in payments:
            applied += await _reconcile_one(session, payment, gateway=gateway, notifier=notifier)
    return applied


async def _reconcile_one(
    session: AsyncSession, payment: Payment, *, gateway: PaymentGateway, notifier: PartnerNotifier
) -> int:
    order_id = payment.razorpay_order_id
    assert order_id is not None
    try:
        charges = await gateway.fetch_order_payments(order_id)
    except GatewayError as error:
        logger.warning("reconcile %s: gateway unavailable (%s); will retry", order_id, error)
        return 0
    for charge in sorted(charges, key=lambda charge: charge.status != "captured"):
        await payments_service.apply_charge(
            session, order_id=order_id, charge=charge, actor=history.WORKER, notifier=notifier
        )
    return 1 if charges else 0


async def expire_unpaid_bookings(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    gateway: PaymentGateway,
    settings: Settings,
    now: datetime,
) -> int:
    """Cancel online bookings still unpaid when their hold ends; partner and promo go free."""
    async with session_scope(sessionmaker) as session:
        bookings = (
            await session.scalars(
                sa.select(Booking)
                .where(
                    Booking.payment_method == PaymentMethod.ONLINE,
                    Booking.status == BookingStatus.PENDING,
                    Booking.payment_status.in_([PaymentStatus.PENDING, PaymentStatus.FAILED]),
                    Booking.hold_expires_at <= now,
                )
                .order_by(Booking.hold_expires_at)
                .limit(BATCH)
                .with_for_update(skip_locked=True)
            )
        ).all()
        for booking in sorted(bookings, key=attrgetter("booking_date")):
            await bookings_service.cancel(
                session,
                booking=booking,
                actor=history.WORKER,
                reason=PAYMENT_TIMEOUT,
                gateway=gateway,
                settings=settings,
                now=now,
                refund=Decimal(0),
            )
            # One by one in date order: the day totals' deferred triggers take their rows at
            # commit in the order of the writes, the same order in every worker, so two
            # workers' batches cannot deadlock on them.
            await session.flush()
    return len(bookings)


async def refund_late_captures(
    sessionmaker: async_sessionmaker[AsyncSession], *, gateway: PaymentGateway
) -> int:
    """Give back in full what was captured after its booking was cancelled (paid past the hold,
    or after the customer cancelled): the payment paths only mark it refund_pending."""
    async with session_scope(sessionmaker) as session:
        payments = (
            await session.scalars(
                sa.select(Payment)
                .join(Booking, Booking.id == Payment.booking_id)
                .where(
                    Payment.status == PaymentRecordStatus.CAPTURED,
                    Booking.status == BookingStatus.CANCELLED,
                    Booking.payment_status == PaymentStatus.REFUND_PENDING,
                )
                .order_by(Payment.created_at)
                .limit(BATCH)
                .with_for_update(of=Payment, skip_locked=True)
            )
        ).all()
        refunded = 0
        for payment in payments:
            refunded += await _refund_late_capture(session, payment, gateway=gateway)
    return refunded


async def _refund_late_capture(
    session: AsyncSession, payment: Payment, *, gateway: PaymentGateway
) -> int:
    booking = await session.get_one(
        Booking, payment.booking_id, with_for_update=True, populate_existing=True
    )
    try:
        await payments_service.refund(
            session,
            booking=booking,
            amount=booking.grand_total,
            actor=history.WORKER,
            gateway=gateway,
        )
    except PaymentGatewayFailed:
        logger.warning("refund of late capture %s failed; will retry", payment.razorpay_payment_id)
        return 0
    booking.refund_amount = booking.grand_total
    return 1


async def purge_dead_rows(sessionmaker: async_sessionmaker[AsyncSession], *, now: datetime) -> int:
    """Delete OTPs and checkout previews that expired more than a day ago."""
    cutoff = now - KEEP_DEAD_ROWS
    async with session_scope(sessionmaker) as session:
        otps = await session.execute(
            sa.delete(OtpVerification).where(OtpVerification.expires_at < cutoff)
        )
        previews = await session.execute(
            sa.delete(CheckoutPreview).where(CheckoutPreview.expires_at < cutoff)
        )
    return int(otps.rowcount + previews.rowcount)  # type: ignore[attr-defined]

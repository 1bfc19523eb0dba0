"""Background jobs. Each claims its rows with FOR UPDATE SKIP LOCKED (on PostgreSQL), so any
number of workers can run at once without doing a row twice."""

import logging
from datetime import datetime, timedelta
from decimal import Decimal

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
from minuteserv.payments.models import Payment, PaymentRecordStatus

logger = logging.getLogger("minuteserv.worker")

BATCH = 20
RECONCILE_AFTER = timedelta(seconds=60)
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
                    Booking.status == BookingStatus.PENDING,
                )
                .order_by(Payment.created_at)
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
        for booking in bookings:
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
    return len(bookings)


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

"""The worker cancels online bookings still unpaid when their hold ends."""

from datetime import datetime, timedelta
from decimal import Decimal

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.bookings.models import Booking
from minuteserv.core import clock
from minuteserv.core.config import Settings
from minuteserv.worker import jobs
from tests.checkout.helpers import prepare
from tests.factories import reload
from tests.payments.helpers import (
    Booked,
    book,
    events_after_creation,
    pay_simulated,
    snapshot,
    verify,
    worker_parts,
)


async def _hold_end(session: AsyncSession, booked: Booked) -> datetime:
    booking = await reload(session, Booking, booked.booking_id)
    assert booking is not None and booking.hold_expires_at is not None
    return booking.hold_expires_at


async def _expire(app: FastAPI, settings: Settings, now: datetime) -> int:
    parts = worker_parts(app)
    return await jobs.expire_unpaid_bookings(
        parts.sessionmaker, gateway=parts.gateway, settings=settings, now=now
    )


async def test_unpaid_booking_past_its_hold_is_cancelled_for_payment_timeout(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    booked = await book(client, session, settings)
    hold_end = await _hold_end(session, booked)

    expired = await _expire(app, settings, hold_end + timedelta(seconds=1))

    assert expired == 1
    booking = await reload(session, Booking, booked.booking_id)
    assert booking is not None
    assert (booking.status, booking.payment_status, booking.cancellation_reason) == (
        "cancelled",
        "pending",
        "payment_timeout",
    )
    assert (booking.cancelled_at, booking.refund_amount) == (
        hold_end + timedelta(seconds=1),
        Decimal(0),
    )
    assert await events_after_creation(session, booked.booking_id) == [
        ("status", "pending", "cancelled", "worker", None)
    ]


async def test_expiry_frees_the_partner_and_the_promo_use(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    booked = await book(client, session, settings, promo_code="SAVE10")
    assert (await snapshot(session, booked.booking_id)).promo_used == 1

    await _expire(app, settings, await _hold_end(session, booked) + timedelta(seconds=1))

    assert (await snapshot(session, booked.booking_id)).promo_used == 0
    response = await prepare(
        client, booked.customer, [booked.service_id], booking_date=booked.day.isoformat()
    )
    assert "10:00 AM" in response.json()["data"]["available_slots"]


async def test_booking_still_within_its_hold_is_untouched(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    booked = await book(client, session, settings, promo_code="SAVE10")
    before = await snapshot(session, booked.booking_id)

    expired = await _expire(app, settings, await _hold_end(session, booked) - timedelta(seconds=1))

    assert expired == 0
    assert await snapshot(session, booked.booking_id) == before


async def test_paid_booking_is_untouched(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    booked = await book(client, session, settings)
    hold_end = await _hold_end(session, booked)
    await verify(client, booked.customer, await pay_simulated(client, booked.order_id))
    before = await snapshot(session, booked.booking_id)

    expired = await _expire(app, settings, hold_end + timedelta(hours=1))

    assert expired == 0
    assert await snapshot(session, booked.booking_id) == before
    assert (before.status, before.payment_status) == ("confirmed", "paid")


async def test_cash_booking_is_untouched(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    booked = await book(client, session, settings, method="cash")
    before = await snapshot(session, booked.booking_id)

    expired = await _expire(app, settings, clock.now() + timedelta(days=2))

    assert expired == 0
    assert await snapshot(session, booked.booking_id) == before

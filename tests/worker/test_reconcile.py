"""The worker asks Razorpay (the fake) about open orders whose webhook never came."""

from datetime import datetime, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.bookings.models import Booking
from minuteserv.core import clock
from minuteserv.core.config import Settings
from minuteserv.worker import jobs
from minuteserv.worker.runner import TickReport, run_once
from tests.factories import reload
from tests.fakes.razorpay import FakeRazorpay
from tests.payments.helpers import (
    Booked,
    app_on_fake_razorpay,  # noqa: F401 - this module's settings
    book,
    events_after_creation,
    payment_row,
    snapshot,
    worker_parts,
)


async def _reconcile(app: FastAPI, now: datetime) -> int:
    parts = worker_parts(app)
    return await jobs.reconcile_payments(
        parts.sessionmaker, gateway=parts.gateway, notifier=parts.notifier, now=now
    )


async def _opened_at(session: AsyncSession, booked: Booked) -> datetime:
    return (await payment_row(session, booked.order_id)).created_at


async def test_order_captured_without_a_webhook_ends_paid(
    app: FastAPI,
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    fake_razorpay: FakeRazorpay,
) -> None:
    booked = await book(client, session, settings)
    paid = fake_razorpay.capture(str(booked.order_id))

    reconciled = await _reconcile(app, await _opened_at(session, booked) + timedelta(seconds=61))

    assert reconciled == 1
    state = await snapshot(session, booked.booking_id)
    assert (state.status, state.payment_status, state.razorpay_payment_id) == (
        "confirmed",
        "paid",
        paid["id"],
    )
    assert state.payments == (("captured", paid["id"]),)
    assert sorted(await events_after_creation(session, booked.booking_id)) == [
        ("payment_status", "pending", "paid", "worker", None),
        ("status", "pending", "confirmed", "worker", None),
    ]


async def test_young_order_is_left_to_its_webhook(
    app: FastAPI,
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    fake_razorpay: FakeRazorpay,
) -> None:
    booked = await book(client, session, settings)
    fake_razorpay.capture(str(booked.order_id))
    before = await snapshot(session, booked.booking_id)

    reconciled = await _reconcile(app, await _opened_at(session, booked) + timedelta(seconds=30))

    assert reconciled == 0
    assert await snapshot(session, booked.booking_id) == before
    assert not [request for request in fake_razorpay.requests if request.method == "GET"]


async def test_order_with_no_payment_stays_pending(
    app: FastAPI,
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    fake_razorpay: FakeRazorpay,
) -> None:
    booked = await book(client, session, settings)
    before = await snapshot(session, booked.booking_id)

    reconciled = await _reconcile(app, await _opened_at(session, booked) + timedelta(seconds=61))

    assert reconciled == 0
    assert await snapshot(session, booked.booking_id) == before


async def test_capture_for_the_wrong_amount_is_not_reconciled_as_paid(
    app: FastAPI,
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    fake_razorpay: FakeRazorpay,
) -> None:
    booked = await book(client, session, settings)
    fake_razorpay.capture(str(booked.order_id), amount_paise=1)
    before = await snapshot(session, booked.booking_id)

    await _reconcile(app, await _opened_at(session, booked) + timedelta(seconds=61))

    assert await snapshot(session, booked.booking_id) == before


async def test_gateway_down_during_reconcile_changes_nothing(
    app: FastAPI,
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    fake_razorpay: FakeRazorpay,
) -> None:
    booked = await book(client, session, settings)
    fake_razorpay.capture(str(booked.order_id))
    before = await snapshot(session, booked.booking_id)
    fake_razorpay.mode = "fail"

    reconciled = await _reconcile(app, await _opened_at(session, booked) + timedelta(seconds=61))

    assert reconciled == 0
    assert await snapshot(session, booked.booking_id) == before


async def test_tick_reconciles_before_it_expires(
    app: FastAPI,
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    fake_razorpay: FakeRazorpay,
) -> None:
    booked = await book(client, session, settings)
    paid = fake_razorpay.capture(str(booked.order_id))
    await _age(session, booked, by=timedelta(seconds=settings.payment_hold_seconds + 60))
    parts = worker_parts(app)

    report = await run_once(
        parts.sessionmaker, gateway=parts.gateway, notifier=parts.notifier, settings=settings
    )

    assert report == TickReport(reconciled=1, expired=0, refunded=0, purged=0)
    state = await snapshot(session, booked.booking_id)
    assert (state.status, state.payment_status, state.razorpay_payment_id) == (
        "confirmed",
        "paid",
        paid["id"],
    )


async def _age(session: AsyncSession, booked: Booked, *, by: timedelta) -> None:
    """Make the booking and its order look `by` older: the hold is over, the webhook overdue."""
    payment = await payment_row(session, booked.order_id)
    booking = await reload(session, Booking, booked.booking_id)
    assert booking is not None
    payment.created_at -= by
    booking.hold_expires_at = clock.now() - timedelta(seconds=1)
    await session.commit()

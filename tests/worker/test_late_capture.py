"""A payment captured after its booking was cancelled (paid past the hold) goes back in full."""

from datetime import timedelta
from decimal import Decimal

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.bookings.models import Booking
from minuteserv.core.config import Settings
from minuteserv.worker import jobs
from tests.factories import reload
from tests.fakes.razorpay import FakeRazorpay, Json
from tests.payments.helpers import (
    GRAND_TOTAL_PAISE,
    Booked,
    app_on_fake_razorpay,  # noqa: F401 - this module's settings
    book,
    deliver,
    snapshot,
    worker_parts,
)


async def _paid_after_expiry(
    app: FastAPI,
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    fake: FakeRazorpay,
) -> tuple[Booked, Json]:
    """The hold ends and the worker cancels the booking; then the customer's payment lands."""
    booked = await book(client, session, settings)
    booking = await reload(session, Booking, booked.booking_id)
    assert booking is not None and booking.hold_expires_at is not None
    parts = worker_parts(app)
    await jobs.expire_unpaid_bookings(
        parts.sessionmaker,
        gateway=parts.gateway,
        settings=settings,
        now=booking.hold_expires_at + timedelta(seconds=1),
    )
    payment = fake.capture(str(booked.order_id))
    response = await deliver(client, *fake.webhook("payment.captured", payment=payment))
    assert response.json()["data"] == {"outcome": "applied"}, response.text
    return booked, payment


async def _refund_late_captures(app: FastAPI) -> int:
    parts = worker_parts(app)
    return await jobs.refund_late_captures(parts.sessionmaker, gateway=parts.gateway)


async def test_capture_after_cancellation_awaits_its_refund(
    app: FastAPI,
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    fake_razorpay: FakeRazorpay,
) -> None:
    booked, payment = await _paid_after_expiry(app, client, session, settings, fake_razorpay)

    state = await snapshot(session, booked.booking_id)

    assert (state.status, state.payment_status) == ("cancelled", "refund_pending")
    assert state.payments == (("captured", payment["id"]),)


async def test_worker_refunds_a_capture_that_came_after_cancellation(
    app: FastAPI,
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    fake_razorpay: FakeRazorpay,
) -> None:
    booked, payment = await _paid_after_expiry(app, client, session, settings, fake_razorpay)

    refunded = await _refund_late_captures(app)

    assert refunded == 1
    [request] = [r for r in fake_razorpay.requests if r.path.endswith("/refund")]
    assert request.path == f"/v1/payments/{payment['id']}/refund"
    assert request.json()["amount"] == GRAND_TOTAL_PAISE
    assert request.headers["x-refund-idempotency"] == f"refund-{booked.booking_id}"
    state = await snapshot(session, booked.booking_id)
    assert (state.status, state.payment_status, state.refund_amount) == (
        "cancelled",
        "refunded",
        Decimal("1180.00"),
    )
    assert state.payments == (("refunded", payment["id"]),)


async def test_late_capture_is_refunded_once(
    app: FastAPI,
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    fake_razorpay: FakeRazorpay,
) -> None:
    await _paid_after_expiry(app, client, session, settings, fake_razorpay)
    await _refund_late_captures(app)

    again = await _refund_late_captures(app)

    assert again == 0
    assert len(fake_razorpay.refunds) == 1


async def test_late_capture_refund_is_retried_after_a_gateway_failure(
    app: FastAPI,
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    fake_razorpay: FakeRazorpay,
) -> None:
    booked, _ = await _paid_after_expiry(app, client, session, settings, fake_razorpay)
    before = await snapshot(session, booked.booking_id)
    fake_razorpay.mode = "fail"

    failed = await _refund_late_captures(app)
    after_failure = await snapshot(session, booked.booking_id)
    fake_razorpay.mode = "ok"
    retried = await _refund_late_captures(app)

    assert (failed, retried) == (0, 1)
    assert after_failure == before
    assert (await snapshot(session, booked.booking_id)).payment_status == "refunded"


async def test_late_capture_with_no_webhook_is_found_and_refunded(
    app: FastAPI,
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    fake_razorpay: FakeRazorpay,
) -> None:
    booked = await book(client, session, settings)
    booking = await reload(session, Booking, booked.booking_id)
    assert booking is not None and booking.hold_expires_at is not None
    parts = worker_parts(app)
    expiry = booking.hold_expires_at + timedelta(seconds=1)
    await jobs.expire_unpaid_bookings(
        parts.sessionmaker, gateway=parts.gateway, settings=settings, now=expiry
    )
    payment = fake_razorpay.capture(str(booked.order_id))  # and Razorpay's webhook never comes

    reconciled = await jobs.reconcile_payments(
        parts.sessionmaker,
        gateway=parts.gateway,
        notifier=parts.notifier,
        now=expiry + timedelta(minutes=5),
    )
    refunded = await _refund_late_captures(app)

    assert (reconciled, refunded) == (1, 1)
    state = await snapshot(session, booked.booking_id)
    assert (state.status, state.payment_status) == ("cancelled", "refunded")
    assert state.payments == (("refunded", payment["id"]),)

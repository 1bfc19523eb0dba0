"""Cancelling a paid booking: the refund the policy allows, asked of Razorpay (the fake)."""

from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.bookings.models import Booking
from minuteserv.core import clock
from minuteserv.core.config import Settings
from tests.factories import reload
from tests.fakes.http_server import RecordedRequest
from tests.fakes.razorpay import FakeRazorpay
from tests.payments.helpers import (
    GRAND_TOTAL_PAISE,
    Booked,
    app_on_fake_razorpay,  # noqa: F401 - this module's settings
    book,
    snapshot,
    verify,
)


async def _paid(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, fake: FakeRazorpay
) -> tuple[Booked, str]:
    """An online booking paid in full; its Razorpay payment id."""
    booked = await book(client, session, settings)
    payment = fake.capture(str(booked.order_id))
    response = await verify(client, booked.customer, fake.checkout_response(payment))
    assert response.json()["data"]["payment_status"] == "paid", response.text
    return booked, payment["id"]


async def _cancel(client: httpx.AsyncClient, booked: Booked) -> httpx.Response:
    return await client.post(
        f"/api/v1/bookings/{booked.booking_id}/cancel", headers=booked.customer.headers
    )


def _refund_requests(fake: FakeRazorpay) -> list[RecordedRequest]:
    return [request for request in fake.requests if request.path.endswith("/refund")]


async def _starts_in(session: AsyncSession, booked: Booked, delta: timedelta) -> None:
    """Move the visit so that it starts `delta` from now."""
    booking = await reload(session, Booking, booked.booking_id)
    assert booking is not None
    length = booking.end_at - booking.start_at
    booking.start_at = clock.now() + delta
    booking.end_at = booking.start_at + length
    await session.commit()


async def test_early_cancellation_asks_razorpay_for_a_full_refund(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    fake_razorpay: FakeRazorpay,
) -> None:
    booked, payment_id = await _paid(client, session, settings, fake_razorpay)
    fake_razorpay.new_refund_status = "pending"

    response = await _cancel(client, booked)

    assert response.status_code == 200, response.text
    assert response.json()["data"] == {
        "booking_id": booked.booking_id,
        "status": "cancelled",
        "payment_status": "refund_pending",
        "refund_amount": 1180.0,
    }
    [request] = _refund_requests(fake_razorpay)
    assert request.path == f"/v1/payments/{payment_id}/refund"
    assert request.json() == {
        "amount": GRAND_TOTAL_PAISE,
        "notes": {"booking_number": booked.booking_number},
    }
    assert request.headers["x-refund-idempotency"] == f"refund-{booked.booking_id}"
    state = await snapshot(session, booked.booking_id)
    assert state.payments == (("refund_pending", payment_id),)


async def test_refund_processed_at_once_marks_the_booking_refunded(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    fake_razorpay: FakeRazorpay,
) -> None:
    booked, payment_id = await _paid(client, session, settings, fake_razorpay)

    response = await _cancel(client, booked)

    assert response.json()["data"]["payment_status"] == "refunded"
    state = await snapshot(session, booked.booking_id)
    assert (state.status, state.payments) == ("cancelled", (("refunded", payment_id),))


async def test_late_cancellation_keeps_the_late_fee(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    fake_razorpay: FakeRazorpay,
) -> None:
    booked, _ = await _paid(client, session, settings, fake_razorpay)
    await _starts_in(session, booked, timedelta(hours=settings.free_cancel_hours, minutes=-5))
    fake_razorpay.new_refund_status = "pending"

    response = await _cancel(client, booked)

    assert settings.late_cancel_fee_percent == 20
    assert response.json()["data"]["refund_amount"] == 944.0
    [request] = _refund_requests(fake_razorpay)
    assert request.json()["amount"] == 94400
    assert (await snapshot(session, booked.booking_id)).refund_amount == 944


async def test_cancellation_just_outside_the_window_is_refunded_in_full(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    fake_razorpay: FakeRazorpay,
) -> None:
    booked, _ = await _paid(client, session, settings, fake_razorpay)
    await _starts_in(session, booked, timedelta(hours=settings.free_cancel_hours, minutes=5))

    response = await _cancel(client, booked)

    assert response.json()["data"]["refund_amount"] == 1180.0
    [request] = _refund_requests(fake_razorpay)
    assert request.json()["amount"] == GRAND_TOTAL_PAISE


async def test_refund_gateway_failure_is_502_and_the_booking_stays_paid(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    fake_razorpay: FakeRazorpay,
) -> None:
    booked, payment_id = await _paid(client, session, settings, fake_razorpay)
    before = await snapshot(session, booked.booking_id)
    fake_razorpay.mode = "fail"

    response = await _cancel(client, booked)

    assert response.status_code == 502
    assert response.json()["error"]["code"] == "PAYMENT_GATEWAY_ERROR"
    assert await snapshot(session, booked.booking_id) == before
    assert (before.status, before.payment_status) == ("confirmed", "paid")
    assert before.payments == (("captured", payment_id),)
    assert fake_razorpay.refunds == {}


async def test_unpaid_online_booking_is_cancelled_without_a_refund(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    fake_razorpay: FakeRazorpay,
) -> None:
    booked = await book(client, session, settings)

    response = await _cancel(client, booked)

    assert response.json()["data"] == {
        "booking_id": booked.booking_id,
        "status": "cancelled",
        "payment_status": "pending",
        "refund_amount": 0.0,
    }
    assert _refund_requests(fake_razorpay) == []

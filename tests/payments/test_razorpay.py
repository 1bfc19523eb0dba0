"""Confirm and verify with the real Razorpay client, against the fake Razorpay server."""

import logging
import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.bookings.models import Booking
from minuteserv.core.config import Settings
from tests.checkout.helpers import (
    FRESH_NUMBER,
    TAKEN_NUMBER,
    at_ist,
    book_partner,
    numbers_that_clash,
    signed_in_customer,
    tomorrow,
)
from tests.factories import create_partner, reload
from tests.fakes.razorpay import FakeRazorpay
from tests.payments.helpers import (
    GRAND_TOTAL_PAISE,
    app_on_fake_razorpay,  # noqa: F401 - this module's settings
    book,
    payment_row,
    snapshot,
    verify,
)


async def test_online_confirm_creates_the_order_at_razorpay(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    fake_razorpay: FakeRazorpay,
) -> None:
    booked = await book(client, session, settings)

    assert booked.payment == {
        "order_id": booked.order_id,
        "amount": GRAND_TOTAL_PAISE,
        "currency": "INR",
        "key": fake_razorpay.key_id,
    }
    assert list(fake_razorpay.orders) == [booked.order_id]
    order = fake_razorpay.orders[str(booked.order_id)]
    assert (order["amount"], order["currency"], order["receipt"]) == (
        GRAND_TOTAL_PAISE,
        "INR",
        booked.booking_number,
    )
    payment = await payment_row(session, booked.order_id)
    assert (str(payment.booking_id), payment.status) == (booked.booking_id, "pending")


@pytest.mark.postgresql_only
async def test_a_confirm_that_starts_over_keeps_its_one_order(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    fake_razorpay: FakeRazorpay,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Confirm's first statement takes the best-ranked partner and writes the booking with
    them; should a booking it could not see hold them (one two days long, which no client can
    make, stands in for one committed after its snapshot), it starts over from a rollback.
    The order it opened before stays the booking's: Razorpay sees one order, the one the
    answer and the payment row carry."""
    customer = await signed_in_customer(session, settings)
    best = await create_partner(session, rating=5.0)
    day = tomorrow()
    await book_partner(
        session, customer, best.id, at_ist(day - timedelta(days=2), 10), at_ist(day, 10, 30)
    )

    with caplog.at_level(logging.INFO, logger="minuteserv.checkout"):
        booked = await book(client, session, settings, customer=customer)

    assert [record.message for record in caplog.records if "starts over" in record.message]
    assert booked.day == day
    assert list(fake_razorpay.orders) == [booked.order_id]
    payment = await payment_row(session, booked.order_id)
    assert (str(payment.booking_id), payment.status) == (booked.booking_id, "pending")
    stored = await reload(session, Booking, uuid.UUID(booked.booking_id))
    assert stored is not None and stored.razorpay_order_id == booked.order_id
    assert str(stored.partner_id) == booked.partner_id


async def test_a_booking_number_drawn_again_gets_an_order_of_its_own(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    fake_razorpay: FakeRazorpay,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An order's receipt is the booking number: when the number drawn proves another
    booking's, confirm starts over with a new number and a new order, and the booking
    carries that one."""
    customer = await signed_in_customer(session, settings)
    await numbers_that_clash(session, customer, monkeypatch, tomorrow())

    booked = await book(client, session, settings, customer=customer)

    assert booked.booking_number == FRESH_NUMBER
    receipts = {order["id"]: order["receipt"] for order in fake_razorpay.orders.values()}
    assert receipts[str(booked.order_id)] == FRESH_NUMBER
    assert sorted(receipts.values()) == [FRESH_NUMBER, TAKEN_NUMBER]


async def test_verify_after_capture_marks_the_booking_paid(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    fake_razorpay: FakeRazorpay,
) -> None:
    booked = await book(client, session, settings)
    paid = fake_razorpay.capture(str(booked.order_id))

    response = await verify(client, booked.customer, fake_razorpay.checkout_response(paid))

    assert response.status_code == 200, response.text
    assert response.json()["data"] == {
        "booking_id": booked.booking_id,
        "status": "confirmed",
        "payment_status": "paid",
    }
    state = await snapshot(session, booked.booking_id)
    assert state.payments == (("captured", paid["id"]),)


async def test_verify_of_a_capture_for_the_wrong_amount_never_marks_paid(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    fake_razorpay: FakeRazorpay,
) -> None:
    booked = await book(client, session, settings)
    before = await snapshot(session, booked.booking_id)
    paid = fake_razorpay.capture(str(booked.order_id), amount_paise=1)

    response = await verify(client, booked.customer, fake_razorpay.checkout_response(paid))

    assert response.status_code == 200, response.text
    assert response.json()["data"] == {
        "booking_id": booked.booking_id,
        "status": "pending",
        "payment_status": "pending",
    }
    assert await snapshot(session, booked.booking_id) == before
    payment = await payment_row(session, booked.order_id)
    assert payment.failure_reason == (
        f"amount mismatch: captured 1 INR, expected {GRAND_TOTAL_PAISE} INR"
    )


async def test_verify_of_a_failed_payment_marks_it_failed(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    fake_razorpay: FakeRazorpay,
) -> None:
    booked = await book(client, session, settings)
    failed = fake_razorpay.fail_payment(str(booked.order_id))

    response = await verify(client, booked.customer, fake_razorpay.checkout_response(failed))

    assert response.json()["data"]["payment_status"] == "failed"
    state = await snapshot(session, booked.booking_id)
    assert (state.status, state.payments) == ("pending", (("failed", None),))


async def test_simulated_pay_route_does_not_exist_with_razorpay(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    fake_razorpay: FakeRazorpay,
) -> None:
    booked = await book(client, session, settings)
    before = await snapshot(session, booked.booking_id)

    response = await client.post(f"/api/v1/payments/simulated/orders/{booked.order_id}/pay")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"
    assert await snapshot(session, booked.booking_id) == before
    assert fake_razorpay.payments == {}


async def test_verify_while_the_gateway_is_down_is_502_and_changes_nothing(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    fake_razorpay: FakeRazorpay,
) -> None:
    booked = await book(client, session, settings)
    paid = fake_razorpay.capture(str(booked.order_id))
    before = await snapshot(session, booked.booking_id)
    fake_razorpay.mode = "fail"

    response = await verify(client, booked.customer, fake_razorpay.checkout_response(paid))

    assert response.status_code == 502
    assert response.json()["error"]["code"] == "PAYMENT_GATEWAY_ERROR"
    assert await snapshot(session, booked.booking_id) == before

"""POST /payments/verify with the simulated gateway, the embedded default."""

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.core.config import Settings
from tests.checkout.helpers import signed_in_customer
from tests.payments.helpers import (
    book,
    events_after_creation,
    pay_simulated,
    payment_row,
    snapshot,
    verify,
)


async def test_verify_marks_the_booking_paid_and_confirmed(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    booked = await book(client, session, settings)
    checkout = await pay_simulated(client, booked.order_id)

    response = await verify(client, booked.customer, checkout)

    assert response.status_code == 200, response.text
    assert response.json()["data"] == {
        "booking_id": booked.booking_id,
        "status": "confirmed",
        "payment_status": "paid",
    }
    payment = await payment_row(session, booked.order_id)
    assert (payment.status, payment.razorpay_payment_id, payment.payment_method) == (
        "captured",
        checkout["razorpay_payment_id"],
        "upi",
    )
    state = await snapshot(session, booked.booking_id)
    assert state.razorpay_payment_id == checkout["razorpay_payment_id"]


async def test_verify_records_the_changes_as_the_customers(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    booked = await book(client, session, settings)
    checkout = await pay_simulated(client, booked.order_id)

    await verify(client, booked.customer, checkout)

    customer_id = str(booked.customer.user.id)
    assert sorted(await events_after_creation(session, booked.booking_id)) == [
        ("payment_status", "pending", "paid", "customer", customer_id),
        ("status", "pending", "confirmed", "customer", customer_id),
    ]


async def test_tampered_signature_is_400_and_changes_nothing(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    booked = await book(client, session, settings)
    checkout = await pay_simulated(client, booked.order_id)
    before = await snapshot(session, booked.booking_id)
    signature = checkout["razorpay_signature"]
    tampered = signature[:-1] + ("0" if signature[-1] != "0" else "1")

    response = await verify(client, booked.customer, checkout | {"razorpay_signature": tampered})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_SIGNATURE"
    assert await snapshot(session, booked.booking_id) == before
    assert before.payments == (("pending", None),)


async def test_swapped_payment_id_is_400_and_changes_nothing(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    booked = await book(client, session, settings)
    checkout = await pay_simulated(client, booked.order_id)
    other = await book(client, session, settings, customer=booked.customer)
    other_checkout = await pay_simulated(client, other.order_id)
    before = await snapshot(session, booked.booking_id)

    response = await verify(
        client,
        booked.customer,
        checkout | {"razorpay_payment_id": other_checkout["razorpay_payment_id"]},
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_SIGNATURE"
    assert await snapshot(session, booked.booking_id) == before


async def test_someone_elses_order_is_404_and_changes_nothing(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    booked = await book(client, session, settings)
    checkout = await pay_simulated(client, booked.order_id)
    stranger = await signed_in_customer(session, settings)
    before = await snapshot(session, booked.booking_id)

    response = await verify(client, stranger, checkout)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "PAYMENT_NOT_FOUND"
    assert await snapshot(session, booked.booking_id) == before


async def test_unknown_order_is_404_and_changes_nothing(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    booked = await book(client, session, settings)
    checkout = await pay_simulated(client, booked.order_id)
    before = await snapshot(session, booked.booking_id)

    response = await verify(
        client, booked.customer, checkout | {"razorpay_order_id": "order_SIMnotAnOrder00"}
    )

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "PAYMENT_NOT_FOUND"
    assert await snapshot(session, booked.booking_id) == before


async def test_verify_twice_answers_the_same_and_records_once(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    booked = await book(client, session, settings)
    checkout = await pay_simulated(client, booked.order_id)
    first = await verify(client, booked.customer, checkout)
    after_first = await snapshot(session, booked.booking_id)

    second = await verify(client, booked.customer, checkout)

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json() == first.json()
    assert await snapshot(session, booked.booking_id) == after_first
    assert len(await events_after_creation(session, booked.booking_id)) == 2


async def test_paying_an_unknown_simulated_order_is_404(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/payments/simulated/orders/order_SIMnope/pay")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "ORDER_NOT_FOUND"

"""Guards: a paid booking is cancelled and refunded exactly once, however many cancels race,
and a cancel racing late payment news (verify retries, webhooks) neither deadlocks nor fails."""

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.bookings.models import Booking
from minuteserv.core.config import Settings
from minuteserv.payments.models import Payment
from tests import conftest
from tests.checkout.helpers import Customer
from tests.concurrency.helpers import (
    OnlineBooking,
    changes,
    deliver,
    online_booking,
    race,
    read,
    tally,
    verify,
)
from tests.fakes.razorpay import FakeRazorpay, Json

pytestmark = pytest.mark.postgresql_only

RACERS = 5


async def paid_booking(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, fake: FakeRazorpay
) -> tuple[OnlineBooking, Json]:
    """A confirmed online booking whose payment the customer has verified."""
    booking = await online_booking(client, session, settings)
    payment = fake.capture(booking.order_id)
    response = await verify(client, booking.customer, fake.checkout_response(payment))
    assert response.json()["data"]["payment_status"] == "paid", response.text
    return booking, payment


async def cancel(client: httpx.AsyncClient, customer: Customer, booking_id: str) -> httpx.Response:
    return await client.post(
        f"/api/v1/bookings/{booking_id}/cancel",
        json={"reason": "plans changed"},
        headers=customer.headers,
    )


def refund_calls(fake: FakeRazorpay) -> int:
    return sum(1 for request in fake.requests if request.path.endswith("/refund"))


async def assert_cancelled_and_refunded_once(
    database: conftest.TestDatabase, booking: OnlineBooking, fake: FakeRazorpay
) -> None:
    [stored] = await read(database, sa.select(Booking))
    assert (stored.status, stored.payment_status, stored.refund_amount) == (
        "cancelled",
        "refunded",
        booking.grand_total,
    )
    [payment] = await read(database, sa.select(Payment))
    assert payment.status == "refunded"
    assert await changes(database, booking.booking_id, "status") == {
        (None, "pending"): 1,
        ("pending", "confirmed"): 1,
        ("confirmed", "cancelled"): 1,
    }
    assert await changes(database, booking.booking_id, "payment_status") == {
        ("pending", "paid"): 1,
        ("paid", "refunded"): 1,
    }
    assert refund_calls(fake) == 1
    [refund] = fake.refunds.values()
    assert refund["amount"] == int(booking.grand_total * 100)


async def test_racing_cancels_of_a_paid_booking_refund_it_once(
    racing_client: httpx.AsyncClient,
    committed_session: AsyncSession,
    racing_settings: Settings,
    committing_database: conftest.TestDatabase,
    fake_razorpay: FakeRazorpay,
) -> None:
    booking, _ = await paid_booking(
        racing_client, committed_session, racing_settings, fake_razorpay
    )

    answers = await race(
        cancel(racing_client, booking.customer, booking.booking_id) for _ in range(RACERS)
    )

    assert tally(answers) == {(200, None): 1, (409, "BOOKING_NOT_CANCELLABLE"): RACERS - 1}
    [cancelled] = [answer.json()["data"] for answer in answers if answer.status_code == 200]
    assert (cancelled["status"], cancelled["payment_status"]) == ("cancelled", "refunded")
    await assert_cancelled_and_refunded_once(committing_database, booking, fake_razorpay)


async def test_a_cancel_racing_late_payment_news_neither_deadlocks_nor_fails(
    racing_client: httpx.AsyncClient,
    committed_session: AsyncSession,
    racing_settings: Settings,
    committing_database: conftest.TestDatabase,
    fake_razorpay: FakeRazorpay,
) -> None:
    booking, payment = await paid_booking(
        racing_client, committed_session, racing_settings, fake_razorpay
    )
    checkout = fake_razorpay.checkout_response(payment)
    order = fake_razorpay.orders[booking.order_id]
    late = [fake_razorpay.webhook("payment.captured", payment=payment)]
    late += [fake_razorpay.webhook("order.paid", payment=payment, order=order)]

    requests = [cancel(racing_client, booking.customer, booking.booking_id)]
    requests += [verify(racing_client, booking.customer, checkout) for _ in range(RACERS)]
    requests += [deliver(racing_client, delivery) for delivery in late for _ in range(RACERS)]
    answers = await race(requests)

    assert tally(answers) == {(200, None): len(requests)}
    await assert_cancelled_and_refunded_once(committing_database, booking, fake_razorpay)

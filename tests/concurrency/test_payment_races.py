"""Guards: verify calls and webhook deliveries for one payment, replayed and interleaved in any
order, settle it exactly once; forged or underpaid ones change nothing the real one does not."""

from collections import Counter

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.bookings.models import Booking
from minuteserv.core.config import Settings
from minuteserv.payments.models import Payment, WebhookEvent
from tests import conftest
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
from tests.fakes.razorpay import FakeRazorpay

pytestmark = pytest.mark.postgresql_only

REPLAYS = 5
ONCE_THEN_DUPLICATES = Counter({"applied": 1, "duplicate": REPLAYS - 1})


async def assert_paid_once(
    database: conftest.TestDatabase, booking: OnlineBooking, payment_id: str
) -> None:
    """One captured payment, the booking paid and confirmed, each change recorded once."""
    [stored] = await read(database, sa.select(Booking))
    assert (str(stored.id), stored.status, stored.payment_status) == (
        booking.booking_id,
        "confirmed",
        "paid",
    )
    assert stored.razorpay_payment_id == payment_id
    [payment] = await read(database, sa.select(Payment))
    assert (payment.status, payment.razorpay_payment_id) == ("captured", payment_id)
    assert await changes(database, booking.booking_id, "status") == {
        (None, "pending"): 1,
        ("pending", "confirmed"): 1,
    }
    assert await changes(database, booking.booking_id, "payment_status") == {("pending", "paid"): 1}


def confirmed_and_paid(booking: OnlineBooking) -> dict[str, str]:
    return {"booking_id": booking.booking_id, "status": "confirmed", "payment_status": "paid"}


def outcomes(answers: list[httpx.Response]) -> Counter[str]:
    return Counter(answer.json()["data"]["outcome"] for answer in answers)


def payment_fetches(fake: FakeRazorpay) -> int:
    return sum(1 for request in fake.requests if request.path.startswith("/v1/payments/"))


async def test_verifies_and_webhooks_replayed_in_any_order_pay_once(
    racing_client: httpx.AsyncClient,
    committed_session: AsyncSession,
    racing_settings: Settings,
    committing_database: conftest.TestDatabase,
    fake_razorpay: FakeRazorpay,
) -> None:
    booking = await online_booking(racing_client, committed_session, racing_settings)
    payment = fake_razorpay.capture(booking.order_id)
    checkout = fake_razorpay.checkout_response(payment)
    captured = fake_razorpay.webhook("payment.captured", payment=payment, event_id="evt_captured")
    order_paid = fake_razorpay.webhook(
        "order.paid",
        payment=payment,
        order=fake_razorpay.orders[booking.order_id],
        event_id="evt_order_paid",
    )

    verifies = [verify(racing_client, booking.customer, checkout) for _ in range(REPLAYS)]
    webhooks = [deliver(racing_client, captured) for _ in range(REPLAYS)]
    webhooks += [deliver(racing_client, order_paid) for _ in range(REPLAYS)]
    answers = await race(verifies + webhooks)

    assert tally(answers) == {(200, None): 3 * REPLAYS}
    verified, delivered = answers[:REPLAYS], answers[REPLAYS:]
    assert [answer.json()["data"] for answer in verified] == [confirmed_and_paid(booking)] * REPLAYS
    assert outcomes(delivered[:REPLAYS]) == outcomes(delivered[REPLAYS:]) == ONCE_THEN_DUPLICATES
    await assert_paid_once(committing_database, booking, payment["id"])
    inbox = await read(committing_database, sa.select(WebhookEvent))
    assert {(event.event_id, event.outcome) for event in inbox} == {
        ("evt_captured", "applied"),
        ("evt_order_paid", "applied"),
    }


def tampered(signature: str) -> str:
    return signature[:-1] + ("0" if signature[-1] != "0" else "1")


async def test_forged_signatures_and_amounts_racing_real_verifies_change_nothing(
    racing_client: httpx.AsyncClient,
    committed_session: AsyncSession,
    racing_settings: Settings,
    committing_database: conftest.TestDatabase,
    fake_razorpay: FakeRazorpay,
) -> None:
    booking = await online_booking(racing_client, committed_session, racing_settings)
    payment = fake_razorpay.capture(booking.order_id)
    checkout = fake_razorpay.checkout_response(payment)
    forged_checkout = checkout | {"razorpay_signature": tampered(checkout["razorpay_signature"])}
    body, headers = fake_razorpay.webhook("payment.captured", payment=payment)
    forged_amount = body.replace(f'"amount": {payment["amount"]}'.encode(), b'"amount": 100')
    assert forged_amount != body
    fetches_before = payment_fetches(fake_razorpay)

    real = [verify(racing_client, booking.customer, checkout) for _ in range(REPLAYS)]
    forged = [verify(racing_client, booking.customer, forged_checkout) for _ in range(REPLAYS)]
    forged += [deliver(racing_client, (forged_amount, headers)) for _ in range(REPLAYS)]
    answers = await race(real + forged)

    assert tally(answers[:REPLAYS]) == {(200, None): REPLAYS}
    assert tally(answers[REPLAYS:]) == {(400, "INVALID_SIGNATURE"): 2 * REPLAYS}
    await assert_paid_once(committing_database, booking, payment["id"])
    assert await read(committing_database, sa.select(WebhookEvent)) == []
    assert payment_fetches(fake_razorpay) - fetches_before == REPLAYS


async def test_an_underpayment_racing_the_full_payment_is_never_what_pays(
    racing_client: httpx.AsyncClient,
    committed_session: AsyncSession,
    racing_settings: Settings,
    committing_database: conftest.TestDatabase,
    fake_razorpay: FakeRazorpay,
) -> None:
    booking = await online_booking(racing_client, committed_session, racing_settings)
    short = fake_razorpay.capture(booking.order_id, amount_paise=100)
    full = fake_razorpay.capture(booking.order_id)

    requests = []
    for payment in (short, full):
        checkout = fake_razorpay.checkout_response(payment)
        delivery = fake_razorpay.webhook("payment.captured", payment=payment)
        requests += [verify(racing_client, booking.customer, checkout) for _ in range(REPLAYS)]
        requests += [deliver(racing_client, delivery) for _ in range(REPLAYS)]
    answers = await race(requests)

    assert tally(answers) == {(200, None): 4 * REPLAYS}
    await assert_paid_once(committing_database, booking, full["id"])

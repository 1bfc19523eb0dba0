"""POST /payments/webhook: Razorpay's signed events, applied once each."""

from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.core.config import Settings
from minuteserv.integrations.signatures import webhook_signature
from minuteserv.payments.models import WebhookEvent
from tests.fakes.razorpay import FakeRazorpay
from tests.payments.helpers import (
    GRAND_TOTAL_PAISE,
    Booked,
    app_on_fake_razorpay,  # noqa: F401 - this module's settings
    book,
    count,
    deliver,
    events_after_creation,
    payment_row,
    snapshot,
    verify,
)


def _captured(fake: FakeRazorpay, booked: Booked, **event: Any) -> tuple[bytes, dict[str, str]]:
    """The customer pays in full; the signed payment.captured delivery Razorpay then sends."""
    return fake.webhook("payment.captured", payment=fake.capture(str(booked.order_id)), **event)


async def _outcome(session: AsyncSession, event_id: str) -> str | None:
    outcome = await session.scalar(
        sa.select(WebhookEvent.outcome).where(WebhookEvent.event_id == event_id)
    )
    await session.commit()
    return outcome


async def test_captured_event_marks_the_booking_paid_and_confirmed(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    fake_razorpay: FakeRazorpay,
) -> None:
    booked = await book(client, session, settings)
    body, headers = _captured(fake_razorpay, booked)

    response = await deliver(client, body, headers)

    assert response.status_code == 200, response.text
    assert response.json() == {"success": True, "data": {"outcome": "applied"}}
    state = await snapshot(session, booked.booking_id)
    assert (state.status, state.payment_status) == ("confirmed", "paid")
    assert state.payments == (("captured", state.razorpay_payment_id),)
    assert sorted(await events_after_creation(session, booked.booking_id)) == [
        ("payment_status", "pending", "paid", "gateway", None),
        ("status", "pending", "confirmed", "gateway", None),
    ]
    assert await _outcome(session, headers["X-Razorpay-Event-Id"]) == "applied"


async def test_replayed_event_is_a_duplicate_and_changes_nothing(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    fake_razorpay: FakeRazorpay,
) -> None:
    booked = await book(client, session, settings)
    body, headers = _captured(fake_razorpay, booked)
    await deliver(client, body, headers)
    after_first = await snapshot(session, booked.booking_id)

    response = await deliver(client, body, headers)

    assert response.status_code == 200
    assert response.json()["data"] == {"outcome": "duplicate"}
    assert await snapshot(session, booked.booking_id) == after_first
    assert await count(session, WebhookEvent) == 1


async def test_replayed_failure_after_capture_changes_nothing(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    fake_razorpay: FakeRazorpay,
) -> None:
    booked = await book(client, session, settings)
    failed = fake_razorpay.webhook(
        "payment.failed", payment=fake_razorpay.fail_payment(str(booked.order_id))
    )
    await deliver(client, *failed)
    await deliver(client, *_captured(fake_razorpay, booked))
    paid = await snapshot(session, booked.booking_id)

    response = await deliver(client, *failed)

    assert response.json()["data"] == {"outcome": "duplicate"}
    assert await snapshot(session, booked.booking_id) == paid
    assert (paid.status, paid.payment_status) == ("confirmed", "paid")


@pytest.mark.parametrize(
    "signature_headers",
    [{"X-Razorpay-Signature": "0" * 64}, {}],
    ids=["bad_signature", "missing_signature"],
)
async def test_unsigned_event_is_400_and_records_nothing(
    signature_headers: dict[str, str],
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    fake_razorpay: FakeRazorpay,
) -> None:
    booked = await book(client, session, settings)
    before = await snapshot(session, booked.booking_id)
    body, headers = _captured(fake_razorpay, booked)
    del headers["X-Razorpay-Signature"]

    response = await deliver(client, body, headers | signature_headers)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_SIGNATURE"
    assert await count(session, WebhookEvent) == 0
    assert await snapshot(session, booked.booking_id) == before


async def test_event_signed_with_the_key_secret_is_400(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    fake_razorpay: FakeRazorpay,
) -> None:
    booked = await book(client, session, settings)
    before = await snapshot(session, booked.booking_id)
    body, headers = _captured(fake_razorpay, booked)
    headers["X-Razorpay-Signature"] = webhook_signature(body, fake_razorpay.key_secret)

    response = await deliver(client, body, headers)

    assert response.status_code == 400
    assert await count(session, WebhookEvent) == 0
    assert await snapshot(session, booked.booking_id) == before


async def test_event_for_an_unknown_order_is_200_and_changes_nothing(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    fake_razorpay: FakeRazorpay,
) -> None:
    booked = await book(client, session, settings)
    before = await snapshot(session, booked.booking_id)
    stray = fake_razorpay.capture(str(booked.order_id)) | {"order_id": "order_NotOurs0000001"}
    body, headers = fake_razorpay.webhook("payment.captured", payment=stray)

    response = await deliver(client, body, headers)

    assert response.status_code == 200
    assert response.json()["data"] == {"outcome": "unknown_order"}
    assert await snapshot(session, booked.booking_id) == before


async def test_failed_payment_marks_failed_and_a_later_capture_still_pays(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    fake_razorpay: FakeRazorpay,
) -> None:
    booked = await book(client, session, settings)
    failed = fake_razorpay.fail_payment(str(booked.order_id))

    first = await deliver(client, *fake_razorpay.webhook("payment.failed", payment=failed))
    after_failure = await snapshot(session, booked.booking_id)
    second = await deliver(client, *_captured(fake_razorpay, booked))

    assert first.json()["data"] == second.json()["data"] == {"outcome": "applied"}
    assert (after_failure.status, after_failure.payment_status) == ("pending", "failed")
    assert after_failure.payments == (("failed", None),)
    state = await snapshot(session, booked.booking_id)
    assert (state.status, state.payment_status) == ("confirmed", "paid")
    assert state.payments == (("captured", state.razorpay_payment_id),)
    # The capture clears what the failed attempt noted: the payment went through.
    assert (await payment_row(session, booked.order_id)).failure_reason is None


async def test_order_paid_event_marks_the_booking_paid(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    fake_razorpay: FakeRazorpay,
) -> None:
    booked = await book(client, session, settings)
    paid = fake_razorpay.capture(str(booked.order_id))
    order = fake_razorpay.orders[str(booked.order_id)]

    response = await deliver(
        client, *fake_razorpay.webhook("order.paid", payment=paid, order=order)
    )

    assert response.json()["data"] == {"outcome": "applied"}
    state = await snapshot(session, booked.booking_id)
    assert (state.status, state.payment_status, state.razorpay_payment_id) == (
        "confirmed",
        "paid",
        paid["id"],
    )


async def test_capture_for_the_wrong_amount_never_marks_paid(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    fake_razorpay: FakeRazorpay,
) -> None:
    booked = await book(client, session, settings)
    before = await snapshot(session, booked.booking_id)
    short = fake_razorpay.capture(str(booked.order_id), amount_paise=1)

    response = await deliver(client, *fake_razorpay.webhook("payment.captured", payment=short))

    assert response.status_code == 200
    assert await snapshot(session, booked.booking_id) == before
    assert (await payment_row(session, booked.order_id)).failure_reason == (
        f"amount mismatch: captured 1 INR, expected {GRAND_TOTAL_PAISE} INR"
    )


async def test_refund_processed_completes_a_cancellation_refund(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    fake_razorpay: FakeRazorpay,
) -> None:
    booked = await book(client, session, settings)
    paid = fake_razorpay.capture(str(booked.order_id))
    await verify(client, booked.customer, fake_razorpay.checkout_response(paid))
    fake_razorpay.new_refund_status = "pending"
    cancelled = await client.post(
        f"/api/v1/bookings/{booked.booking_id}/cancel", headers=booked.customer.headers
    )
    assert cancelled.json()["data"]["payment_status"] == "refund_pending"
    [refund] = fake_razorpay.refunds.values()
    processed = refund | {"status": "processed"}

    response = await deliver(client, *fake_razorpay.webhook("refund.processed", refund=processed))

    assert response.json()["data"] == {"outcome": "applied"}
    state = await snapshot(session, booked.booking_id)
    assert (state.status, state.payment_status) == ("cancelled", "refunded")
    assert state.payments == (("refunded", paid["id"]),)
    assert (await events_after_creation(session, booked.booking_id))[-1] == (
        "payment_status",
        "refund_pending",
        "refunded",
        "gateway",
        None,
    )


async def test_unhandled_event_type_is_ignored(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    fake_razorpay: FakeRazorpay,
) -> None:
    booked = await book(client, session, settings)
    before = await snapshot(session, booked.booking_id)
    authorized = fake_razorpay.capture(str(booked.order_id)) | {"status": "authorized"}

    response = await deliver(
        client, *fake_razorpay.webhook("payment.authorized", payment=authorized)
    )

    assert response.status_code == 200
    assert response.json()["data"] == {"outcome": "ignored"}
    assert await snapshot(session, booked.booking_id) == before


async def test_malformed_json_with_a_valid_signature_is_400_and_records_nothing(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    fake_razorpay: FakeRazorpay,
) -> None:
    body = b'{"event": "payment.captured", "payload": '
    headers = {
        "Content-Type": "application/json",
        "X-Razorpay-Signature": webhook_signature(body, fake_razorpay.webhook_secret),
        "X-Razorpay-Event-Id": "evt_Malformed000001",
    }

    response = await deliver(client, body, headers)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "MALFORMED_WEBHOOK"
    assert await count(session, WebhookEvent) == 0


async def test_charge_event_without_a_payment_is_400_and_records_nothing(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    fake_razorpay: FakeRazorpay,
) -> None:
    body, headers = fake_razorpay.webhook("payment.captured")

    response = await deliver(client, body, headers)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "MALFORMED_WEBHOOK"
    assert await count(session, WebhookEvent) == 0


async def test_overlong_event_id_still_records_its_outcome(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    fake_razorpay: FakeRazorpay,
) -> None:
    booked = await book(client, session, settings)
    event_id = "evt_" + "x" * 150
    body, headers = _captured(fake_razorpay, booked, event_id=event_id)

    first = await deliver(client, body, headers)
    again = await deliver(client, body, headers)

    assert [first.json()["data"], again.json()["data"]] == [
        {"outcome": "applied"},
        {"outcome": "duplicate"},
    ]
    [outcome] = (await session.scalars(sa.select(WebhookEvent.outcome))).all()
    await session.commit()
    assert outcome == "applied"

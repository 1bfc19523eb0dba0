"""POST /bookings/{id}/cancel: who may cancel what, and what a cancellation gives back."""

from decimal import Decimal

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.bookings.models import Booking, BookingStatus
from minuteserv.core.config import Settings
from tests.checkout.helpers import Customer, prepare, signed_in_customer
from tests.factories import create_booking, reload
from tests.payments.helpers import Booked, book, events_after_creation, snapshot


def _cancel_url(booking_id: str) -> str:
    return f"/api/v1/bookings/{booking_id}/cancel"


async def _cancel(
    client: httpx.AsyncClient, customer: Customer, booking_id: str, **body: str
) -> httpx.Response:
    return await client.post(_cancel_url(booking_id), json=body or None, headers=customer.headers)


async def _offered_slots(client: httpx.AsyncClient, booked: Booked) -> list[str]:
    response = await prepare(
        client, booked.customer, [booked.service_id], booking_date=booked.day.isoformat()
    )
    slots: list[str] = response.json()["data"]["available_slots"]
    return slots


async def test_cash_booking_is_cancelled_with_nothing_to_refund(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    booked = await book(client, session, settings, method="cash")

    response = await _cancel(client, booked.customer, booked.booking_id, reason="plans changed")

    assert response.status_code == 200, response.text
    assert response.json()["data"] == {
        "booking_id": booked.booking_id,
        "status": "cancelled",
        "payment_status": "pending",
        "refund_amount": 0.0,
    }
    stored = await reload(session, Booking, booked.booking_id)
    assert stored is not None and stored.cancelled_at is not None
    assert (stored.cancellation_reason, stored.refund_amount) == ("plans changed", Decimal(0))


async def test_cancel_without_a_body_gives_the_default_reason(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    booked = await book(client, session, settings, method="cash")

    response = await client.post(_cancel_url(booked.booking_id), headers=booked.customer.headers)

    assert response.status_code == 200, response.text
    stored = await reload(session, Booking, booked.booking_id)
    assert stored is not None and stored.cancellation_reason == "cancelled by customer"


async def test_cancel_is_recorded_as_the_customers(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    booked = await book(client, session, settings, method="cash")

    await _cancel(client, booked.customer, booked.booking_id)

    assert await events_after_creation(session, booked.booking_id) == [
        ("status", "pending", "cancelled", "customer", str(booked.customer.user.id))
    ]


async def test_cancel_frees_the_partners_slot(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    booked = await book(client, session, settings, method="cash")
    assert "10:00 AM" not in await _offered_slots(client, booked)

    await _cancel(client, booked.customer, booked.booking_id)

    assert "10:00 AM" in await _offered_slots(client, booked)


async def test_cancel_gives_back_the_promo_use(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    booked = await book(client, session, settings, method="cash", promo_code="SAVE10")
    assert (await snapshot(session, booked.booking_id)).promo_used == 1

    await _cancel(client, booked.customer, booked.booking_id)

    assert (await snapshot(session, booked.booking_id)).promo_used == 0


async def test_cancelling_someone_elses_booking_is_404_and_changes_nothing(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    booked = await book(client, session, settings, method="cash", promo_code="SAVE10")
    stranger = await signed_in_customer(session, settings)
    before = await snapshot(session, booked.booking_id)

    response = await _cancel(client, stranger, booked.booking_id)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "BOOKING_NOT_FOUND"
    assert await snapshot(session, booked.booking_id) == before
    assert (before.status, before.promo_used) == ("pending", 1)


async def test_cancelling_a_cancelled_booking_is_409_and_changes_nothing(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    booked = await book(client, session, settings, method="cash", promo_code="SAVE10")
    await _cancel(client, booked.customer, booked.booking_id)
    before = await snapshot(session, booked.booking_id)

    response = await _cancel(client, booked.customer, booked.booking_id)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "BOOKING_NOT_CANCELLABLE"
    assert await snapshot(session, booked.booking_id) == before
    assert before.promo_used == 0


async def test_cancelling_a_completed_booking_is_409_and_changes_nothing(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    customer = await signed_in_customer(session, settings)
    completed = await create_booking(
        session, customer.user, customer.address, status=BookingStatus.COMPLETED
    )
    before = await snapshot(session, str(completed.id))

    response = await _cancel(client, customer, str(completed.id))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "BOOKING_NOT_CANCELLABLE"
    assert await snapshot(session, str(completed.id)) == before


async def test_overlong_reason_is_422_and_changes_nothing(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    booked = await book(client, session, settings, method="cash")
    before = await snapshot(session, booked.booking_id)

    response = await _cancel(client, booked.customer, booked.booking_id, reason="x" * 501)

    assert response.status_code == 422
    assert await snapshot(session, booked.booking_id) == before

"""GET /bookings/{id}: one of the caller's bookings, its partner's public face and its payment."""

import uuid

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.bookings.models import PaymentMethod
from minuteserv.core.config import Settings
from minuteserv.partners.models import Partner
from minuteserv.payments.models import Payment
from tests.checkout.helpers import signed_in_customer
from tests.factories import (
    ago,
    bearer,
    create_booking,
    deleted_users_token,
    reload,
    save,
)
from tests.payments.helpers import book, pay_simulated, verify


def _detail_url(booking_id: str) -> str:
    return f"/api/v1/bookings/{booking_id}"


async def test_detail_shows_the_partners_public_fields_only(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    booked = await book(client, session, settings, method="cash")
    partner = await reload(session, Partner, booked.partner_id)
    assert partner is not None

    response = await client.get(_detail_url(booked.booking_id), headers=booked.customer.headers)

    assert response.status_code == 200, response.text
    assert response.json()["data"]["partner"] == {
        "id": booked.partner_id,
        "name": partner.name,
        "rating": 4.5,
    }
    assert "phone_number" not in response.text
    assert partner.phone_number not in response.text


async def test_detail_shows_the_booking_in_full(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    booked = await book(client, session, settings, method="cash")

    response = await client.get(_detail_url(booked.booking_id), headers=booked.customer.headers)

    booking = response.json()["data"]["booking"]
    assert (booking["id"], booking["booking_number"], booking["booking_date"]) == (
        booked.booking_id,
        booked.booking_number,
        booked.day.isoformat(),
    )
    assert (booking["total_price"], booking["tax"], booking["grand_total"]) == (
        1000.0,
        180.0,
        1180.0,
    )
    assert (booking["status"], booking["payment_method"], booking["customer_name"]) == (
        "pending",
        "cash",
        "Asha Roy",
    )
    assert response.json()["data"]["payment"] is None


async def test_detail_shows_the_payment(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    booked = await book(client, session, settings)
    checkout = await pay_simulated(client, booked.order_id)
    await verify(client, booked.customer, checkout)

    response = await client.get(_detail_url(booked.booking_id), headers=booked.customer.headers)

    payment = response.json()["data"]["payment"]
    assert {key: payment[key] for key in payment if key not in ("id", "created_at")} == {
        "razorpay_order_id": booked.order_id,
        "razorpay_payment_id": checkout["razorpay_payment_id"],
        "amount": 1180.0,
        "status": "captured",
        "payment_method": "upi",
    }


async def test_someone_elses_booking_is_404(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    booked = await book(client, session, settings, method="cash")
    stranger = await signed_in_customer(session, settings)

    response = await client.get(_detail_url(booked.booking_id), headers=stranger.headers)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "BOOKING_NOT_FOUND"


async def test_unknown_booking_is_404_and_a_malformed_id_is_422(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    customer = await signed_in_customer(session, settings)

    unknown = await client.get(_detail_url(str(uuid.uuid4())), headers=customer.headers)
    malformed = await client.get(_detail_url("not-a-uuid"), headers=customer.headers)

    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "BOOKING_NOT_FOUND"
    assert malformed.status_code == 422


async def test_detail_shows_the_latest_of_several_payments(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    customer = await signed_in_customer(session, settings)
    booking = await create_booking(
        session, customer.user, customer.address, payment_method=PaymentMethod.ONLINE
    )
    for minutes_ago, order_id in ((30, "order_first"), (10, "order_latest"), (20, "order_middle")):
        await save(
            session,
            Payment(
                booking_id=booking.id,
                razorpay_order_id=order_id,
                amount=booking.grand_total,
                created_at=ago(minutes=minutes_ago),
            ),
        )

    response = await client.get(_detail_url(str(booking.id)), headers=customer.headers)

    assert response.json()["data"]["payment"]["razorpay_order_id"] == "order_latest"


async def test_a_token_whose_user_was_deleted_is_401_not_404(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    """Nor 422 for an id that is not a UUID."""
    token = await deleted_users_token(session, settings)

    for booking_id in (str(uuid.uuid4()), "not-a-uuid"):
        response = await client.get(_detail_url(booking_id), headers=bearer(token))

        assert response.status_code == 401, booking_id
        assert response.json()["error"]["message"] == "The token's user no longer exists."

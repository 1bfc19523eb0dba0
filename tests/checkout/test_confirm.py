import re
import uuid
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.bookings.models import Booking, BookingEvent
from minuteserv.checkout.models import CheckoutPreview
from minuteserv.core.config import Settings
from minuteserv.payments.models import Payment
from minuteserv.promos.models import PromoCode
from tests.checkout.helpers import (
    CONFIRM,
    FRESH_NUMBER,
    Customer,
    at_ist,
    book_partner,
    confirm,
    numbers_that_clash,
    prepare,
    signed_in_customer,
    tomorrow,
)
from tests.conftest import TestDatabase
from tests.factories import (
    ago,
    create_address,
    create_partner,
    create_promo,
    create_service,
    reload,
)


async def _prepared(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, **prepare_fields: object
) -> tuple[Customer, str]:
    customer = await signed_in_customer(session, settings)
    facial = await create_service(session, product_cost=Decimal("1000.00"))
    response = await prepare(client, customer, [str(facial.id)], **prepare_fields)
    assert response.status_code == 200, response.text
    return customer, response.json()["data"]["preview_id"]


async def _count(session: AsyncSession, model: type) -> int:
    count = await session.scalar(sa.select(sa.func.count()).select_from(model))
    await session.commit()
    return count or 0


async def test_cash_confirm_books_the_preview_with_a_partner(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    partner = await create_partner(session)
    customer, preview_id = await _prepared(client, session, settings)

    response = await confirm(client, customer, preview_id, day=tomorrow(), slot="10:00")

    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert data["payment"] is None
    booking = data["booking"]
    assert re.fullmatch(r"BK-\d{8}-[A-Z0-9]{6}", booking["booking_number"])
    assert (booking["status"], booking["payment_status"], booking["payment_method"]) == (
        "pending",
        "pending",
        "cash",
    )
    assert (booking["booking_time"], booking["grand_total"]) == ("10:00 AM", 1180.0)
    assert booking["partner_id"] == str(partner.id)
    stored = await reload(session, Booking, booking["id"])
    assert stored is not None
    assert stored.start_at == at_ist(tomorrow(), 10)
    assert stored.end_at - stored.start_at == timedelta(minutes=90)
    assert stored.customer_name == "Asha Roy"
    assert stored.customer_phone == customer.user.phone_number


async def test_second_confirm_returns_same_booking(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    await create_partner(session)
    await create_partner(session)
    customer, preview_id = await _prepared(client, session, settings)

    first = await confirm(client, customer, preview_id, day=tomorrow())
    second = await confirm(client, customer, preview_id, day=tomorrow(), slot="02:00 PM")

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["data"]["booking"] == first.json()["data"]["booking"]
    assert await _count(session, Booking) == 1


async def test_expired_preview_is_410_and_books_nothing(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    await create_partner(session)
    customer, preview_id = await _prepared(client, session, settings)
    preview = await reload(session, CheckoutPreview, preview_id)
    assert preview is not None
    preview.expires_at = preview.created_at - timedelta(seconds=1)
    await session.commit()

    response = await confirm(client, customer, preview_id, day=tomorrow())

    assert response.status_code == 410
    assert response.json()["error"]["code"] == "PREVIEW_EXPIRED"
    assert await _count(session, Booking) == 0


async def test_someone_elses_preview_is_404(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    await create_partner(session)
    _, preview_id = await _prepared(client, session, settings)
    stranger = await signed_in_customer(session, settings)

    response = await confirm(client, stranger, preview_id, day=tomorrow())

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "PREVIEW_NOT_FOUND"


async def test_a_token_whose_user_was_deleted_is_401_and_books_nothing(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    """Checked by the statement that reads the preview (their previews went with them), and,
    for a body that never gets there, before it is answered 422."""
    await create_partner(session)
    customer, preview_id = await _prepared(client, session, settings)
    await session.delete(customer.user)
    await session.commit()

    response = await confirm(client, customer, preview_id, day=tomorrow())
    malformed = await client.post(CONFIRM, json={}, headers=customer.headers)

    for answer in (response, malformed):
        assert answer.status_code == 401, answer.text
        assert answer.json()["error"]["message"] == "The token's user no longer exists."
    assert await _count(session, Booking) == 0


async def test_a_malformed_body_of_a_live_customer_is_422(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    """The control of the check a malformed body owes: a user who exists gets the 422."""
    customer = await signed_in_customer(session, settings)

    response = await client.post(CONFIRM, json={}, headers=customer.headers)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


async def test_confirm_to_another_of_the_callers_addresses_books_there(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    await create_partner(session)
    customer, preview_id = await _prepared(client, session, settings)
    office = await create_address(session, customer.user, name="Office")

    response = await confirm(
        client, customer, preview_id, day=tomorrow(), address_id=str(office.id)
    )

    assert response.status_code == 201, response.text
    stored = await reload(session, Booking, response.json()["data"]["booking"]["id"])
    assert stored is not None
    assert stored.address_id == office.id


async def test_confirm_to_someone_elses_or_a_deleted_address_is_404_and_books_nothing(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    await create_partner(session)
    customer, preview_id = await _prepared(client, session, settings)
    stranger = await signed_in_customer(session, settings)
    deleted = await create_address(session, customer.user, deleted_at=ago(minutes=1))

    for address in (stranger.address, deleted):
        response = await confirm(
            client, customer, preview_id, day=tomorrow(), address_id=str(address.id)
        )

        assert response.status_code == 404, response.text
        assert response.json()["error"]["code"] == "ADDRESS_NOT_FOUND"
    assert await _count(session, Booking) == 0


async def test_contact_given_at_confirm_is_the_bookings_over_the_profiles(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    await create_partner(session)
    customer, preview_id = await _prepared(client, session, settings)
    contact = {
        "customer_name": "Mitali Sen",
        "customer_phone": "+919812345678",
        "customer_email": "mitali@example.com",
    }

    response = await confirm(client, customer, preview_id, day=tomorrow(), **contact)

    assert response.status_code == 201, response.text
    stored = await reload(session, Booking, response.json()["data"]["booking"]["id"])
    assert stored is not None
    given = (stored.customer_name, stored.customer_phone, stored.customer_email)
    assert given == tuple(contact.values())


async def test_a_name_postgresql_cannot_store_is_422_and_books_nothing(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, database: TestDatabase
) -> None:
    await create_partner(session)
    customer, preview_id = await _prepared(client, session, settings)

    response = await confirm(
        client, customer, preview_id, day=tomorrow(), customer_name="Asha\u0000"
    )

    if database.kind == "postgresql":  # PostgreSQL text cannot hold NUL; SQLite's can
        assert (response.status_code, response.json()["error"]["code"]) == (422, "INVALID_VALUE")
        assert await _count(session, Booking) == 0
    else:
        assert response.status_code == 201, response.text


async def test_a_preview_stored_without_any_promo_value_books(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    """A preview whose promo column is SQL NULL, not JSON null (rows written by hand or
    before the app wrote JSON null), books like any other."""
    await create_partner(session)
    customer, preview_id = await _prepared(client, session, settings)
    await session.execute(
        sa.update(CheckoutPreview)
        .where(CheckoutPreview.id == uuid.UUID(preview_id))
        .values(promo=sa.null())
    )
    await session.commit()

    response = await confirm(client, customer, preview_id, day=tomorrow())

    assert response.status_code == 201, response.text
    assert response.json()["data"]["booking"]["grand_total"] == 1180.0


async def test_taken_slot_is_409_and_books_nothing(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    partner = await create_partner(session)
    customer, preview_id = await _prepared(client, session, settings)
    day = tomorrow()
    await book_partner(session, customer, partner.id, at_ist(day, 10, 30), at_ist(day, 12))

    response = await confirm(client, customer, preview_id, day=day, slot="10:00 AM")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "SLOT_UNAVAILABLE"
    assert await _count(session, Booking) == 1


async def test_slot_outside_hours_or_too_soon_is_409(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    await create_partner(session)
    customer, preview_id = await _prepared(client, session, settings)

    late = await confirm(client, customer, preview_id, day=tomorrow(), slot="07:30 PM")
    past = await confirm(client, customer, preview_id, day=tomorrow() - timedelta(days=2))
    far = await confirm(client, customer, preview_id, day=tomorrow() + timedelta(days=60))

    assert [r.status_code for r in (late, past, far)] == [409, 409, 409]
    assert await _count(session, Booking) == 0


@pytest.mark.parametrize("slot", ["25:99", 36000, 36000.0, None, True, ["10:00"]])
async def test_malformed_slot_is_422_and_books_nothing(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, slot: object
) -> None:
    """A number, which pydantic would read as seconds into a UTC time, included."""
    await create_partner(session)
    customer, preview_id = await _prepared(client, session, settings)

    response = await confirm(client, customer, preview_id, day=tomorrow(), slot=slot)

    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "booking_time"
    assert await _count(session, Booking) == 0


async def test_confirm_takes_one_promo_use(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    await create_partner(session)
    promo = await create_promo(session, code="ONCE", usage_limit=1)
    customer, preview_id = await _prepared(client, session, settings, promo_code="ONCE")

    response = await confirm(client, customer, preview_id, day=tomorrow())

    assert response.json()["data"]["booking"]["grand_total"] == 1062.0
    stored = await reload(session, PromoCode, promo.id)
    assert stored is not None and stored.used_count == 1


async def test_exhausted_promo_at_confirm_is_409_and_books_nothing(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    await create_partner(session)
    promo = await create_promo(session, code="ONCE", usage_limit=1)
    customer, preview_id = await _prepared(client, session, settings, promo_code="ONCE")
    stored = await reload(session, PromoCode, promo.id)
    assert stored is not None
    stored.used_count = 1
    await session.commit()

    response = await confirm(client, customer, preview_id, day=tomorrow())

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "PROMO_UNAVAILABLE"
    assert await _count(session, Booking) == 0


async def test_online_confirm_answers_with_the_gateway_order(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    await create_partner(session)
    customer, preview_id = await _prepared(client, session, settings)

    response = await confirm(client, customer, preview_id, day=tomorrow(), method="online")

    assert response.status_code == 201, response.text
    payment = response.json()["data"]["payment"]
    assert payment["order_id"].startswith("order_SIM")
    assert (payment["amount"], payment["currency"], payment["key"]) == (
        118000,
        "INR",
        "rzp_test_simulated",
    )
    row = await session.scalar(sa.select(Payment))
    assert row is not None and row.razorpay_order_id == payment["order_id"]
    assert row.amount == Decimal("1180.00")


async def test_booking_creation_is_recorded_in_history(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    partner = await create_partner(session)
    customer, preview_id = await _prepared(client, session, settings)

    await confirm(client, customer, preview_id, day=tomorrow())

    events = (
        await session.execute(
            sa.select(
                BookingEvent.field,
                BookingEvent.from_value,
                BookingEvent.to_value,
                BookingEvent.actor_id,
            )
        )
    ).all()
    assert sorted(events) == [
        ("partner_id", None, str(partner.id), str(customer.user.id)),
        ("status", None, "pending", str(customer.user.id)),
    ]


async def test_online_payment_of_less_than_a_rupee_is_422_and_books_nothing(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    await create_partner(session)
    await create_promo(session, code="FREE", discount_type="fixed", discount_value=Decimal("5000"))
    customer, preview_id = await _prepared(client, session, settings, promo_code="FREE")

    online = await confirm(client, customer, preview_id, day=tomorrow(), method="online")
    cash = await confirm(client, customer, preview_id, day=tomorrow(), method="cash")

    assert (online.status_code, online.json()["error"]["code"]) == (422, "ONLINE_AMOUNT_TOO_SMALL")
    assert cash.status_code == 201
    assert cash.json()["data"]["booking"]["grand_total"] == 0.0


async def test_booked_lines_carry_amounts_as_numbers(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    await create_partner(session)
    customer, preview_id = await _prepared(client, session, settings)

    response = await confirm(client, customer, preview_id, day=tomorrow())

    [line] = response.json()["data"]["booking"]["services"]
    assert (line["unit_price"], line["line_total"], line["quantity"]) == (1000.0, 1000.0, 1)


@pytest.mark.postgresql_only
@pytest.mark.parametrize("next_best_free", [True, False])
async def test_a_partner_the_ranking_saw_free_but_the_write_finds_busy_is_passed_over(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, next_best_free: bool
) -> None:
    """The booking's write checks, under the partner's lock, that they are still free. The
    ranking reads only the bookings that start on the visit's day (no visit crosses
    midnight), so a booking two days long, which no client can make, stands in for one
    committed after the ranking's snapshot: nothing is written for that partner, nor is the
    promo use taken, and the next one is booked, or, with nobody else, 409."""
    best = await create_partner(session, rating=5.0)
    others = [await create_partner(session, rating=4.0)] if next_best_free else []
    promo = await create_promo(session, code="TWICE", usage_limit=2)
    customer, preview_id = await _prepared(client, session, settings, promo_code="TWICE")
    day = tomorrow()
    await book_partner(
        session, customer, best.id, at_ist(day - timedelta(days=2), 10), at_ist(day, 10, 30)
    )

    response = await confirm(client, customer, preview_id, day=day, slot="10:00")

    preview = await reload(session, CheckoutPreview, uuid.UUID(preview_id))
    assert preview is not None
    if next_best_free:
        assert response.status_code == 201, response.text
        booking = response.json()["data"]["booking"]
        assert booking["partner_id"] == str(others[0].id)
        assert str(preview.booking_id) == booking["id"]
    else:
        assert (response.status_code, response.json()["error"]["code"]) == (
            409,
            "SLOT_UNAVAILABLE",
        )
        assert preview.booking_id is None
    assert await _count(session, Booking) == 1 + next_best_free
    assert await _count(session, BookingEvent) == 2 * next_best_free
    stored = await reload(session, PromoCode, promo.id)
    assert stored is not None
    assert stored.used_count == next_best_free


async def test_a_booking_number_drawn_twice_is_drawn_again(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Booking numbers are drawn at random, and two can clash: a number already another
    booking's makes confirm start over with a new one, not fail."""
    await create_partner(session)
    customer, preview_id = await _prepared(client, session, settings)
    day = tomorrow()
    await numbers_that_clash(session, customer, monkeypatch, day)

    response = await confirm(client, customer, preview_id, day=day)

    assert response.status_code == 201, response.text
    assert response.json()["data"]["booking"]["booking_number"] == FRESH_NUMBER
    assert await _count(session, Booking) == 2


async def test_a_partner_booked_right_up_to_the_visit_and_from_its_end_gets_it(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    """Visits hold their partner over [start, end): one ending as the visit starts and one
    starting as it ends leave the partner free for it (ranked, and written)."""
    partner = await create_partner(session)
    customer, preview_id = await _prepared(client, session, settings)
    preview = await reload(session, CheckoutPreview, uuid.UUID(preview_id))
    assert preview is not None
    day = tomorrow()
    start = at_ist(day, 10)
    end = start + timedelta(minutes=preview.duration_minutes + settings.travel_buffer_minutes)
    await book_partner(session, customer, partner.id, start - timedelta(hours=1), start)
    await book_partner(session, customer, partner.id, end, end + timedelta(hours=1))

    response = await confirm(client, customer, preview_id, day=day, slot="10:00")

    assert response.status_code == 201, response.text
    assert response.json()["data"]["booking"]["partner_id"] == str(partner.id)

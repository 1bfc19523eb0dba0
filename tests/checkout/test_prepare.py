import uuid
from datetime import timedelta
from decimal import Decimal

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.checkout.models import CheckoutPreview
from minuteserv.core import clock
from minuteserv.core.config import Settings
from tests.checkout.helpers import at_ist, book_partner, prepare, signed_in_customer, tomorrow
from tests.factories import (
    bearer,
    create_partner,
    create_promo,
    create_service,
    deleted_users_token,
    reload,
)

PREPARE = "/api/v1/checkout/prepare"


async def test_prepare_prices_cart_with_promo_and_stores_preview(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    customer = await signed_in_customer(session, settings)
    facial = await create_service(session, product_cost=Decimal("1000.00"))
    wax = await create_service(
        session, name="Wax", category="Facial", product_cost=Decimal("500.00")
    )
    await create_promo(session, code="SAVE10", min_order_amount=Decimal("500"))
    await create_partner(session)

    response = await prepare(
        client, customer, [str(facial.id), str(facial.id), str(wax.id)], promo_code="save10"
    )

    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["pricing"] == {
        "subtotal": 2500.0,
        "discount": 250.0,
        "tax": 405.0,
        "grand_total": 2655.0,
    }
    assert data["promo"] == {"code": "SAVE10", "applied": True, "discount": 250.0, "reason": None}
    assert [(line["name"], line["quantity"], line["line_total"]) for line in data["services"]] == [
        ("Classic Facial", 2, 2000.0),
        ("Wax", 1, 500.0),
    ]
    assert data["duration_minutes"] == 180
    preview = await reload(session, CheckoutPreview, data["preview_id"])
    assert preview is not None
    assert (preview.grand_total, preview.partner_payout) == (Decimal("2655.00"), Decimal("1575.00"))


async def test_items_form_prices_like_repeated_ids(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    customer = await signed_in_customer(session, settings)
    facial = await create_service(session, product_cost=Decimal("999.99"))
    await create_partner(session)
    body = {
        "items": [{"service_id": str(facial.id), "quantity": 3}],
        "address_id": str(customer.address.id),
    }

    response = await client.post(PREPARE, json=body, headers=customer.headers)

    assert response.status_code == 200, response.text
    assert response.json()["data"]["pricing"] == {
        "subtotal": 2999.97,
        "discount": 0.0,
        "tax": 539.99,
        "grand_total": 3539.96,
    }


async def test_promo_that_does_not_apply_is_reported_with_reason(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    customer = await signed_in_customer(session, settings)
    facial = await create_service(session, product_cost=Decimal("400.00"))
    await create_promo(session, code="BIGSPEND", min_order_amount=Decimal("1000"))
    await create_promo(session, code="OLD", valid_until=clock.now() - timedelta(days=1))
    await create_promo(session, code="GONE", usage_limit=3, used_count=3)
    await create_promo(session, code="OFF", is_active=False)
    await create_partner(session)
    expected = {
        "BIGSPEND": "min_order_not_met",
        "OLD": "expired",
        "GONE": "usage_limit_reached",
        "OFF": "inactive",
        "NOPE": "not_found",
    }

    verdicts = {}
    for code in expected:
        response = await prepare(client, customer, [str(facial.id)], promo_code=code)
        data = response.json()["data"]
        verdicts[code] = data["promo"]["reason"]
        assert data["promo"]["applied"] is False
        assert data["pricing"]["discount"] == 0.0

    assert verdicts == expected


async def test_fixed_promo_never_exceeds_subtotal(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    customer = await signed_in_customer(session, settings)
    facial = await create_service(session, product_cost=Decimal("300.00"))
    await create_promo(
        session, code="FLAT500", discount_type="fixed", discount_value=Decimal("500")
    )
    await create_partner(session)

    response = await prepare(client, customer, [str(facial.id)], promo_code="FLAT500")

    assert response.json()["data"]["pricing"] == {
        "subtotal": 300.0,
        "discount": 300.0,
        "tax": 0.0,
        "grand_total": 0.0,
    }


async def test_unknown_or_inactive_service_is_422_and_stores_nothing(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    customer = await signed_in_customer(session, settings)
    retired = await create_service(session, is_active=False)

    response = await prepare(client, customer, [str(retired.id)])

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "UNKNOWN_SERVICE"
    assert await session.scalar(sa.select(sa.func.count()).select_from(CheckoutPreview)) == 0


async def test_another_users_address_is_404(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    customer = await signed_in_customer(session, settings)
    stranger = await signed_in_customer(session, settings)
    facial = await create_service(session)

    response = await client.post(
        PREPARE,
        headers=customer.headers,
        json={"service_ids": [str(facial.id)], "address_id": str(stranger.address.id)},
    )

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "ADDRESS_NOT_FOUND"


async def test_cart_needs_exactly_one_of_service_ids_or_items(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    customer = await signed_in_customer(session, settings)

    response = await client.post(
        PREPARE, headers=customer.headers, json={"address_id": str(customer.address.id)}
    )

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


async def test_slots_leave_out_times_when_the_only_partner_is_busy(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    customer = await signed_in_customer(session, settings)
    facial = await create_service(session, duration_minutes=60)
    partner = await create_partner(session)
    day = tomorrow()
    await book_partner(session, customer, partner.id, at_ist(day, 10), at_ist(day, 11, 30))

    response = await prepare(client, customer, [str(facial.id)], booking_date=day.isoformat())

    slots = response.json()["data"]["available_slots"]
    # A 60-minute visit plus 30 minutes' travel may not overlap 10:00-11:30.
    assert "08:00 AM" in slots and "08:30 AM" in slots
    assert not {"09:00 AM", "09:30 AM", "10:00 AM", "11:00 AM"} & set(slots)
    assert "11:30 AM" in slots
    assert slots[-1] == "07:00 PM"


async def test_no_partner_for_the_category_means_no_slots(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    customer = await signed_in_customer(session, settings)
    massage = await create_service(session, category="Massage")
    await create_partner(session, service_categories=["Facial"])

    response = await prepare(
        client, customer, [str(massage.id)], booking_date=tomorrow().isoformat()
    )

    assert response.json()["data"]["available_slots"] == []


async def test_a_booking_ending_a_fraction_of_a_second_late_still_blocks_the_next_slot(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    """The slot search compares whole seconds: a booking's end is rounded up, never down."""
    customer = await signed_in_customer(session, settings)
    facial = await create_service(session, duration_minutes=60)
    partner = await create_partner(session)
    day = tomorrow()
    half_a_second = timedelta(microseconds=500_000)
    await book_partner(
        session,
        customer,
        partner.id,
        at_ist(day, 10) - half_a_second,
        at_ist(day, 11, 30) + half_a_second,
    )

    response = await prepare(client, customer, [str(facial.id)], booking_date=day.isoformat())

    slots = response.json()["data"]["available_slots"]
    assert "11:30 AM" not in slots and "08:30 AM" not in slots
    assert "12:00 PM" in slots and "08:00 AM" in slots


async def test_carts_of_different_categories_each_get_their_own_partners(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    """One app, carts over different sets of categories: the slot search's statement, built
    once for each set, must not serve one set's partners to another."""
    customer = await signed_in_customer(session, settings)
    facial = await create_service(session, category="Facial")
    waxing = await create_service(session, category="Waxing")
    await create_partner(session, service_categories=["Facial"])
    day = tomorrow().isoformat()

    answers = [
        await prepare(client, customer, service_ids, booking_date=day)
        for service_ids in ([str(facial.id)], [str(waxing.id)], [str(facial.id), str(waxing.id)])
    ]

    facial_slots, waxing_slots, both_slots = (
        answer.json()["data"]["available_slots"] for answer in answers
    )
    assert facial_slots and waxing_slots == [] and both_slots == []


async def test_a_token_whose_user_was_deleted_is_401_and_stores_nothing(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    """Checked before the cart, as on every route: a token of nobody is 401 whatever the body."""
    facial = await create_service(session)
    await create_partner(session)
    token = await deleted_users_token(session, settings)
    body = {"service_ids": [str(facial.id)], "address_id": str(uuid.uuid4())}

    responses = [
        await client.post(PREPARE, json=sent, headers=bearer(token)) for sent in (body, {})
    ]

    assert [response.status_code for response in responses] == [401, 401]
    assert responses[0].json()["error"]["message"] == "The token's user no longer exists."
    assert await session.scalar(sa.select(sa.func.count()).select_from(CheckoutPreview)) == 0

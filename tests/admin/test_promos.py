import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.promos.models import DiscountType, PromoCode
from minuteserv.promos.service import find_by_code
from tests.factories import ago, create_promo, reload

PROMOS = "/api/v1/admin/promo-codes"


def promo_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": "save20",
        "discount_type": "percentage",
        "discount_value": 20,
        "min_order_amount": 500,
        "usage_limit": 100,
        "valid_from": "2030-01-01T00:00:00+05:30",
        "valid_until": "2030-02-01T00:00:00+05:30",
    }
    body.update(overrides)
    return body


async def count_promos(session: AsyncSession) -> int:
    count = await session.scalar(sa.select(sa.func.count()).select_from(PromoCode))
    await session.commit()
    return count or 0


def fields_of(response: httpx.Response) -> list[str]:
    return [detail["field"] for detail in response.json()["error"]["details"]]


# --- list -----------------------------------------------------------------------------------


async def test_list_shows_promos_newest_first_with_every_field(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    older = await create_promo(session, code="OLD", created_at=ago(days=2))
    newer = await create_promo(
        session,
        code="NEW",
        discount_type=DiscountType.FIXED,
        discount_value=Decimal("150.50"),
        usage_limit=10,
        used_count=3,
        valid_until=datetime(2030, 1, 1, tzinfo=UTC),
    )

    response = await client.get(PROMOS, headers=admin_auth)

    data = response.json()["data"]
    assert [promo["id"] for promo in data["promo_codes"]] == [str(newer.id), str(older.id)]
    assert data["promo_codes"][0] == {
        "id": str(newer.id),
        "code": "NEW",
        "discount_type": "fixed",
        "discount_value": 150.5,
        "min_order_amount": None,
        "usage_limit": 10,
        "used_count": 3,
        "valid_from": None,
        "valid_until": "2030-01-01T00:00:00Z",
        "is_active": True,
        "created_at": newer.created_at.isoformat().replace("+00:00", "Z"),
    }
    assert data["pagination"] == {"page": 1, "limit": 20, "total": 2, "pages": 1}


async def test_list_filters_by_is_active(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    await create_promo(session, code="LIVE")
    await create_promo(session, code="DEAD", is_active=False)

    response = await client.get(f"{PROMOS}?is_active=false", headers=admin_auth)

    assert [promo["code"] for promo in response.json()["data"]["promo_codes"]] == ["DEAD"]


# --- create ---------------------------------------------------------------------------------


async def test_create_stores_the_code_upper_case(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    response = await client.post(PROMOS, json=promo_body(code=" save-20_x "), headers=admin_auth)

    assert response.status_code == 201
    data = response.json()["data"]
    stored = await reload(session, PromoCode, data["id"])
    assert stored is not None
    assert (
        stored.code,
        stored.discount_type,
        stored.discount_value,
        stored.min_order_amount,
        stored.usage_limit,
        stored.used_count,
        stored.valid_from,
        stored.valid_until,
        stored.is_active,
    ) == (
        "SAVE-20_X",
        DiscountType.PERCENTAGE,
        Decimal("20.00"),
        Decimal("500.00"),
        100,
        0,
        datetime(2029, 12, 31, 18, 30, tzinfo=UTC),
        datetime(2030, 1, 31, 18, 30, tzinfo=UTC),
        True,
    )
    assert data["code"] == "SAVE-20_X"


async def test_a_created_code_is_found_by_checkout_in_any_case(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    await client.post(PROMOS, json=promo_body(code="Welcome50"), headers=admin_auth)

    found = await find_by_code(session, "welcome50")
    assert found is not None and found.code == "WELCOME50"


async def test_create_with_a_code_taken_in_another_case_is_a_conflict(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    await create_promo(session, code="SAVE20")

    response = await client.post(PROMOS, json=promo_body(code="Save20"), headers=admin_auth)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "PROMO_CODE_TAKEN"
    assert await count_promos(session) == 1


async def test_create_with_only_the_required_fields_leaves_the_rest_open(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    body = {"code": "FLAT100", "discount_type": "fixed", "discount_value": 100}

    response = await client.post(PROMOS, json=body, headers=admin_auth)

    stored = await reload(session, PromoCode, response.json()["data"]["id"])
    assert stored is not None
    assert (
        stored.min_order_amount,
        stored.usage_limit,
        stored.valid_from,
        stored.valid_until,
        stored.is_active,
    ) == (None, None, None, None, True)


async def test_a_fixed_discount_may_exceed_100(
    client: httpx.AsyncClient, admin_auth: dict[str, str]
) -> None:
    body = promo_body(discount_type="fixed", discount_value=250)

    response = await client.post(PROMOS, json=body, headers=admin_auth)

    assert response.status_code == 201


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"code": "AB"}, "code"),
        ({"code": "X" * 51}, "code"),
        ({"code": "SAVE 20"}, "code"),
        ({"code": "ÇA20"}, "code"),
        ({"discount_type": "bogo"}, "discount_type"),
        ({"discount_value": 0}, "discount_value"),
        ({"discount_value": 100.01}, "discount_value"),
        ({"discount_value": 10.001}, "discount_value"),
        ({"min_order_amount": -1}, "min_order_amount"),
        ({"usage_limit": 0}, "usage_limit"),
        ({"valid_from": "2030-01-01T00:00:00"}, "valid_from"),
        ({"valid_until": "2030-01-01T00:00:00+05:30"}, "valid_until"),
        ({"used_count": 5}, "used_count"),
    ],
)
async def test_create_with_invalid_values_is_a_422_naming_the_field_and_creates_nothing(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin_auth: dict[str, str],
    overrides: dict[str, Any],
    field: str,
) -> None:
    response = await client.post(PROMOS, json=promo_body(**overrides), headers=admin_auth)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert fields_of(response) == [field]
    assert await count_promos(session) == 0


# --- update ---------------------------------------------------------------------------------


async def test_update_changes_only_the_fields_sent(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    promo = await create_promo(session, code="SAVE10", min_order_amount=Decimal(300))
    body = {"discount_value": 15, "code": "save15", "min_order_amount": None}

    response = await client.patch(f"{PROMOS}/{promo.id}", json=body, headers=admin_auth)

    assert response.status_code == 200
    stored = await reload(session, PromoCode, promo.id)
    assert stored is not None
    assert (stored.code, stored.discount_value, stored.min_order_amount, stored.is_active) == (
        "SAVE15",
        Decimal("15.00"),
        None,
        True,
    )


async def test_update_of_the_usage_limit_below_the_uses_made_is_a_conflict(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    promo = await create_promo(session, usage_limit=10, used_count=5)

    response = await client.patch(
        f"{PROMOS}/{promo.id}", json={"usage_limit": 4}, headers=admin_auth
    )

    assert response.status_code == 409
    error = response.json()["error"]
    assert (error["code"], error["details"]) == (
        "PROMO_USAGE_LIMIT_BELOW_USED",
        [{"used_count": 5}],
    )
    stored = await reload(session, PromoCode, promo.id)
    assert stored is not None and stored.usage_limit == 10


async def test_update_of_the_usage_limit_down_to_the_uses_made_is_allowed(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    promo = await create_promo(session, usage_limit=10, used_count=5)

    response = await client.patch(
        f"{PROMOS}/{promo.id}", json={"usage_limit": 5}, headers=admin_auth
    )

    assert response.json()["data"]["usage_limit"] == 5


async def test_update_to_a_code_another_promo_has_is_a_conflict(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    await create_promo(session, code="TAKEN")
    promo = await create_promo(session, code="MINE")

    response = await client.patch(
        f"{PROMOS}/{promo.id}", json={"code": "taken"}, headers=admin_auth
    )

    assert response.json()["error"]["code"] == "PROMO_CODE_TAKEN"
    stored = await reload(session, PromoCode, promo.id)
    assert stored is not None and stored.code == "MINE"


@pytest.mark.parametrize(
    ("stored", "body", "field"),
    [
        (
            {"discount_type": DiscountType.FIXED, "discount_value": Decimal(500)},
            {"discount_type": "percentage"},
            "discount_value",
        ),
        ({}, {"discount_value": 101}, "discount_value"),
        (
            {"valid_from": datetime(2030, 1, 1, tzinfo=UTC)},
            {"valid_until": "2029-12-31T00:00:00Z"},
            "valid_until",
        ),
    ],
)
async def test_update_that_breaks_a_rule_with_the_stored_fields_is_a_422(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin_auth: dict[str, str],
    stored: dict[str, Any],
    body: dict[str, Any],
    field: str,
) -> None:
    promo = await create_promo(session, **stored)

    response = await client.patch(f"{PROMOS}/{promo.id}", json=body, headers=admin_auth)

    assert response.status_code == 422
    assert fields_of(response) == [field]
    kept = await reload(session, PromoCode, promo.id)
    assert kept is not None
    assert (kept.discount_type, kept.valid_until) == (
        stored.get("discount_type", DiscountType.PERCENTAGE),
        None,
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "body"), ({"code": None}, "code"), ({"used_count": 0}, "used_count")],
)
async def test_update_with_an_invalid_body_is_a_422(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin_auth: dict[str, str],
    body: dict[str, Any],
    field: str,
) -> None:
    promo = await create_promo(session)

    response = await client.patch(f"{PROMOS}/{promo.id}", json=body, headers=admin_auth)

    assert response.status_code == 422
    assert fields_of(response) == [field]


async def test_update_of_an_unknown_promo_is_a_404(
    client: httpx.AsyncClient, admin_auth: dict[str, str]
) -> None:
    response = await client.patch(
        f"{PROMOS}/{uuid.uuid4()}", json={"is_active": False}, headers=admin_auth
    )

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "PROMO_NOT_FOUND"


# --- delete ---------------------------------------------------------------------------------


async def test_delete_deactivates_the_promo_and_answers_it(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    promo = await create_promo(session, used_count=2)

    response = await client.delete(f"{PROMOS}/{promo.id}", headers=admin_auth)

    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["id"], data["is_active"], data["used_count"]) == (str(promo.id), False, 2)
    stored = await reload(session, PromoCode, promo.id)
    assert stored is not None and stored.is_active is False


async def test_delete_of_an_unknown_promo_is_a_404(
    client: httpx.AsyncClient, admin_auth: dict[str, str]
) -> None:
    response = await client.delete(f"{PROMOS}/{uuid.uuid4()}", headers=admin_auth)

    assert response.status_code == 404

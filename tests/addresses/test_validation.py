from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.addresses.models import UserAddress
from minuteserv.users.models import User
from tests.factories import address_body, create_address, reload

INVALID_BODIES = [
    pytest.param(address_body(pincode="12345"), "pincode", id="pincode-5-digits"),
    pytest.param(address_body(pincode="1234567"), "pincode", id="pincode-7-digits"),
    pytest.param(address_body(pincode="012345"), "pincode", id="pincode-leading-zero"),
    pytest.param(address_body(pincode="70003a"), "pincode", id="pincode-letter"),
    pytest.param(address_body(pincode=700032), "pincode", id="pincode-number"),
    pytest.param(address_body(lng=None), "lng", id="lat-without-lng"),
    pytest.param(address_body(lat=None), "lng", id="lng-without-lat"),
    pytest.param(address_body(lat=90.5), "lat", id="lat-over-90"),
    pytest.param(address_body(lng=-180.5), "lng", id="lng-under-minus-180"),
    pytest.param(address_body(lat="north"), "lat", id="lat-not-a-number"),
    pytest.param(address_body(address_line1=None), "address_line1", id="line1-missing"),
    pytest.param(address_body(address_line1="   "), "address_line1", id="line1-blank"),
    pytest.param(address_body(address_line1="x" * 256), "address_line1", id="line1-too-long"),
    pytest.param(address_body(city=None), "city", id="city-missing"),
    pytest.param(address_body(state=None), "state", id="state-missing"),
    pytest.param(address_body(name="x" * 101), "name", id="name-too-long"),
    pytest.param(address_body(address_line2=["a"]), "address_line2", id="line2-a-list"),
    pytest.param(address_body(is_default="maybe"), "is_default", id="is-default-not-a-bool"),
    pytest.param(address_body(user_id="someone"), "user_id", id="unknown-field"),
    pytest.param({}, "address_line1", id="empty-body"),
]


def fields_in(response: httpx.Response) -> set[str]:
    return {detail["field"] for detail in response.json()["error"]["details"]}


async def count_addresses(session: AsyncSession) -> int:
    count = await session.scalar(sa.select(sa.func.count()).select_from(UserAddress))
    await session.commit()
    return count or 0


@pytest.mark.parametrize(("body", "field"), INVALID_BODIES)
async def test_post_with_an_invalid_body_is_422_naming_the_field_and_stores_nothing(
    client: httpx.AsyncClient,
    session: AsyncSession,
    auth: dict[str, str],
    body: dict[str, Any],
    field: str,
) -> None:
    response = await client.post("/api/v1/addresses", json=body, headers=auth)

    assert response.status_code == 422
    assert response.json()["success"] is False
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert field in fields_in(response)
    assert await count_addresses(session) == 0


@pytest.mark.parametrize(("body", "field"), INVALID_BODIES)
async def test_put_with_an_invalid_body_is_422_and_changes_nothing(
    client: httpx.AsyncClient,
    session: AsyncSession,
    user: User,
    auth: dict[str, str],
    body: dict[str, Any],
    field: str,
) -> None:
    address = await create_address(session, user, is_default=True, lat=22.5, lng=88.3)

    response = await client.put(f"/api/v1/addresses/{address.id}", json=body, headers=auth)

    assert response.status_code == 422
    assert field in fields_in(response)
    stored = await reload(session, UserAddress, address.id)
    assert stored is not None
    assert (stored.address_line1, stored.pincode, stored.lat, stored.lng) == (
        "12 Park Street",
        "700016",
        22.5,
        88.3,
    )


async def test_lat_without_lng_says_which_is_missing(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    response = await client.post("/api/v1/addresses", json=address_body(lng=None), headers=auth)

    assert response.json()["error"]["details"] == [
        {
            "field": "lng",
            "location": "body",
            "message": "Value error, lng is required when lat is given",
            "type": "value_error",
        }
    ]


async def test_a_body_that_is_not_an_object_is_422(
    client: httpx.AsyncClient, session: AsyncSession, auth: dict[str, str]
) -> None:
    response = await client.post("/api/v1/addresses", json=["not", "an", "object"], headers=auth)

    assert response.status_code == 422
    assert await count_addresses(session) == 0


async def test_coordinates_are_kept_to_eight_decimals(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    body = address_body(lat=22.572612345678, lng=88.363912345678)

    response = await client.post("/api/v1/addresses", json=body, headers=auth)

    data = response.json()["data"]
    assert (data["lat"], data["lng"]) == (22.57261235, 88.36391235)

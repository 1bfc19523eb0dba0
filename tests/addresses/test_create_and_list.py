from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.addresses.models import UserAddress
from minuteserv.users.models import User
from tests.factories import address_body, ago, create_address, create_user, reload


def without_volatile(address: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in address.items() if key not in ("id", "created_at")}


async def test_create_address_answers_201_with_the_saved_address(
    client: httpx.AsyncClient, session: AsyncSession, auth: dict[str, str]
) -> None:
    response = await client.post("/api/v1/addresses", json=address_body(), headers=auth)

    assert response.status_code == 201
    data = response.json()["data"]
    assert without_volatile(data) == {
        "name": "Home",
        "address_line1": "123 Main St",
        "address_line2": None,
        "city": "Kolkata",
        "state": "West Bengal",
        "pincode": "700032",
        "lat": 22.5726,
        "lng": 88.3639,
        "place_id": None,
        "is_default": True,
    }
    stored = await reload(session, UserAddress, data["id"])
    assert stored is not None
    assert (stored.address_line1, stored.pincode, stored.lat, stored.lng) == (
        "123 Main St",
        "700032",
        22.5726,
        88.3639,
    )


async def test_create_address_trims_text_and_stores_blank_optionals_as_null(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    body = address_body(name=" Work ", address_line1=" 5 Lake Rd ", address_line2=" ", place_id="")

    response = await client.post("/api/v1/addresses", json=body, headers=auth)

    data = response.json()["data"]
    assert (data["name"], data["address_line1"], data["address_line2"], data["place_id"]) == (
        "Work",
        "5 Lake Rd",
        None,
        None,
    )


async def test_create_address_labels_it_home_when_no_name_is_sent(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    body = address_body()
    del body["name"]

    response = await client.post("/api/v1/addresses", json=body, headers=auth)

    assert response.json()["data"]["name"] == "Home"


async def test_create_address_without_coordinates_stores_none(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/addresses", json=address_body(lat=None, lng=None), headers=auth
    )

    assert response.status_code == 201
    assert (response.json()["data"]["lat"], response.json()["data"]["lng"]) == (None, None)


async def test_second_address_is_not_the_default_unless_asked(
    client: httpx.AsyncClient, session: AsyncSession, user: User, auth: dict[str, str]
) -> None:
    first = await create_address(session, user, is_default=True)

    response = await client.post("/api/v1/addresses", json=address_body(), headers=auth)

    assert response.json()["data"]["is_default"] is False
    still_default = await reload(session, UserAddress, first.id)
    assert still_default is not None and still_default.is_default is True


async def test_creating_an_address_as_default_moves_the_default(
    client: httpx.AsyncClient, session: AsyncSession, user: User, auth: dict[str, str]
) -> None:
    first = await create_address(session, user, is_default=True)

    response = await client.post(
        "/api/v1/addresses", json=address_body(is_default=True), headers=auth
    )

    assert response.json()["data"]["is_default"] is True
    old_default = await reload(session, UserAddress, first.id)
    assert old_default is not None and old_default.is_default is False


async def test_list_addresses_puts_the_default_first_then_the_newest(
    client: httpx.AsyncClient, session: AsyncSession, user: User, auth: dict[str, str]
) -> None:
    oldest = await create_address(session, user, name="Oldest", created_at=ago(days=3))
    default = await create_address(session, user, name="Default", is_default=True)
    newest = await create_address(session, user, name="Newest", created_at=ago(days=1))
    middle = await create_address(session, user, name="Middle", created_at=ago(days=2))

    response = await client.get("/api/v1/addresses", headers=auth)

    assert response.status_code == 200
    assert [address["id"] for address in response.json()["data"]] == [
        str(default.id),
        str(newest.id),
        str(middle.id),
        str(oldest.id),
    ]


async def test_list_addresses_hides_deleted_ones(
    client: httpx.AsyncClient, session: AsyncSession, user: User, auth: dict[str, str]
) -> None:
    live = await create_address(session, user, is_default=True)
    await create_address(session, user, deleted_at=ago(hours=1))

    response = await client.get("/api/v1/addresses", headers=auth)

    assert [address["id"] for address in response.json()["data"]] == [str(live.id)]


async def test_list_addresses_shows_only_the_callers_addresses(
    client: httpx.AsyncClient, session: AsyncSession, user: User, auth: dict[str, str]
) -> None:
    mine = await create_address(session, user, is_default=True)
    await create_address(session, await create_user(session), is_default=True)

    response = await client.get("/api/v1/addresses", headers=auth)

    assert [address["id"] for address in response.json()["data"]] == [str(mine.id)]


async def test_list_addresses_is_empty_for_a_new_customer(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    response = await client.get("/api/v1/addresses", headers=auth)

    assert response.json() == {"success": True, "data": []}

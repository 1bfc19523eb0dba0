import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.addresses.models import UserAddress
from minuteserv.users.models import User
from tests.factories import address_body, create_address, reload


async def test_get_address_answers_one_of_the_callers_addresses(
    client: httpx.AsyncClient, session: AsyncSession, user: User, auth: dict[str, str]
) -> None:
    address = await create_address(session, user, name="Work", is_default=True)

    response = await client.get(f"/api/v1/addresses/{address.id}", headers=auth)

    assert response.status_code == 200
    assert (response.json()["data"]["id"], response.json()["data"]["name"]) == (
        str(address.id),
        "Work",
    )


async def test_put_replaces_every_editable_field(
    client: httpx.AsyncClient, session: AsyncSession, user: User, auth: dict[str, str]
) -> None:
    address = await create_address(
        session, user, is_default=True, address_line2="Flat 2", place_id="ChIJ", lat=1.0, lng=2.0
    )
    body = address_body(
        name="Office", address_line1="9 Camac St", city="Howrah", state="WB", pincode="711101"
    )
    del body["lat"], body["lng"]

    response = await client.put(f"/api/v1/addresses/{address.id}", json=body, headers=auth)

    assert response.status_code == 200
    stored = await reload(session, UserAddress, address.id)
    assert stored is not None
    assert (
        stored.name,
        stored.address_line1,
        stored.address_line2,
        stored.city,
        stored.state,
        stored.pincode,
        stored.lat,
        stored.lng,
        stored.place_id,
        stored.is_default,
    ) == ("Office", "9 Camac St", None, "Howrah", "WB", "711101", None, None, None, True)
    assert response.json()["data"]["address_line1"] == "9 Camac St"


async def test_put_with_is_default_moves_the_default(
    client: httpx.AsyncClient, session: AsyncSession, user: User, auth: dict[str, str]
) -> None:
    old_default = await create_address(session, user, is_default=True)
    other = await create_address(session, user)

    response = await client.put(
        f"/api/v1/addresses/{other.id}", json=address_body(is_default=True), headers=auth
    )

    assert response.json()["data"]["is_default"] is True
    old = await reload(session, UserAddress, old_default.id)
    assert old is not None and old.is_default is False


async def test_put_with_is_default_false_keeps_the_only_default(
    client: httpx.AsyncClient, session: AsyncSession, user: User, auth: dict[str, str]
) -> None:
    default = await create_address(session, user, is_default=True)

    response = await client.put(
        f"/api/v1/addresses/{default.id}", json=address_body(is_default=False), headers=auth
    )

    assert response.json()["data"]["is_default"] is True
    stored = await reload(session, UserAddress, default.id)
    assert stored is not None and stored.is_default is True


async def test_put_of_an_address_already_default_keeps_one_default(
    client: httpx.AsyncClient, session: AsyncSession, user: User, auth: dict[str, str]
) -> None:
    default = await create_address(session, user, is_default=True)
    other = await create_address(session, user)

    response = await client.put(
        f"/api/v1/addresses/{default.id}", json=address_body(is_default=True), headers=auth
    )

    assert response.json()["data"]["is_default"] is True
    untouched = await reload(session, UserAddress, other.id)
    assert untouched is not None and untouched.is_default is False

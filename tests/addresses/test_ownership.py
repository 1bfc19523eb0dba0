import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.addresses import service
from minuteserv.addresses.models import UserAddress
from minuteserv.users.models import User
from tests.factories import address_body, create_address, create_user, reload

NOT_FOUND = {
    "code": "ADDRESS_NOT_FOUND",
    "message": "Address not found.",
    "details": [],
}


def address_columns(address: UserAddress) -> tuple[Any, ...]:
    return (address.name, address.address_line1, address.pincode, address.is_default)


@pytest.mark.parametrize(
    ("method", "send_body"), [("GET", False), ("PUT", True), ("DELETE", False)]
)
async def test_another_customers_address_is_not_found_and_stays_unchanged(
    client: httpx.AsyncClient,
    session: AsyncSession,
    auth: dict[str, str],
    method: str,
    send_body: bool,
) -> None:
    theirs = await create_address(session, await create_user(session), is_default=True)
    before = address_columns(theirs)
    body = address_body(name="Mine now", is_default=True) if send_body else None

    response = await client.request(
        method, f"/api/v1/addresses/{theirs.id}", json=body, headers=auth
    )

    assert response.status_code == 404
    assert {key: response.json()["error"][key] for key in NOT_FOUND} == NOT_FOUND
    after = await reload(session, UserAddress, theirs.id)
    assert after is not None and address_columns(after) == before


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
@pytest.mark.parametrize("address_id", ["not-a-uuid", str(uuid.uuid4()), "1' OR '1'='1"])
async def test_malformed_or_unknown_address_id_is_not_found(
    client: httpx.AsyncClient,
    session: AsyncSession,
    user: User,
    auth: dict[str, str],
    method: str,
    address_id: str,
) -> None:
    mine = await create_address(session, user, is_default=True)
    body = address_body() if method == "PUT" else None

    response = await client.request(
        method, f"/api/v1/addresses/{address_id}", json=body, headers=auth
    )

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "ADDRESS_NOT_FOUND"
    after = await reload(session, UserAddress, mine.id)
    assert after is not None and after.is_default is True


async def test_get_owned_refuses_another_customers_address(
    session: AsyncSession, user: User
) -> None:
    theirs = await create_address(session, await create_user(session), is_default=True)

    with pytest.raises(service.AddressNotFound):
        await service.get_owned(session, user_id=user.id, address_id=theirs.id)


async def test_get_owned_answers_the_callers_live_address(
    session: AsyncSession, user: User
) -> None:
    mine = await create_address(session, user, is_default=True)

    found = await service.get_owned(session, user_id=user.id, address_id=mine.id)

    assert found.id == mine.id


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/addresses"),
        ("POST", "/api/v1/addresses"),
        ("GET", f"/api/v1/addresses/{uuid.uuid4()}"),
        ("PUT", f"/api/v1/addresses/{uuid.uuid4()}"),
        ("DELETE", f"/api/v1/addresses/{uuid.uuid4()}"),
    ],
)
async def test_address_routes_require_a_customer_token(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await client.request(method, path, json=address_body())

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHORIZED"

"""SQL injection: every query goes through the ORM with bound parameters, and LIKE searches
escape their wildcards, so text that looks like SQL is only ever matched or stored as text."""

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import address_body, create_user
from tests.security.calls import assert_envelope
from tests.security.world import World

ALWAYS_TRUE = "' OR '1'='1"
DROP_TABLE = "Home'); DROP TABLE user_addresses; --"


async def _listed(
    client: httpx.AsyncClient, path: str, auth: dict[str, str], **params: Any
) -> dict[str, Any]:
    response = await client.get(path, params=params, headers=auth)
    assert response.status_code == 200
    data: dict[str, Any] = assert_envelope(response)["data"]
    return data


@pytest.mark.parametrize("q", [ALWAYS_TRUE, "%", "_"])
async def test_sql_or_wildcards_in_a_user_search_match_only_as_text(
    client: httpx.AsyncClient, session: AsyncSession, world: World, q: str
) -> None:
    await create_user(session, name="Asha Rao", email="asha@example.com")
    found = await _listed(client, "/api/v1/admin/users", world.admin_auth, q=q)
    assert (found["users"], found["pagination"]["total"]) == ([], 0)


async def test_sql_in_a_category_filter_matches_no_partner(
    client: httpx.AsyncClient, world: World
) -> None:
    category = f"Facial{ALWAYS_TRUE}"
    found = await _listed(client, "/api/v1/admin/partners", world.admin_auth, category=category)
    assert (found["partners"], found["pagination"]["total"]) == ([], 0)


async def test_sql_in_a_stored_field_is_kept_verbatim_and_runs_nothing(
    client: httpx.AsyncClient, world: World
) -> None:
    created = await client.post(
        "/api/v1/addresses", json=address_body(name=DROP_TABLE), headers=world.customer.auth
    )
    assert created.status_code == 201
    listed = await client.get("/api/v1/addresses", headers=world.customer.auth)
    names = sorted(address["name"] for address in assert_envelope(listed)["data"])
    assert names == sorted(["Home", DROP_TABLE])

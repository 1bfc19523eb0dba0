"""The per-IP limit on /api/ (RATE_LIMIT_API): a 429 envelope with Retry-After once spent, keyed
on the connection's address (headers a client writes do not buy a new budget), and never in
front of the health checks or Razorpay's webhook."""

from typing import Any

import httpx
import pytest

from tests.security.calls import assert_envelope

CATALOG = "/api/v1/services/catalog"
BUDGET = 3


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"rate_limit_api": f"{BUDGET}/minute"}


async def _spend_budget(client: httpx.AsyncClient) -> None:
    statuses = [(await client.get(CATALOG)).status_code for _ in range(BUDGET)]
    assert statuses == [200] * BUDGET


async def test_spent_budget_answers_429_with_retry_after(client: httpx.AsyncClient) -> None:
    await _spend_budget(client)
    refused = await client.get(CATALOG)
    error = assert_envelope(refused)["error"]
    assert (refused.status_code, error["code"]) == (429, "RATE_LIMITED")
    retry_after = int(refused.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    assert error["details"] == [{"retry_after": retry_after}]


@pytest.mark.parametrize("header", ["X-Forwarded-For", "X-Real-IP", "Forwarded"])
async def test_a_client_written_address_header_buys_no_new_budget(
    client: httpx.AsyncClient, header: str
) -> None:
    await _spend_budget(client)
    statuses = [
        (await client.get(CATALOG, headers={header: f"198.51.100.{n}"})).status_code
        for n in range(3)
    ]
    assert statuses == [429] * 3


async def test_health_checks_and_the_webhook_are_outside_the_limit(
    client: httpx.AsyncClient,
) -> None:
    await _spend_budget(client)
    health = [(await client.get(path)).status_code for path in ("/healthz", "/readyz")]
    unsigned = await client.post("/api/v1/payments/webhook", content=b"{}")
    assert health == [200, 200]
    # Refused for its missing signature, not for the spent budget.
    assert (unsigned.status_code, assert_envelope(unsigned)["error"]["code"]) == (
        400,
        "INVALID_SIGNATURE",
    )

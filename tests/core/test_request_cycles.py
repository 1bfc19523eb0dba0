"""Guard: the hot routes leave no request in a reference cycle. One that did could be freed only
by the garbage collector, with all it holds (some fifty objects), and the collections that
then pile up stalled every request in flight for up to 200 ms (the bench's p99)."""

import gc
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from minuteserv.core.config import Settings
from tests.checkout.helpers import confirm, prepare, signed_in_customer, tomorrow
from tests.factories import create_partner, create_service


@pytest.fixture
def cyclic_garbage() -> Iterator[list[object]]:
    """What the garbage collector finds unreachable from here on, kept (DEBUG_SAVEALL) for
    the test to read once it has called `gc.collect()`."""
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    gc.garbage.clear()
    try:
        yield gc.garbage
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


async def test_the_routes_that_check_their_caller_later_leave_no_request_in_a_cycle(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    cyclic_garbage: list[object],
) -> None:
    """Prepare, confirm, the bookings' list and a booking's detail each register a check they
    owe a request they never run (`owe_before_invalid`), in the request's own state."""
    await create_partner(session)
    facial = await create_service(session, product_cost=Decimal("1000.00"))
    customer = await signed_in_customer(session, settings)
    prepared = await prepare(client, customer, [str(facial.id)])
    assert prepared.status_code == 200, prepared.text
    booked = await confirm(client, customer, prepared.json()["data"]["preview_id"], day=tomorrow())
    assert booked.status_code == 201, booked.text
    booking_id = booked.json()["data"]["booking"]["id"]
    for path in ("/api/v1/bookings", f"/api/v1/bookings/{booking_id}"):
        response = await client.get(path, headers=customer.headers)
        assert response.status_code == 200, response.text

    gc.collect()

    assert [item for item in cyclic_garbage if isinstance(item, Request)] == []

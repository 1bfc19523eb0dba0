"""What the racing tests share: firing requests at once, tallying answers, reading rows back,
and a customer with an online booking whose order waits at the fake Razorpay."""

import asyncio
import random
import uuid
from collections import Counter
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.bookings.models import BookingEvent
from minuteserv.core.config import Settings
from tests import conftest
from tests.checkout.helpers import Customer, confirm, prepare, signed_in_customer, tomorrow
from tests.factories import create_partner, create_service

Answer = tuple[int, str | None]


async def race(requests: Iterable[Coroutine[Any, Any, httpx.Response]]) -> list[httpx.Response]:
    """Send all the requests at once, started in random order; the answers in the given order."""
    pending = list(requests)
    start_order = random.sample(range(len(pending)), len(pending))
    tasks = {index: asyncio.ensure_future(pending[index]) for index in start_order}
    return list(await asyncio.gather(*(tasks[index] for index in range(len(pending)))))


def answer(response: httpx.Response) -> Answer:
    """The status and, for an error, its code."""
    body = response.json()
    return response.status_code, None if body["success"] else body["error"]["code"]


def tally(responses: Iterable[httpx.Response]) -> Counter[Answer]:
    return Counter(answer(response) for response in responses)


async def read(database: conftest.TestDatabase, statement: sa.Select[Any]) -> list[Any]:
    """What is committed now, read through a fresh session (nothing cached)."""
    async with database.sessionmaker() as session:
        return list(await session.scalars(statement))


async def changes(
    database: conftest.TestDatabase, booking_id: str, field: str
) -> Counter[tuple[Any, ...]]:
    """The booking's recorded changes of one field, as (from, to) pairs."""
    events = await read(
        database,
        sa.select(BookingEvent).where(
            BookingEvent.booking_id == uuid.UUID(booking_id), BookingEvent.field == field
        ),
    )
    return Counter((event.from_value, event.to_value) for event in events)


async def customers(session: AsyncSession, settings: Settings, count: int) -> list[Customer]:
    return [await signed_in_customer(session, settings) for _ in range(count)]


async def prepared(
    client: httpx.AsyncClient, customer: Customer, service_id: str, **fields: Any
) -> str:
    """The id of a fresh preview of one service for `customer`."""
    response = await prepare(
        client, customer, [service_id], booking_date=tomorrow().isoformat(), **fields
    )
    assert response.status_code == 200, response.text
    preview_id: str = response.json()["data"]["preview_id"]
    return preview_id


@dataclass(frozen=True)
class OnlineBooking:
    customer: Customer
    booking_id: str
    order_id: str
    grand_total: Decimal


async def online_booking(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> OnlineBooking:
    """A pending online booking tomorrow at 10:00 AM, its Razorpay order not yet paid."""
    await create_partner(session)
    facial = await create_service(session, product_cost=Decimal("1000.00"))
    [customer] = await customers(session, settings, 1)
    preview_id = await prepared(client, customer, str(facial.id))
    response = await confirm(client, customer, preview_id, day=tomorrow(), method="online")
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    return OnlineBooking(
        customer=customer,
        booking_id=data["booking"]["id"],
        order_id=data["payment"]["order_id"],
        grand_total=Decimal(str(data["booking"]["grand_total"])),
    )


async def verify(
    client: httpx.AsyncClient, customer: Customer, body: dict[str, str]
) -> httpx.Response:
    return await client.post("/api/v1/payments/verify", json=body, headers=customer.headers)


async def deliver(
    client: httpx.AsyncClient, delivery: tuple[bytes, dict[str, str]]
) -> httpx.Response:
    """POST one webhook delivery (raw body and headers) as Razorpay would."""
    body, headers = delivery
    return await client.post("/api/v1/payments/webhook", content=body, headers=headers)

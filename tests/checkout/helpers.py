"""What checkout tests share: a bookable day, a signed-in customer with an address, a cart."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.addresses.models import UserAddress
from minuteserv.bookings.models import Booking
from minuteserv.checkout import confirmation
from minuteserv.core.config import Settings
from minuteserv.users.models import User
from tests.factories import bearer, create_address, create_booking, create_user, customer_token

IST = ZoneInfo("Asia/Kolkata")
CONFIRM = "/api/v1/checkout/confirm"


def tomorrow() -> date:
    return datetime.now(IST).date() + timedelta(days=1)


def at_ist(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=IST)


@dataclass
class Customer:
    user: User
    address: UserAddress
    headers: dict[str, str]


async def book_partner(
    session: AsyncSession,
    customer: Customer,
    partner_id: uuid.UUID | None,
    start_at: datetime,
    end_at: datetime,
    **fields: Any,
) -> Booking:
    """A booking holding the partner over [start_at, end_at), on start_at's IST day: live,
    unless `fields` (any other columns) say otherwise."""
    return await create_booking(
        session,
        customer.user,
        customer.address,
        partner_id=partner_id,
        booking_date=start_at.astimezone(IST).date(),
        start_at=start_at,
        end_at=end_at,
        **fields,
    )


async def signed_in_customer(
    session: AsyncSession, settings: Settings, **user_fields: Any
) -> Customer:
    user = await create_user(session, name="Asha Roy", **user_fields)
    address = await create_address(session, user, is_default=True, lat=22.5726, lng=88.3639)
    return Customer(user, address, bearer(customer_token(settings, user)))


async def prepare(
    client: httpx.AsyncClient, customer: Customer, service_ids: list[str], **fields: Any
) -> httpx.Response:
    body = {"service_ids": service_ids, "address_id": str(customer.address.id), **fields}
    return await client.post("/api/v1/checkout/prepare", json=body, headers=customer.headers)


async def confirm(
    client: httpx.AsyncClient,
    customer: Customer,
    preview_id: str,
    *,
    day: date,
    slot: object = "10:00 AM",  # as sent: a malformed one too
    method: str = "cash",
    **fields: Any,
) -> httpx.Response:
    body = {
        "preview_id": preview_id,
        "payment_method": method,
        "booking_date": day.isoformat(),
        "booking_time": slot,
        **fields,
    }
    return await client.post(CONFIRM, json=body, headers=customer.headers)


TAKEN_NUMBER, FRESH_NUMBER = "BK-TAKEN", "BK-FRESH"


async def numbers_that_clash(
    session: AsyncSession, customer: Customer, monkeypatch: pytest.MonkeyPatch, day: date
) -> None:
    """A booking of the customer's on `day` numbered TAKEN_NUMBER, and confirm made to draw that
    number first, then FRESH_NUMBER."""
    await book_partner(
        session, customer, None, at_ist(day, 16), at_ist(day, 17), booking_number=TAKEN_NUMBER
    )
    drawn = iter([TAKEN_NUMBER, FRESH_NUMBER])
    monkeypatch.setattr(confirmation, "new_booking_number", lambda _day: next(drawn))

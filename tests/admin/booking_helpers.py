"""What the admin booking and assignment tests share: a customer's booking with categorised
lines at a known place, and fresh reads of a booking's state and history."""

import uuid
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.bookings.models import Booking, BookingEvent
from minuteserv.partners.models import Partner
from tests.checkout.helpers import at_ist
from tests.factories import create_address, create_booking, create_user, next_phone

BOOKINGS = "/api/v1/admin/bookings"
DAY = date(2030, 1, 20)
KOLKATA = (22.5726, 88.3639)


async def customer_booking(
    session: AsyncSession,
    *,
    partner: Partner | None = None,
    categories: tuple[str, ...] = ("Facial",),
    day: date = DAY,
    hour: int = 10,
    minute: int = 0,
    user_phone: str | None = None,
    **fields: Any,
) -> Booking:
    """A new customer's booking at a Kolkata address, 90 minutes from `hour:minute` in India on
    `day`, one line per category."""
    user = await create_user(session, name="Asha Roy", phone_number=user_phone or next_phone())
    address = await create_address(session, user, lat=KOLKATA[0], lng=KOLKATA[1])
    fields.setdefault(
        "services",
        [
            {"service_id": str(uuid.uuid4()), "name": name, "category": name, "quantity": 1}
            for name in categories
        ],
    )
    return await create_booking(
        session,
        user,
        address,
        partner_id=partner.id if partner else None,
        booking_date=day,
        booking_time=time(hour, minute),
        start_at=at_ist(day, hour, minute),
        end_at=at_ist(day, hour, minute) + timedelta(minutes=90),
        **fields,
    )


@dataclass(frozen=True)
class State:
    """What an admin write could change on a booking."""

    status: str
    payment_status: str
    partner_id: uuid.UUID | None
    assignment_status: str | None
    events: int


async def state_of(session: AsyncSession, booking_id: uuid.UUID | str) -> State:
    """Read fresh, then end the read so SQLite's lock is let go."""
    key = uuid.UUID(str(booking_id))
    booking = (
        await session.execute(
            sa.select(
                Booking.status,
                Booking.payment_status,
                Booking.partner_id,
                Booking.assignment_status,
            ).where(Booking.id == key)
        )
    ).one()
    events = await session.scalar(
        sa.select(sa.func.count()).select_from(BookingEvent).where(BookingEvent.booking_id == key)
    )
    await session.commit()
    return State(
        status=booking.status.value,
        payment_status=booking.payment_status.value,
        partner_id=booking.partner_id,
        assignment_status=booking.assignment_status.value if booking.assignment_status else None,
        events=events or 0,
    )


async def events_of(session: AsyncSession, booking_id: uuid.UUID | str) -> list[tuple[Any, ...]]:
    """(actor type, actor id, field, from, to) of each recorded change, oldest first."""
    rows = await session.execute(
        sa.select(
            BookingEvent.actor_type,
            BookingEvent.actor_id,
            BookingEvent.field,
            BookingEvent.from_value,
            BookingEvent.to_value,
        )
        .where(BookingEvent.booking_id == uuid.UUID(str(booking_id)))
        .order_by(BookingEvent.created_at)
    )
    await session.commit()
    return [(actor.value, actor_id, *rest) for actor, actor_id, *rest in rows]


async def set_status(
    client: httpx.AsyncClient, headers: dict[str, str], booking_id: Any, status: str, **body: Any
) -> httpx.Response:
    return await client.patch(
        f"{BOOKINGS}/{booking_id}/status", json={"status": status, **body}, headers=headers
    )


async def assign(
    client: httpx.AsyncClient, headers: dict[str, str], booking_id: Any, partner_id: Any = None
) -> httpx.Response:
    body = {} if partner_id is None else {"partner_id": str(partner_id)}
    return await client.post(f"{BOOKINGS}/{booking_id}/assign-partner", json=body, headers=headers)

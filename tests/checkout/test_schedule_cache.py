"""The schedule cache (bookings/schedules.py): each process answers the slot search from its
copy until a write to bookings or partners, by any process or by hand in SQL, bumps the
counters the copy was read at."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.bookings.models import Booking, BookingStatus
from minuteserv.core.config import Settings
from minuteserv.core.revisions import CacheRevision
from minuteserv.partners.models import Partner
from tests.checkout.helpers import (
    Customer,
    at_ist,
    book_partner,
    confirm,
    prepare,
    signed_in_customer,
    tomorrow,
)
from tests.conftest import SelectLog
from tests.factories import create_partner, create_service

TEN_AM_VISIT = {"09:00 AM", "09:30 AM", "10:00 AM", "10:30 AM", "11:00 AM"}
"""The slots a 60-minute visit with 30 minutes' travel cannot take while 10:00-11:30 is held."""
VISIT = timedelta(minutes=90)


async def cancel_in_sql(session: AsyncSession, booking: Booking) -> None:
    """Not through the app: the triggers, not the routes, keep the copies honest."""
    await session.execute(
        sa.update(Booking).where(Booking.id == booking.id).values(status=BookingStatus.CANCELLED)
    )
    await session.commit()


@dataclass
class Cart:
    """A signed-in customer's cart of one 60-minute facial, for tomorrow unless told."""

    customer: Customer
    service_id: str
    day: date

    async def slots(self, client: httpx.AsyncClient, day: date | None = None) -> set[str]:
        day = day or self.day
        response = await prepare(
            client, self.customer, [self.service_id], booking_date=day.isoformat()
        )
        assert response.status_code == 200, response.text
        return set(response.json()["data"]["available_slots"])

    async def book(
        self, session: AsyncSession, partner: Partner, start: datetime, end: datetime
    ) -> Booking:
        return await book_partner(session, self.customer, partner.id, start, end)


@pytest.fixture
async def cart(session: AsyncSession, settings: Settings) -> Cart:
    customer = await signed_in_customer(session, settings)
    facial = await create_service(session, duration_minutes=60)
    return Cart(customer, str(facial.id), tomorrow())


async def test_prepare_reads_a_schedule_once_then_only_its_revision(
    client: httpx.AsyncClient, session: AsyncSession, cart: Cart, selects: SelectLog
) -> None:
    await create_partner(session)

    selects.clear()
    first = await cart.slots(client)
    first_reads = selects.naming("FROM partners")
    selects.clear()
    second = await cart.slots(client)

    assert first == second and "10:00 AM" in first
    assert len(first_reads) == 1
    assert not selects.naming("FROM partners")
    assert selects.naming("booking_revisions")


async def test_a_booking_confirmed_through_another_process_leaves_the_next_prepare(
    client: httpx.AsyncClient,
    other_process: httpx.AsyncClient,
    session: AsyncSession,
    cart: Cart,
) -> None:
    await create_partner(session)
    day = cart.day
    assert await cart.slots(client) >= TEN_AM_VISIT

    preview = await prepare(other_process, cart.customer, [cart.service_id], booking_date=str(day))
    booked = await confirm(
        other_process, cart.customer, preview.json()["data"]["preview_id"], day=day, slot="10:00 AM"
    )

    assert booked.status_code == 201, booked.text
    after = await cart.slots(client)
    assert not TEN_AM_VISIT & after
    assert {"08:30 AM", "11:30 AM"} <= after


async def test_a_booking_cancelled_in_sql_frees_its_slots_in_the_next_prepare(
    client: httpx.AsyncClient, session: AsyncSession, cart: Cart
) -> None:
    partner = await create_partner(session)
    day = cart.day
    booking = await cart.book(session, partner, at_ist(day, 10), at_ist(day, 11, 30))
    assert not TEN_AM_VISIT & await cart.slots(client)

    await cancel_in_sql(session, booking)

    assert await cart.slots(client) >= TEN_AM_VISIT


async def test_a_booking_of_the_day_before_running_past_midnight_counts(
    client: httpx.AsyncClient, session: AsyncSession, cart: Cart
) -> None:
    """A day's copy depends on the bookings of the day before too."""
    partner = await create_partner(session)
    day = cart.day
    overnight = await cart.book(
        session, partner, at_ist(day - timedelta(days=1), 23), at_ist(day, 9)
    )
    assert "08:00 AM" not in await cart.slots(client)

    await cancel_in_sql(session, overnight)

    assert "08:00 AM" in await cart.slots(client)


@pytest.mark.parametrize("settings_overrides", [{"slot_end": "23:30", "travel_buffer_minutes": 60}])
async def test_a_booking_of_the_day_after_counts_when_the_last_visit_runs_past_midnight(
    client: httpx.AsyncClient, session: AsyncSession, cart: Cart
) -> None:
    """The 22:30 visit's travel ends at 00:30: a booking at midnight the next day holds it."""
    partner = await create_partner(session)
    day = cart.day
    midnight = at_ist(day + timedelta(days=1), 0)
    booking = await cart.book(session, partner, midnight, midnight + VISIT)
    assert "10:30 PM" not in await cart.slots(client)

    await cancel_in_sql(session, booking)

    assert "10:30 PM" in await cart.slots(client)


async def test_a_booking_deleted_or_unassigned_in_sql_frees_its_partner(
    client: httpx.AsyncClient, session: AsyncSession, cart: Cart
) -> None:
    partner = await create_partner(session)
    day = cart.day
    first = await cart.book(session, partner, at_ist(day, 10), at_ist(day, 11, 30))
    second = await cart.book(session, partner, at_ist(day, 14), at_ist(day, 15, 30))
    assert not {"10:00 AM", "02:00 PM"} & await cart.slots(client)

    await session.execute(sa.delete(Booking).where(Booking.id == first.id))
    await session.execute(sa.update(Booking).where(Booking.id == second.id).values(partner_id=None))
    await session.commit()

    assert {"10:00 AM", "02:00 PM"} <= await cart.slots(client)


async def test_a_partner_added_in_sql_shows_in_the_next_prepare(
    client: httpx.AsyncClient, session: AsyncSession, cart: Cart
) -> None:
    assert await cart.slots(client) == set()

    await create_partner(session)

    assert await cart.slots(client) >= TEN_AM_VISIT


async def test_confirm_ranks_partners_freed_since_the_copy_was_read(
    client: httpx.AsyncClient, session: AsyncSession, cart: Cart
) -> None:
    partner = await create_partner(session)
    day = cart.day
    booking = await cart.book(session, partner, at_ist(day, 10), at_ist(day, 11, 30))
    preview = await prepare(client, cart.customer, [cart.service_id], booking_date=day.isoformat())
    await cancel_in_sql(session, booking)

    booked = await confirm(client, cart.customer, preview.json()["data"]["preview_id"], day=day)

    assert booked.status_code == 201, booked.text


async def test_a_booking_moved_to_another_day_frees_the_old_and_takes_the_new(
    client: httpx.AsyncClient, session: AsyncSession, cart: Cart
) -> None:
    """A move bumps the old booking date and the new one, which here share no neighbour."""
    partner = await create_partner(session)
    day, later = tomorrow(), tomorrow() + timedelta(days=2)
    booking = await cart.book(session, partner, at_ist(day, 8), at_ist(day, 9, 30))
    assert "08:00 AM" not in await cart.slots(client)
    assert "12:00 PM" in await cart.slots(client, later)

    await session.execute(
        sa.update(Booking)
        .where(Booking.id == booking.id)
        .values(booking_date=later, start_at=at_ist(later, 12), end_at=at_ist(later, 13, 30))
    )
    await session.commit()

    assert "08:00 AM" in await cart.slots(client)
    assert "12:00 PM" not in await cart.slots(client, later)


async def test_a_partner_made_unavailable_leaves_the_next_prepare_of_every_process(
    client: httpx.AsyncClient,
    other_process: httpx.AsyncClient,
    session: AsyncSession,
    cart: Cart,
) -> None:
    partner = await create_partner(session)
    for cached in (client, other_process):
        assert await cart.slots(cached)

    await session.execute(
        sa.update(Partner).where(Partner.id == partner.id).values(is_available=False)
    )
    await session.commit()

    for cached in (client, other_process):
        assert await cart.slots(cached) == set()


async def test_a_counter_that_went_missing_and_came_back_never_revives_an_old_copy(
    client: httpx.AsyncClient, session: AsyncSession, cart: Cart
) -> None:
    partner = await create_partner(session)
    assert await cart.slots(client)  # cached at the counter's value
    counter = sa.select(CacheRevision.revision).where(CacheRevision.name == "partners")
    value = await session.scalar(counter)
    await session.execute(sa.delete(CacheRevision).where(CacheRevision.name == "partners"))
    await session.execute(
        sa.update(Partner).where(Partner.id == partner.id).values(is_available=False)
    )  # bumps nothing: the counter is gone
    await session.commit()
    while_missing = await cart.slots(client)

    session.add(CacheRevision(name="partners", revision=value))  # a restore, say
    await session.commit()
    after = await cart.slots(client)

    assert while_missing == after == set()

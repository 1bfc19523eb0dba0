"""`partner_days` (PostgreSQL): after any write to bookings it holds what a count of the live
bookings gives, and confirm's ranking read from it is the ranking read from the bookings."""

import random
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, time, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.pool import NullPool

from minuteserv.bookings.availability import slot_rules
from minuteserv.bookings.models import Booking, BookingStatus
from minuteserv.bookings.reservation import ranked_free_partners
from minuteserv.bookings.slots import BusyRange
from minuteserv.core import migrations
from minuteserv.core.config import Settings
from minuteserv.core.db import create_engine, create_sessionmaker
from minuteserv.partners.models import Partner
from tests.bookings.helpers import kept_and_recounted
from tests.checkout.helpers import Customer, at_ist, book_partner
from tests.factories import create_address, create_partner, create_user

pytestmark = pytest.mark.postgresql_only

DAY = date(2030, 1, 20)
NEXT_DAY = DAY + timedelta(days=1)
BEFORE_PARTNER_DAYS = "f3d1b8a6c2e4"
"""The revision before `partner_days` (a7e3c5d1f9b2) and its backfill."""


@dataclass
class Scene:
    """Two partners' bookings over two days: three of the first's, two of the second's (one
    cancelled), one nobody's yet."""

    first: Partner
    second: Partner
    customer: Customer
    bookings: list[Booking]


async def visit(
    session: AsyncSession,
    customer: Customer,
    partner: Partner | None,
    day: date,
    hour: int,
    *,
    minutes: int = 90,
    **fields: object,
) -> Booking:
    """The customer's booking of `partner` on `day` from `hour`, holding them `minutes`."""
    start = at_ist(day, hour)
    end = start + timedelta(minutes=minutes)
    return await book_partner(
        session, customer, partner.id if partner else None, start, end, **fields
    )


async def a_customer(session: AsyncSession) -> Customer:
    user = await create_user(session)
    return Customer(user, await create_address(session, user), headers={})


async def make_scene(session: AsyncSession) -> Scene:
    first, second = await create_partner(session), await create_partner(session)
    who = await a_customer(session)
    bookings = [
        await visit(session, who, first, DAY, 10),
        await visit(session, who, first, DAY, 12),
        await visit(session, who, first, NEXT_DAY, 10),
        await visit(session, who, second, DAY, 10),
        await visit(session, who, second, DAY, 16, status=BookingStatus.CANCELLED),
        await visit(session, who, None, DAY, 14),
    ]
    return Scene(first, second, who, bookings)


def set_fields(index: int, **fields: object) -> Callable[[AsyncSession, Scene], Awaitable[None]]:
    async def change(session: AsyncSession, scene: Scene) -> None:
        for field, value in fields.items():
            setattr(scene.bookings[index], field, value)

    return change


def to_partner(index: int, which: str) -> Callable[[AsyncSession, Scene], Awaitable[None]]:
    async def change(session: AsyncSession, scene: Scene) -> None:
        scene.bookings[index].partner_id = getattr(scene, which).id

    return change


async def revive_move_and_redate(session: AsyncSession, scene: Scene) -> None:
    """The second partner's cancelled visit, live again, the first's, the next day: one write."""
    booking = scene.bookings[4]
    booking.status, booking.partner_id = BookingStatus.PENDING, scene.first.id
    booking.booking_date = NEXT_DAY
    booking.start_at, booking.end_at = at_ist(NEXT_DAY, 16), at_ist(NEXT_DAY, 17, 30)


async def delete_first(session: AsyncSession, scene: Scene) -> None:
    await session.delete(scene.bookings[0])


async def book_another(session: AsyncSession, scene: Scene) -> None:
    await visit(session, scene.customer, scene.second, NEXT_DAY, 15)


async def delete_a_day(session: AsyncSession, scene: Scene) -> None:
    await session.execute(sa.delete(Booking).where(Booking.booking_date == DAY))


async def shift_all_twelve_hours(session: AsyncSession, scene: Scene) -> None:
    """Every booking later by the same time, in one statement (by less, a partner's next
    visit would still be where the one before it moves, and the constraint refuses that)."""
    later = sa.literal(timedelta(hours=12), sa.Interval())
    await session.execute(
        sa.update(Booking).values(start_at=Booking.start_at + later, end_at=Booking.end_at + later)
    )


async def truncate(session: AsyncSession, scene: Scene) -> None:
    await session.execute(sa.text("TRUNCATE bookings CASCADE"))


CHANGES = {
    "cancelled": set_fields(0, status=BookingStatus.CANCELLED),
    "uncancelled": set_fields(4, status=BookingStatus.PENDING),
    "completed": set_fields(0, status=BookingStatus.COMPLETED),
    "a-days-last-cancelled": set_fields(3, status=BookingStatus.CANCELLED),
    "moved-to-another-partner": to_partner(1, "second"),
    "given-a-partner": to_partner(5, "first"),
    "unassigned": set_fields(0, partner_id=None),
    # Shifted by less than its length: the new range overlaps the one taken out.
    "shifted-30-minutes": set_fields(
        1, start_at=at_ist(DAY, 12, 30), end_at=at_ist(DAY, 14), booking_time=time(12, 30)
    ),
    "moved-to-another-day": set_fields(
        1,
        booking_date=NEXT_DAY,
        start_at=at_ist(NEXT_DAY, 16),
        end_at=at_ist(NEXT_DAY, 17, 30),
        booking_time=time(16),
    ),
    "revived-moved-and-redated": revive_move_and_redate,
    "deleted": delete_first,
    "a-day-deleted": delete_a_day,
    "all-shifted-twelve-hours": shift_all_twelve_hours,
    "another-booked": book_another,
    "truncated": truncate,
}


async def test_partner_days_hold_each_partners_live_bookings_of_each_date(
    session: AsyncSession,
) -> None:
    scene = await make_scene(session)

    kept, recounted = await kept_and_recounted(session)

    assert kept == recounted
    by_key = {(day, partner): (count, len(busy)) for day, partner, count, busy in kept}
    assert by_key == {
        (DAY, scene.first.id): (2, 2),  # 10:00-11:30 and 12:00-13:30: two ranges
        (NEXT_DAY, scene.first.id): (1, 1),
        (DAY, scene.second.id): (1, 1),  # the 16:00 one is cancelled
    }


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
async def test_partner_days_follow_every_write_to_bookings(
    session: AsyncSession, change: Callable[[AsyncSession, Scene], Awaitable[None]]
) -> None:
    scene = await make_scene(session)
    before, _ = await kept_and_recounted(session)

    await change(session, scene)
    await session.commit()

    kept, recounted = await kept_and_recounted(session)
    assert kept == recounted
    assert kept != before or change is CHANGES["completed"]


async def test_the_migration_fills_partner_days_from_the_bookings_there(
    empty_database_url: str,
) -> None:
    engine = create_engine(empty_database_url, poolclass=NullPool)
    try:
        await migrations.upgrade(engine, BEFORE_PARTNER_DAYS)
        async with create_sessionmaker(engine)() as session:
            await make_scene(session)
        await migrations.upgrade(engine)
        async with create_sessionmaker(engine)() as session:
            kept, recounted = await kept_and_recounted(session)
    finally:
        await engine.dispose()

    assert len(kept) == 3 and kept == recounted


# --- The ranking read from partner_days -------------------------------------------------------

PARTNERS = 12
VISIT_HOURS = (9, 11, 13, 15, 17)


async def random_day_of_bookings(session: AsyncSession, seed: int) -> None:
    """PARTNERS partners of random ratings and places, each with up to four visits of random
    lengths on DAY and NEXT_DAY (some cancelled), none running past midnight."""
    chance = random.Random(seed)
    who = await a_customer(session)
    for _ in range(PARTNERS):
        partner = await create_partner(
            session,
            rating=chance.choice([3.0, 4.0, 4.5, 5.0]),
            current_lat=22.5 + chance.random() / 10,
            current_lng=88.3 + chance.random() / 10,
        )
        for day in (DAY, NEXT_DAY):
            hours = sorted(chance.sample(range(8, 20, 3), chance.randint(0, 4)))
            for hour in hours:
                status = chance.choice([BookingStatus.PENDING] * 3 + [BookingStatus.CANCELLED])
                minutes = chance.choice([60, 90, 150])
                await visit(session, who, partner, day, hour, minutes=minutes, status=status)


async def ranking(
    session: AsyncSession, settings: Settings, hour: int, ignore: uuid.UUID | None
) -> list[uuid.UUID]:
    """The partners free for a 90-minute visit at `hour` on DAY, best first."""
    return await ranked_free_partners(
        session,
        slot_rules(settings),
        day=DAY,
        visit=BusyRange(at_ist(DAY, hour), at_ist(DAY, hour) + timedelta(minutes=90)),
        categories={"Facial"},
        lat=22.55,
        lng=88.35,
        ignore_booking=ignore,
    )


@pytest.mark.parametrize("seed", range(4))
async def test_confirms_ranking_from_partner_days_is_the_ranking_from_the_bookings(
    session: AsyncSession, settings: Settings, seed: int
) -> None:
    """Without `ignore_booking` (confirm) the ranking reads `partner_days`; ignoring a booking
    that does not exist, it reads the bookings. The two must agree on who is free and in what
    order, load (a fifth of the score) included."""
    await random_day_of_bookings(session, seed)
    rankings = [await ranking(session, settings, hour, None) for hour in VISIT_HOURS]

    for hour, from_partner_days in zip(VISIT_HOURS, rankings, strict=True):
        assert from_partner_days == await ranking(session, settings, hour, uuid.uuid4())
    assert any(0 < len(ranked) < PARTNERS for ranked in rankings)  # someone was busy

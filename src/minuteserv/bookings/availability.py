"""Which partners can take a visit, and which slots are free: the database side of slots.py."""

import uuid
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.bookings.models import Booking, BookingStatus
from minuteserv.bookings.slots import LONGEST_VISIT, BusyRange, SlotRules, free_slots, today
from minuteserv.core.config import Settings
from minuteserv.core.db import json_array_contains
from minuteserv.partners.models import Partner


def slot_rules(settings: Settings) -> SlotRules:
    return SlotRules(
        zone=settings.zone,
        day_start=settings.slot_start,
        day_end=settings.slot_end,
        step_minutes=settings.slot_step_minutes,
        min_lead=timedelta(minutes=settings.min_lead_minutes),
        max_days_ahead=settings.max_days_ahead,
        travel_buffer=timedelta(minutes=settings.travel_buffer_minutes),
    )


@dataclass(frozen=True, slots=True)
class Schedule:
    """Eligible partners and their live bookings' busy ranges around one day."""

    partners: list[Partner]
    busy: dict[uuid.UUID, list[BusyRange]]

    def busy_of(self, partner_id: uuid.UUID) -> list[BusyRange]:
        return self.busy.get(partner_id, [])

    def load_on(self, partner_id: uuid.UUID, zone: ZoneInfo, day: date) -> int:
        """How many live bookings the partner starts on `day` (business time)."""
        return sum(
            1 for busy in self.busy_of(partner_id) if busy.start_at.astimezone(zone).date() == day
        )


def _covering(session: AsyncSession, categories: Collection[str]) -> list[sa.ColumnElement[bool]]:
    """Active, available partners whose categories cover every category of the cart."""
    return [
        Partner.is_active,
        Partner.is_available,
        *(json_array_contains(session, Partner.service_categories, c) for c in set(categories)),
    ]


async def eligible_partners(session: AsyncSession, categories: Collection[str]) -> list[Partner]:
    return list(
        await session.scalars(
            sa.select(Partner).where(*_covering(session, categories)).order_by(Partner.id)
        )
    )


def day_window(rules: SlotRules, day: date) -> tuple[datetime, datetime]:
    """The business day's bounds in UTC: every visit of the day lies inside them, so every
    booking that could clash with one overlaps them, and every booking starting that day
    starts inside them."""
    start = datetime.combine(day, time.min, tzinfo=rules.zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=rules.zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def _live_in_window(start: datetime, end: datetime) -> list[sa.ColumnElement[bool]]:
    return [
        Booking.status != BookingStatus.CANCELLED,
        Booking.start_at < end,
        Booking.end_at > start,
        # Lets the (partner_id, start_at) index bound the scan from below too.
        Booking.start_at > start - LONGEST_VISIT,
    ]


async def busy_ranges(
    session: AsyncSession, partner_ids: Collection[uuid.UUID], start: datetime, end: datetime
) -> dict[uuid.UUID, list[BusyRange]]:
    if not partner_ids:
        return {}
    rows = await session.execute(
        sa.select(Booking.partner_id, Booking.start_at, Booking.end_at).where(
            Booking.partner_id.in_(partner_ids), *_live_in_window(start, end)
        )
    )
    busy: dict[uuid.UUID, list[BusyRange]] = defaultdict(list)
    for partner_id, start_at, end_at in rows:
        if partner_id is not None:
            busy[partner_id].append(BusyRange(start_at, end_at))
    return busy


async def busy_ranges_of_eligible(
    session: AsyncSession, categories: Collection[str], start: datetime, end: datetime
) -> list[list[BusyRange]]:
    """The busy ranges of each partner covering `categories` (an empty list for a free one),
    in one query: a slot search needs no more of the partners than that."""
    rows = await session.execute(
        sa.select(Partner.id, Booking.start_at, Booking.end_at)
        .outerjoin(Booking, sa.and_(Booking.partner_id == Partner.id, *_live_in_window(start, end)))
        .where(*_covering(session, categories))
    )
    busy: dict[uuid.UUID, list[BusyRange]] = defaultdict(list)
    for partner_id, start_at, end_at in rows:
        ranges = busy[partner_id]
        if start_at is not None:
            ranges.append(BusyRange(start_at, end_at))
    return list(busy.values())


async def schedule_for(
    session: AsyncSession, rules: SlotRules, day: date, categories: Collection[str]
) -> Schedule:
    partners = await eligible_partners(session, categories)
    start, end = day_window(rules, day)
    return Schedule(partners, await busy_ranges(session, [p.id for p in partners], start, end))


async def slots_on(
    session: AsyncSession,
    rules: SlotRules,
    *,
    day: date,
    duration_minutes: int,
    categories: Collection[str],
    now: datetime,
) -> list[time]:
    start, end = day_window(rules, day)
    partners_busy = await busy_ranges_of_eligible(session, categories, start, end)
    return free_slots(rules, day, duration_minutes, now, partners_busy)


async def first_open_day(
    session: AsyncSession,
    rules: SlotRules,
    *,
    duration_minutes: int,
    categories: Collection[str],
    now: datetime,
) -> tuple[date, list[time]]:
    """The first day, from today, that has any free slot (today with none if no day has)."""
    first = today(rules, now)
    for offset in range(rules.max_days_ahead + 1):
        day = first + timedelta(days=offset)
        start, end = day_window(rules, day)
        partners_busy = await busy_ranges_of_eligible(session, categories, start, end)
        if not partners_busy:
            break  # nobody covers the cart on any day
        slots = free_slots(rules, day, duration_minutes, now, partners_busy)
        if slots:
            return day, slots
    return first, []

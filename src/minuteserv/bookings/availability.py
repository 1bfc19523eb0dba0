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


async def eligible_partner_ids(
    session: AsyncSession, categories: Collection[str]
) -> list[uuid.UUID]:
    """The eligible partners' ids: all a slot search needs, without loading whole partners."""
    return list(
        await session.scalars(
            sa.select(Partner.id).where(*_covering(session, categories)).order_by(Partner.id)
        )
    )


def day_window(rules: SlotRules, day: date) -> tuple[datetime, datetime]:
    """The business day's bounds in UTC: every visit of the day lies inside them, so every
    booking that could clash with one overlaps them, and every booking starting that day
    starts inside them."""
    start = datetime.combine(day, time.min, tzinfo=rules.zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=rules.zone)
    return start.astimezone(UTC), end.astimezone(UTC)


async def busy_ranges(
    session: AsyncSession, partner_ids: Collection[uuid.UUID], start: datetime, end: datetime
) -> dict[uuid.UUID, list[BusyRange]]:
    if not partner_ids:
        return {}
    rows = await session.execute(
        sa.select(Booking.partner_id, Booking.start_at, Booking.end_at).where(
            Booking.partner_id.in_(partner_ids),
            Booking.status != BookingStatus.CANCELLED,
            Booking.start_at < end,
            Booking.end_at > start,
            # Lets the (partner_id, start_at) index bound the scan from below too.
            Booking.start_at > start - LONGEST_VISIT,
        )
    )
    busy: dict[uuid.UUID, list[BusyRange]] = defaultdict(list)
    for partner_id, start_at, end_at in rows:
        if partner_id is not None:
            busy[partner_id].append(BusyRange(start_at, end_at))
    return busy


async def schedule_for(
    session: AsyncSession, rules: SlotRules, day: date, categories: Collection[str]
) -> Schedule:
    partners = await eligible_partners(session, categories)
    start, end = day_window(rules, day)
    return Schedule(partners, await busy_ranges(session, [p.id for p in partners], start, end))


async def _free_slots(
    session: AsyncSession,
    rules: SlotRules,
    partner_ids: list[uuid.UUID],
    *,
    day: date,
    duration_minutes: int,
    now: datetime,
) -> list[time]:
    if not partner_ids:
        return []
    start, end = day_window(rules, day)
    busy = await busy_ranges(session, partner_ids, start, end)
    return free_slots(rules, day, duration_minutes, now, [busy.get(p, []) for p in partner_ids])


async def slots_on(
    session: AsyncSession,
    rules: SlotRules,
    *,
    day: date,
    duration_minutes: int,
    categories: Collection[str],
    now: datetime,
) -> list[time]:
    partner_ids = await eligible_partner_ids(session, categories)
    return await _free_slots(
        session, rules, partner_ids, day=day, duration_minutes=duration_minutes, now=now
    )


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
    partner_ids = await eligible_partner_ids(session, categories)
    for offset in range(rules.max_days_ahead + 1 if partner_ids else 0):
        day = first + timedelta(days=offset)
        slots = await _free_slots(
            session, rules, partner_ids, day=day, duration_minutes=duration_minutes, now=now
        )
        if slots:
            return day, slots
    return first, []

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
class EligiblePartner:
    """What choosing a partner needs to know of one (the assignment score's inputs)."""

    id: uuid.UUID
    rating: float
    lat: float | None
    lng: float | None


@dataclass(frozen=True, slots=True)
class Schedule:
    """Eligible partners and their live bookings' busy ranges on one day."""

    partners: list[EligiblePartner]
    busy: dict[uuid.UUID, list[BusyRange]]

    def busy_of_each(self) -> list[list[BusyRange]]:
        return [self.busy_of(partner.id) for partner in self.partners]

    def busy_of(self, partner_id: uuid.UUID) -> list[BusyRange]:
        return self.busy.get(partner_id, [])

    def load_on(self, partner_id: uuid.UUID, zone: ZoneInfo, day: date) -> int:
        """How many live bookings the partner starts on `day` (business time)."""
        return sum(
            1 for busy in self.busy_of(partner_id) if busy.start_at.astimezone(zone).date() == day
        )


def _covering(
    session: AsyncSession, categories: Collection[str]
) -> list[sa.ColumnExpressionArgument[bool]]:
    """Active, available partners whose categories cover every category of the cart."""
    return [
        Partner.is_active,
        Partner.is_available,
        *(json_array_contains(session, Partner.service_categories, c) for c in set(categories)),
    ]


def day_window(rules: SlotRules, day: date) -> tuple[datetime, datetime]:
    """UTC bounds holding the whole business day and every visit of it (the last one's travel
    may run past midnight): every booking that could clash with a visit overlaps them, and
    every booking starting that day starts inside them."""
    start = datetime.combine(day, time.min, tzinfo=rules.zone)
    midnight = datetime.combine(day + timedelta(days=1), time.min, tzinfo=rules.zone)
    last_visit_ends = datetime.combine(day, rules.day_end, tzinfo=rules.zone) + rules.travel_buffer
    return start.astimezone(UTC), max(midnight, last_visit_ends).astimezone(UTC)


def live_overlapping(start: datetime, end: datetime) -> list[sa.ColumnElement[bool]]:
    """Conditions for a live booking overlapping [start, end)."""
    return [
        Booking.status != BookingStatus.CANCELLED,
        Booking.start_at < end,
        Booking.end_at > start,
        # Lets the (partner_id, start_at) index bound the scan from below too.
        Booking.start_at > start - LONGEST_VISIT,
    ]


async def schedule_for(
    session: AsyncSession, rules: SlotRules, day: date, categories: Collection[str]
) -> Schedule:
    """The partners covering `categories` with their busy ranges on `day`, in one query."""
    start, end = day_window(rules, day)
    connection = await session.connection()  # plain rows: the ORM's result layer costs more
    rows = await connection.execute(
        sa.select(
            Partner.id,
            Partner.rating,
            Partner.current_lat,
            Partner.current_lng,
            Booking.start_at,
            Booking.end_at,
        )
        .outerjoin(
            Booking, sa.and_(Booking.partner_id == Partner.id, *live_overlapping(start, end))
        )
        .where(*_covering(session, categories))
        .order_by(Partner.id)
    )
    partners: dict[uuid.UUID, EligiblePartner] = {}
    busy: dict[uuid.UUID, list[BusyRange]] = defaultdict(list)
    for partner_id, rating, lat, lng, start_at, end_at in rows:
        if partner_id not in partners:
            partners[partner_id] = EligiblePartner(partner_id, rating, lat, lng)
        if start_at is not None:
            busy[partner_id].append(BusyRange(start_at, end_at))
    return Schedule(list(partners.values()), busy)


async def slots_on(
    session: AsyncSession,
    rules: SlotRules,
    *,
    day: date,
    duration_minutes: int,
    categories: Collection[str],
    now: datetime,
) -> list[time]:
    schedule = await schedule_for(session, rules, day, categories)
    return free_slots(rules, day, duration_minutes, now, schedule.busy_of_each())


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
        schedule = await schedule_for(session, rules, day, categories)
        if not schedule.partners:
            break  # nobody covers the cart on any day
        slots = free_slots(rules, day, duration_minutes, now, schedule.busy_of_each())
        if slots:
            return day, slots
    return first, []

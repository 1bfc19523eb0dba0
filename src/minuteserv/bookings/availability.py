"""Which partners can take a visit, and which slots are free: the database side of slots.py."""

import uuid
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.bookings.models import Booking, BookingStatus
from minuteserv.bookings.slots import LONGEST_VISIT, BusyRange, SlotRules, free_slots, today
from minuteserv.core.config import Settings
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


async def eligible_partners(session: AsyncSession, categories: Collection[str]) -> list[Partner]:
    """Active, available partners whose categories cover every category of the cart."""
    partners = await session.scalars(
        sa.select(Partner).where(Partner.is_active, Partner.is_available).order_by(Partner.id)
    )
    needed = set(categories)
    return [partner for partner in partners if needed <= set(partner.service_categories)]


def day_window(rules: SlotRules, day: date) -> tuple[datetime, datetime]:
    """UTC bounds that catch every booking overlapping the business day (with a day's margin)."""
    start = datetime.combine(day, time.min, tzinfo=rules.zone)
    return start - timedelta(days=1), start + timedelta(days=2)


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
    partners: list[Partner],
    *,
    day: date,
    duration_minutes: int,
    now: datetime,
) -> list[time]:
    if not partners:
        return []
    start, end = day_window(rules, day)
    busy = await busy_ranges(session, [p.id for p in partners], start, end)
    return free_slots(rules, day, duration_minutes, now, [busy.get(p.id, []) for p in partners])


async def slots_on(
    session: AsyncSession,
    rules: SlotRules,
    *,
    day: date,
    duration_minutes: int,
    categories: Collection[str],
    now: datetime,
) -> list[time]:
    partners = await eligible_partners(session, categories)
    return await _free_slots(
        session, rules, partners, day=day, duration_minutes=duration_minutes, now=now
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
    partners = await eligible_partners(session, categories)
    for offset in range(rules.max_days_ahead + 1 if partners else 0):
        day = first + timedelta(days=offset)
        slots = await _free_slots(
            session, rules, partners, day=day, duration_minutes=duration_minutes, now=now
        )
        if slots:
            return day, slots
    return first, []

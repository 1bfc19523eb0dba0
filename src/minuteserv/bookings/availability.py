"""Which partners can take a visit, and which slots are free: the database side of slots.py."""

import uuid
from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from minuteserv.bookings.models import Booking, BookingStatus
from minuteserv.bookings.slots import LONGEST_VISIT, SlotRules, Span
from minuteserv.core.config import Settings
from minuteserv.core.db import json_array_contains, seconds_aggregated
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


class EligiblePartner(NamedTuple):
    """What choosing a partner needs to know of one (the assignment score's inputs), and the
    spans of their live bookings on the day, in no order (a tuple: a request makes hundreds)."""

    id: uuid.UUID
    rating: float
    lat: float | None
    lng: float | None
    busy: list[Span]

    def load_on(self, day: Span) -> int:
        """How many live bookings the partner starts within `day` (see `day_bounds`)."""
        first, end = day
        return sum(1 for start, _ in self.busy if first <= start < end)


def day_window(rules: SlotRules, day: date) -> tuple[datetime, datetime]:
    """UTC bounds holding the whole business day and every visit of it (the last one's travel
    may run past midnight): every booking that could clash with a visit overlaps them, and
    every booking starting that day starts inside them."""
    start = datetime.combine(day, time.min, tzinfo=rules.zone)
    midnight = datetime.combine(day + timedelta(days=1), time.min, tzinfo=rules.zone)
    last_visit_ends = datetime.combine(day, rules.day_end, tzinfo=rules.zone) + rules.travel_buffer
    return start.astimezone(UTC), max(midnight, last_visit_ends).astimezone(UTC)


def live_overlapping(
    start: datetime | sa.BindParameter[datetime],
    end: datetime | sa.BindParameter[datetime],
    earliest_start: datetime | sa.BindParameter[datetime],
) -> list[sa.ColumnElement[bool]]:
    """Conditions for a live booking overlapping [start, end); `earliest_start`, at most
    LONGEST_VISIT before `start`, lets the (partner_id, start_at) indexes bound their scan
    from below too."""
    return [
        # Written into the SQL, not bound: a generic plan could not match a bound value to
        # the partial indexes' `status <> 'cancelled'`.
        Booking.status
        != sa.literal(BookingStatus.CANCELLED, Booking.status.type, literal_execute=True),
        Booking.start_at < end,
        Booking.end_at > start,
        Booking.start_at > earliest_start,
    ]


@lru_cache(maxsize=256)
def _schedule_query(dialect: str, categories: frozenset[str]) -> sa.Select[Any]:
    """Active, available partners covering every category, a row each, with their live
    bookings overlapping the window [start, end) aggregated into two lists of seconds. Built
    once for each set of categories: building and hashing a statement this size costs more
    CPU than running it."""
    booked = Booking.start_at.is_not(None)  # not the id, which would send the scan to the table
    window = live_overlapping(
        sa.bindparam("start"), sa.bindparam("end"), sa.bindparam("earliest_start")
    )
    return (
        sa.select(
            Partner.id,
            Partner.rating,
            Partner.current_lat,
            Partner.current_lng,
            seconds_aggregated(dialect, Booking.start_at, where=booked),
            seconds_aggregated(dialect, Booking.end_at, where=booked, round_up=True),
        )
        .outerjoin(Booking, sa.and_(Booking.partner_id == Partner.id, *window))
        .where(
            Partner.is_active,
            Partner.is_available,
            *(json_array_contains(dialect, Partner.service_categories, c) for c in categories),
        )
        .group_by(Partner.id)
        .order_by(Partner.id)
    )


async def read_schedule(
    connection: AsyncConnection, rules: SlotRules, day: date, categories: Collection[str]
) -> list[EligiblePartner]:
    """The partners covering `categories` with their busy spans on `day`, in one query that
    returns a row a partner, not a row a booking."""
    start, end = day_window(rules, day)
    query = _schedule_query(connection.dialect.name, frozenset(categories))
    rows = await connection.execute(
        query, {"start": start, "end": end, "earliest_start": start - LONGEST_VISIT}
    )
    return [
        EligiblePartner(
            partner_id, rating, lat, lng, list(zip(starts or (), ends or (), strict=True))
        )
        for partner_id, rating, lat, lng, starts, ends in rows
    ]


async def schedule_for(
    session: AsyncSession, rules: SlotRules, day: date, categories: Collection[str]
) -> list[EligiblePartner]:
    """`read_schedule` in the session's transaction, its own writes included."""
    # plain rows from the connection: the ORM's result layer costs more
    return await read_schedule(await session.connection(), rules, day, categories)

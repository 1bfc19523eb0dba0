"""Which partners can take a visit, and which slots are free: the database side of slots.py."""

import uuid
from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from minuteserv.bookings.models import Booking, BookingStatus
from minuteserv.bookings.partner_days import PartnerDay
from minuteserv.bookings.slots import LONGEST_VISIT, BusyRange, SlotRules, Span
from minuteserv.core.config import Settings
from minuteserv.core.db import json_array_contains, seconds_aggregated
from minuteserv.partners.assignment import score
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


def day_window(rules: SlotRules, day: date) -> tuple[datetime, datetime]:
    """UTC bounds holding the whole business day and every visit of it (the last one's travel
    may run past midnight): every booking that could clash with a visit overlaps them, and
    every booking starting that day starts inside them."""
    start = datetime.combine(day, time.min, tzinfo=rules.zone)
    midnight = datetime.combine(day + timedelta(days=1), time.min, tzinfo=rules.zone)
    last_visit_ends = datetime.combine(day, rules.day_end, tzinfo=rules.zone) + rules.travel_buffer
    return start.astimezone(UTC), max(midnight, last_visit_ends).astimezone(UTC)


def live() -> sa.ColumnElement[bool]:
    """A booking that holds its partner's time."""
    # Written into the SQL, not bound: a generic plan could not match a bound value to the
    # partial indexes' `status <> 'cancelled'`.
    return Booking.status != sa.literal_column(f"'{BookingStatus.CANCELLED.value}'")


def live_overlapping(
    start: datetime | sa.BindParameter[datetime],
    end: datetime | sa.BindParameter[datetime],
    earliest_start: datetime | sa.BindParameter[datetime],
) -> list[sa.ColumnElement[bool]]:
    """Conditions for a live booking overlapping [start, end); `earliest_start`, at most
    LONGEST_VISIT before `start`, lets the (partner_id, start_at) indexes bound their scan
    from below too."""
    return [
        live(),
        Booking.start_at < end,
        Booking.end_at > start,
        Booking.start_at > earliest_start,
    ]


@lru_cache(maxsize=256)
def _schedule_query(dialect: str, categories: frozenset[str]) -> sa.Select[Any]:
    """A row for each eligible partner: their live bookings overlapping the window
    [start, end) aggregated into two lists of seconds. Built once for each set of
    categories: building and hashing a statement this size costs more CPU than running it."""
    booked = Booking.start_at.is_not(None)  # not the id, which would send the scan to the table
    window = live_overlapping(
        sa.bindparam("start"), sa.bindparam("end"), sa.bindparam("earliest_start")
    )
    return (
        sa.select(
            seconds_aggregated(dialect, Booking.start_at, where=booked),
            seconds_aggregated(dialect, Booking.end_at, where=booked, round_up=True),
        )
        .select_from(Partner)
        .outerjoin(Booking, sa.and_(Booking.partner_id == Partner.id, *window))
        .where(*eligible(dialect, categories))
        .group_by(Partner.id)
    )


async def read_schedule(
    connection: AsyncConnection, rules: SlotRules, day: date, categories: Collection[str]
) -> list[list[Span]]:
    """The busy spans on `day` of each partner covering `categories`, in no order, from one
    query that returns a row a partner, not a row a booking."""
    start, end = day_window(rules, day)
    query = _schedule_query(connection.dialect.name, frozenset(categories))
    rows = await connection.execute(
        query, {"start": start, "end": end, "earliest_start": start - LONGEST_VISIT}
    )
    return [list(zip(starts or (), ends or (), strict=True)) for starts, ends in rows]


def eligible(dialect: str, categories: frozenset[str]) -> list[sa.ColumnExpressionArgument[bool]]:
    """Active, available partners covering every one of `categories`."""
    return [
        Partner.is_active,
        Partner.is_available,
        *(
            json_array_contains(dialect, Partner.service_categories, c, written_in=True)
            for c in categories
        ),
    ]


@lru_cache(maxsize=256)
def scored_free_partners(
    dialect: str, categories: frozenset[str], *, ignoring: bool
) -> sa.Select[Any]:
    """Eligible partners with no live booking overlapping [start, end), a row each with their
    assignment score for a visit to (lat, lng), their load being the live bookings they have
    on `day`; with `ignoring`, neither counts the booking `ignore`. On PostgreSQL (unless
    ignoring) the day's `partner_days` rows answer both: a booking of the day before that
    runs past midnight is missed there, so whoever takes a partner checks them again."""
    if dialect == "postgresql" and not ignoring:
        free = _free_by_partner_days(categories)
    else:
        free = _free_by_bookings(dialect, categories, ignoring=ignoring)
    best = score(
        rating=free.c.rating,
        day_load=free.c.day_load,
        partner_lat=free.c.lat,
        partner_lng=free.c.lng,
        lat=sa.bindparam("lat", type_=sa.Float),
        lng=sa.bindparam("lng", type_=sa.Float),
    )
    return sa.select(free.c.id, best.label("score"))


def _free_by_partner_days(categories: frozenset[str]) -> sa.Subquery:
    """`_free` from the day's `partner_days` rows (bookings/partner_days.py), read in one scan
    and joined to the partners, where the bookings would cost two index scans a partner."""
    day = (
        sa.select(PartnerDay.partner_id, PartnerDay.booking_count, PartnerDay.busy)
        .where(PartnerDay.booking_date == sa.bindparam("day"))
        .offset(sa.literal_column("0"))  # a fence: one scan of the day, not a probe a partner
        .subquery("day")
    )
    busy = day.c.busy.op("&&", return_type=sa.Boolean)(visit_range())
    return _free(
        "postgresql",
        categories,
        day_load=sa.func.coalesce(day.c.booking_count, 0),
        free=~sa.func.coalesce(busy, sa.false()),
        joined=sa.outerjoin(Partner, day, day.c.partner_id == Partner.id),
    )


def _free_by_bookings(dialect: str, categories: frozenset[str], *, ignoring: bool) -> sa.Subquery:
    """`_free` from each partner's bookings, with two probes of the (partner_id, start_at)
    index: whether they are busy, and how many they start on the day, [day_start, day_end)."""
    on_partner = Booking.partner_id == Partner.id
    busy = sa.select(Booking.id).where(
        on_partner,
        *live_overlapping(
            sa.bindparam("start"), sa.bindparam("end"), sa.bindparam("earliest_start")
        ),
    )
    started = (
        sa.select(sa.func.count())
        .select_from(Booking)
        .where(
            on_partner,
            live(),
            Booking.start_at >= sa.bindparam("day_start"),
            Booking.start_at < sa.bindparam("day_end"),
        )
    )
    if ignoring:
        busy = busy.where(Booking.id != sa.bindparam("ignore"))
        started = started.where(Booking.id != sa.bindparam("ignore"))
    return _free(
        dialect,
        categories,
        day_load=started.scalar_subquery(),
        free=~busy.exists(),
        joined=Partner.__table__,
    )


def _free(
    dialect: str,
    categories: frozenset[str],
    *,
    day_load: sa.ColumnElement[int],
    free: sa.ColumnElement[bool],
    joined: sa.FromClause,
) -> sa.Subquery:
    """The eligible partners that `free` holds for, from `joined`, each with what the score
    needs: rating, `day_load` and position."""
    return (
        sa.select(
            Partner.id,
            sa.cast(Partner.rating, sa.Float).label("rating"),
            day_load.label("day_load"),
            sa.cast(Partner.current_lat, sa.Float).label("lat"),
            sa.cast(Partner.current_lng, sa.Float).label("lng"),
        )
        .select_from(joined)
        .where(*eligible(dialect, categories), free)
        # A fence: merged into the query around it, the load would be counted twice.
        .offset(sa.literal_column("0"))
        .subquery("free")
    )


HALF_OPEN: sa.ColumnElement[str] = sa.literal_column("'[)'")


def half_open_range(
    start: sa.ColumnExpressionArgument[datetime], end: sa.ColumnExpressionArgument[datetime]
) -> sa.ColumnElement[Any]:
    """PostgreSQL's [start, end), as the exclusion constraint's index has it ('[)' written in
    the SQL, so that index answers an overlap with it)."""
    return sa.func.tstzrange(start, end, HALF_OPEN)


def visit_range() -> sa.ColumnElement[Any]:
    """The visit's [`start`, `end`), on PostgreSQL."""
    at = sa.DateTime(timezone=True)
    return half_open_range(sa.bindparam("start", type_=at), sa.bindparam("end", type_=at))


def free_partner_params(
    rules: SlotRules,
    *,
    day: date,
    visit: BusyRange,
    lat: float | None,
    lng: float | None,
    ignore_booking: uuid.UUID | None,
) -> dict[str, Any]:
    """The parameters of `scored_free_partners`."""
    return {
        "start": visit.start_at,
        "end": visit.end_at,
        "earliest_start": visit.start_at - LONGEST_VISIT,
        "day_start": datetime.combine(day, time.min, tzinfo=rules.zone),
        "day_end": datetime.combine(day + timedelta(days=1), time.min, tzinfo=rules.zone),
        "day": day,
        "ignore": ignore_booking,
        "lat": lat,
        "lng": lng,
    }

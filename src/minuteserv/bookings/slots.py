"""Slot arithmetic in the business time zone: pure, `now` is an argument."""

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from operator import attrgetter
from typing import NamedTuple
from zoneinfo import ZoneInfo

LONGEST_VISIT = timedelta(days=1)
"""No visit (services plus travel, inside one day's hours) is longer: a booking that overlaps a
range starts less than this before it, which bounds overlap queries on `start_at` alone."""


@dataclass(frozen=True, slots=True)
class SlotRules:
    """The bookable window: daily hours, step, lead time and horizon, in `zone`."""

    zone: ZoneInfo
    day_start: time
    day_end: time
    step_minutes: int
    min_lead: timedelta
    max_days_ahead: int
    travel_buffer: timedelta


class BusyRange(NamedTuple):
    """A partner's [start_at, end_at) (a tuple: the slot search makes a thousand a request)."""

    start_at: datetime
    end_at: datetime


def format_slot(slot: time) -> str:
    """`10:00 AM`, the form slots are returned in."""
    return slot.strftime("%I:%M %p")


def parse_slot(text: str) -> time:
    """Accept `10:00 AM` or `10:00`; ValueError for anything else."""
    cleaned = " ".join(text.strip().upper().split())
    for pattern in ("%I:%M %p", "%H:%M"):
        try:
            return datetime.strptime(cleaned, pattern).time()
        except ValueError:
            continue
    raise ValueError("a time like '10:00 AM' or '10:00'")


def today(rules: SlotRules, now: datetime) -> date:
    return now.astimezone(rules.zone).date()


def visit_range(rules: SlotRules, day: date, slot: time, duration_minutes: int) -> BusyRange:
    """The partner's busy range for a visit: the service time plus the travel buffer."""
    start = datetime.combine(day, slot, tzinfo=rules.zone).astimezone(UTC)
    return BusyRange(start, start + timedelta(minutes=duration_minutes) + rules.travel_buffer)


def day_slots(rules: SlotRules, day: date, duration_minutes: int) -> list[time]:
    """Every start time of the day whose service ends by the close of the day."""
    slots, cursor = [], datetime.combine(day, rules.day_start)
    closing = datetime.combine(day, rules.day_end)
    while cursor + timedelta(minutes=duration_minutes) <= closing:
        slots.append(cursor.time())
        cursor += timedelta(minutes=rules.step_minutes)
    return slots


def is_bookable_day(rules: SlotRules, day: date, now: datetime) -> bool:
    first = today(rules, now)
    return first <= day <= first + timedelta(days=rules.max_days_ahead)


def upcoming_slots(rules: SlotRules, day: date, duration_minutes: int, now: datetime) -> list[time]:
    """The day's slots that start at least the lead time from now, within the horizon."""
    if not is_bookable_day(rules, day, now):
        return []
    earliest = now + rules.min_lead
    return [
        slot
        for slot in day_slots(rules, day, duration_minutes)
        if visit_range(rules, day, slot, duration_minutes).start_at >= earliest
    ]


def overlaps(candidate: BusyRange, taken: Iterable[BusyRange]) -> bool:
    return any(
        busy.start_at < candidate.end_at and candidate.start_at < busy.end_at for busy in taken
    )


def free_slots(
    rules: SlotRules,
    day: date,
    duration_minutes: int,
    now: datetime,
    partners_busy: Sequence[Sequence[BusyRange]],
) -> list[time]:
    """Slots for which at least one of the eligible partners (their busy ranges given) is free.

    Every gap in a partner's day holds a run of consecutive visits (all visits last as long),
    found by bisection and marked in a difference array: the cost grows with the bookings,
    not with bookings times slots."""
    slots = upcoming_slots(rules, day, duration_minutes, now)
    # By their instant: on a day the clocks change, local order and UTC order can differ.
    visits = sorted((visit_range(rules, day, slot, duration_minutes), slot) for slot in slots)
    starts = [visit.start_at for visit, _ in visits]
    ends = [visit.end_at for visit, _ in visits]
    partners_free = [0] * (len(visits) + 1)
    for busy in partners_busy:
        for gap_start, gap_end in _gaps(busy):
            first = 0 if gap_start is None else bisect_left(starts, gap_start)
            stop = len(visits) if gap_end is None else bisect_right(ends, gap_end)
            if first < stop:
                partners_free[first] += 1
                partners_free[stop] -= 1
    counts = accumulate(partners_free)
    free = {slot for (_, slot), count in zip(visits, counts, strict=False) if count}
    return [slot for slot in slots if slot in free]


def _gaps(busy: Iterable[BusyRange]) -> Iterator[tuple[datetime | None, datetime | None]]:
    """The free stretches between a partner's busy ranges; None is an open end."""
    free_from: datetime | None = None
    for taken in sorted(busy, key=attrgetter("start_at")):
        if free_from is None or free_from < taken.start_at:
            yield free_from, taken.start_at
        free_from = taken.end_at if free_from is None else max(free_from, taken.end_at)
    yield free_from, None

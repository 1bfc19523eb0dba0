"""Slot arithmetic in the business time zone: pure, `now` is an argument."""

import math
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate, chain
from operator import itemgetter
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
    """A partner's [start_at, end_at)."""

    start_at: datetime
    end_at: datetime


Span = tuple[int, int]
"""A busy range as [start, end) in whole seconds since the epoch, the form the slot search
reads and compares them in: it goes through a thousand a request, and the database hands
integers over, and Python compares them, far faster than datetimes. Visits start and end on
whole minutes; any other range is widened to whole seconds, never narrowed."""


def span_of(busy: BusyRange) -> Span:
    return math.floor(busy.start_at.timestamp()), math.ceil(busy.end_at.timestamp())


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


def is_upcoming_slot(
    rules: SlotRules, day: date, slot: time, duration_minutes: int, now: datetime
) -> bool:
    """Whether `slot` is one of `upcoming_slots`, without listing the day's slots."""
    if not is_bookable_day(rules, day, now):
        return False
    offset = datetime.combine(day, slot) - datetime.combine(day, rules.day_start)
    closing = datetime.combine(day, rules.day_end)
    return (
        offset >= timedelta(0)
        and offset % timedelta(minutes=rules.step_minutes) == timedelta(0)
        and datetime.combine(day, slot) + timedelta(minutes=duration_minutes) <= closing
        and visit_range(rules, day, slot, duration_minutes).start_at >= now + rules.min_lead
    )


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


class FreeTime:
    """Every eligible partner's free stretches on a day, indexed to answer whether a visit fits
    one of them.

    A visit fits a partner when one of their gaps starts by the visit's start and ends after
    its end. With every partner's gaps sorted by start, the furthest end among those starting
    by an instant is a running maximum, so each visit is one bisection: building costs the
    bookings, asking costs a logarithm of them."""

    __slots__ = ("_furthest_end", "_gap_starts")

    def __init__(self, partners_busy: Iterable[Iterable[Span]]) -> None:
        # By start alone: among gaps starting together the order does not matter.
        gaps = sorted(chain.from_iterable(map(_gaps, partners_busy)), key=itemgetter(0))
        self._gap_starts = list(map(itemgetter(0), gaps))
        self._furthest_end = list(accumulate(map(itemgetter(1), gaps), max))

    def fits(self, visit: Span) -> bool:
        start, end = visit
        opened = bisect_right(self._gap_starts, start)
        return opened > 0 and self._furthest_end[opened - 1] >= end


def free_slots(
    rules: SlotRules, day: date, duration_minutes: int, now: datetime, free_time: FreeTime
) -> list[time]:
    """The day's upcoming slots whose visit fits at least one eligible partner."""
    return [
        slot
        for slot in upcoming_slots(rules, day, duration_minutes, now)
        if free_time.fits(span_of(visit_range(rules, day, slot, duration_minutes)))
    ]


def _gaps(busy: Iterable[Span]) -> Iterator[tuple[float, float]]:
    """The stretches between a partner's busy ranges, open ends infinite: from the furthest
    end so far to the next start. Where ranges touch or overlap a stretch is empty or inverted,
    and no visit fits in it (kept: testing for them costs more than they do)."""
    free_from = -math.inf
    for start, end in sorted(busy):
        yield free_from, start
        if end > free_from:
            free_from = end
    yield free_from, math.inf

"""free_slots against the rule it implements, checked slot by slot: a slot is offered when at
least one eligible partner has no busy range overlapping its visit."""

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from minuteserv.bookings.availability import day_window
from minuteserv.bookings.slots import (
    BusyRange,
    FreeTime,
    SlotRules,
    Span,
    free_slots,
    is_upcoming_slot,
    span_of,
    upcoming_slots,
    visit_range,
)

RULES = SlotRules(
    zone=ZoneInfo("Asia/Kolkata"),
    day_start=time(8),
    day_end=time(20),
    step_minutes=30,
    min_lead=timedelta(minutes=60),
    max_days_ahead=30,
    travel_buffer=timedelta(minutes=30),
)
DAY = date(2026, 12, 10)
NOW = datetime(2026, 12, 9, 12, tzinfo=UTC)
DAY_OPENS = datetime.combine(DAY, time(8), tzinfo=RULES.zone)


SPRING_FORWARD = SlotRules(
    zone=ZoneInfo("America/New_York"),
    day_start=time(0),
    day_end=time(23),
    step_minutes=30,
    min_lead=timedelta(minutes=60),
    max_days_ahead=30,
    travel_buffer=timedelta(minutes=30),
)
"""A zone whose clocks skip 02:00 to 03:00 on DST_DAY: local and UTC slot order differ."""
DST_DAY = date(2026, 3, 8)
DST_NOW = datetime(2026, 3, 7, 12, tzinfo=UTC)


def offered_by_definition(
    duration: int, partners_busy: list[list[BusyRange]], rules: SlotRules = RULES, day: date = DAY
) -> list[time]:
    return [
        slot
        for slot in upcoming_slots(rules, day, duration, NOW if day == DAY else DST_NOW)
        if any(not clashes(visit_range(rules, day, slot, duration), busy) for busy in partners_busy)
    ]


def clashes(visit: BusyRange, taken: list[BusyRange]) -> bool:
    return any(busy.start_at < visit.end_at and visit.start_at < busy.end_at for busy in taken)


def as_spans(partners_busy: list[list[BusyRange]]) -> list[list[Span]]:
    return [[span_of(busy) for busy in partner] for partner in partners_busy]


def busy(start_minutes: int, length_minutes: int, opens: datetime = DAY_OPENS) -> BusyRange:
    start = opens + timedelta(minutes=start_minutes)
    return BusyRange(start, start + timedelta(minutes=length_minutes))


def random_day(draw: random.Random, opens: datetime = DAY_OPENS) -> list[BusyRange]:
    """Ranges anywhere from the evening before to the morning after, some overlapping, some
    touching, in any order."""
    return [
        busy(draw.randrange(-16 * 60, 16 * 60, 5), draw.randrange(5, 240, 5), opens)
        for _ in range(draw.randrange(0, 8))
    ]


@pytest.mark.parametrize("seed", range(300))
def test_free_slots_agree_with_the_definition_on_random_days(seed: int) -> None:
    draw = random.Random(seed)
    duration = draw.choice([30, 45, 60, 105, 240])
    partners_busy = [random_day(draw) for _ in range(draw.randrange(0, 6))]

    assert free_slots(
        RULES, DAY, duration, NOW, FreeTime(as_spans(partners_busy))
    ) == offered_by_definition(duration, partners_busy)


@pytest.mark.parametrize("seed", range(300))
def test_free_slots_agree_with_the_definition_when_the_clocks_change(seed: int) -> None:
    draw = random.Random(seed)
    duration = draw.choice([30, 60, 105])
    opens = datetime.combine(DST_DAY, time(0), tzinfo=SPRING_FORWARD.zone)
    partners_busy = [random_day(draw, opens) for _ in range(draw.randrange(0, 4))]

    offered = free_slots(
        SPRING_FORWARD, DST_DAY, duration, DST_NOW, FreeTime(as_spans(partners_busy))
    )

    assert offered == offered_by_definition(duration, partners_busy, SPRING_FORWARD, DST_DAY)


def test_a_visit_may_start_when_a_booking_ends_and_end_when_the_next_starts() -> None:
    # 60 minutes of service and 30 of travel: 10:00 to 11:30 fits exactly between the two.
    partner = [busy(0, 120), busy(210, 60)]

    offered = free_slots(RULES, DAY, 60, NOW, FreeTime(as_spans([partner])))

    assert time(10) in offered
    assert time(9, 30) not in offered
    assert time(10, 30) not in offered


def test_no_partner_means_no_slot_and_a_free_partner_means_every_slot() -> None:
    every_slot = upcoming_slots(RULES, DAY, 60, NOW)

    assert free_slots(RULES, DAY, 60, NOW, FreeTime([])) == []
    assert free_slots(RULES, DAY, 60, NOW, FreeTime(as_spans([[busy(0, 720)], []]))) == every_slot


def test_the_day_window_holds_a_last_visit_whose_travel_runs_past_midnight() -> None:
    late = SlotRules(
        zone=RULES.zone,
        day_start=time(8),
        day_end=time(23, 30),
        step_minutes=30,
        min_lead=RULES.min_lead,
        max_days_ahead=RULES.max_days_ahead,
        travel_buffer=timedelta(minutes=60),
    )
    midnight = datetime.combine(DAY + timedelta(days=1), time(0), tzinfo=RULES.zone)

    assert day_window(RULES, DAY) == (DAY_OPENS - timedelta(hours=8), midnight)
    assert day_window(late, DAY)[1] == midnight + timedelta(minutes=30)


@pytest.mark.parametrize(
    ("rules", "day", "now"), [(RULES, DAY, NOW), (SPRING_FORWARD, DST_DAY, DST_NOW)]
)
def test_a_slot_is_upcoming_exactly_when_upcoming_slots_lists_it(
    rules: SlotRules, day: date, now: datetime
) -> None:
    """Confirm checks one slot without listing the day's: every minute of the day (on and off
    the step, before opening, past closing), for short and long visits, today and far ahead."""
    minutes = [time(hour, minute) for hour in range(24) for minute in range(60)]
    for days_ahead in (-1, 0, 1, rules.max_days_ahead, rules.max_days_ahead + 1):
        when = day + timedelta(days=days_ahead)
        for duration in (30, 60, 90, 330):
            listed = set(upcoming_slots(rules, when, duration, now))
            checked = {
                slot for slot in minutes if is_upcoming_slot(rules, when, slot, duration, now)
            }
            assert checked == listed

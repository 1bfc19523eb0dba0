"""free_slots against the rule it implements, checked slot by slot: a slot is offered when at
least one eligible partner has no busy range overlapping its visit."""

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from minuteserv.bookings.slots import (
    BusyRange,
    SlotRules,
    free_slots,
    overlaps,
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


def offered_by_definition(duration: int, partners_busy: list[list[BusyRange]]) -> list[time]:
    return [
        slot
        for slot in upcoming_slots(RULES, DAY, duration, NOW)
        if any(
            not overlaps(visit_range(RULES, DAY, slot, duration), busy) for busy in partners_busy
        )
    ]


def busy(start_minutes: int, length_minutes: int) -> BusyRange:
    start = DAY_OPENS + timedelta(minutes=start_minutes)
    return BusyRange(start, start + timedelta(minutes=length_minutes))


def random_day(draw: random.Random) -> list[BusyRange]:
    """Ranges anywhere from the evening before to the morning after, some overlapping, some
    touching, in any order."""
    return [
        busy(draw.randrange(-16 * 60, 16 * 60, 5), draw.randrange(5, 240, 5))
        for _ in range(draw.randrange(0, 8))
    ]


@pytest.mark.parametrize("seed", range(300))
def test_free_slots_agree_with_the_definition_on_random_days(seed: int) -> None:
    draw = random.Random(seed)
    duration = draw.choice([30, 45, 60, 105, 240])
    partners_busy = [random_day(draw) for _ in range(draw.randrange(0, 6))]

    assert free_slots(RULES, DAY, duration, NOW, partners_busy) == offered_by_definition(
        duration, partners_busy
    )


def test_a_visit_may_start_when_a_booking_ends_and_end_when_the_next_starts() -> None:
    # 60 minutes of service and 30 of travel: 10:00 to 11:30 fits exactly between the two.
    partner = [busy(0, 120), busy(210, 60)]

    offered = free_slots(RULES, DAY, 60, NOW, [partner])

    assert time(10) in offered
    assert time(9, 30) not in offered
    assert time(10, 30) not in offered


def test_no_partner_means_no_slot_and_a_free_partner_means_every_slot() -> None:
    every_slot = upcoming_slots(RULES, DAY, 60, NOW)

    assert free_slots(RULES, DAY, 60, NOW, []) == []
    assert free_slots(RULES, DAY, 60, NOW, [[busy(0, 720)], []]) == every_slot

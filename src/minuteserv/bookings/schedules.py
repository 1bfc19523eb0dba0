"""Each process's copy of the slot search's answer, per day and set of categories, trusted
only while the revision counters (bookings/revisions.py) say nothing it depends on has changed
since it was read.

Every prepare reads the free slots of a day that other customers are browsing too; the search
costs the database a scan of every eligible partner's bookings and the process the parsing of
them, where checking the counters is one small indexed read. (Confirm reads afresh: each
booking makes its day's copy stale, so under a stream of confirms the check would only add a
round trip.) The counters are read before the schedule, on the same connection, so a copy is
never older than the revision it is filed under, in this process or any other.

What is cached must be committed: read only in a transaction that has not itself written
bookings or partners (its writes would be seen, and a rollback would leave them in the copy).
"""

from collections.abc import Collection
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from minuteserv.bookings.availability import read_schedule
from minuteserv.bookings.revisions import BookingRevision, revision_sum
from minuteserv.bookings.slots import FreeTime, SlotRules, Span, free_slots, is_bookable_day, today

MAX_COPIES = 512
"""Days times category sets kept; the oldest stored goes first (30 days ahead and a few dozen
carts' category sets fit many times over)."""

NEIGHBOURS = timedelta(days=1)
"""A day's schedule holds bookings of that date, of the day before (visits running past
midnight) and of the day after (when the day's last visit does): each lasts under a day."""
WINDOW_REVISION = sa.select(
    revision_sum(BookingRevision.day.between(sa.bindparam("first"), sa.bindparam("last")))
)
"""What a day's schedule depends on: its bookings' dates, and the partners."""


class DaySchedule:
    """The busy spans on one day of each partner covering a set of categories, and the index
    of their free time, built on first use."""

    __slots__ = ("_free_time", "partners_busy")

    def __init__(self, partners_busy: list[list[Span]]) -> None:
        self.partners_busy = partners_busy
        self._free_time: FreeTime | None = None

    @property
    def free_time(self) -> FreeTime:
        if self._free_time is None:
            self._free_time = FreeTime(self.partners_busy)
        return self._free_time


class ScheduleCache:
    """Schedules by day and set of categories, each as of the revision it was read at."""

    def __init__(self, rules: SlotRules) -> None:
        self.rules = rules
        self._copies: dict[tuple[date, frozenset[str]], tuple[int, DaySchedule]] = {}

    async def _on(
        self, connection: AsyncConnection, day: date, categories: Collection[str]
    ) -> DaySchedule:
        key = (day, frozenset(categories))
        revision = await self._revision(connection, day)
        if revision is None:  # the counter is gone: no copy can be trusted, now or later
            self._copies.clear()
            return DaySchedule(await read_schedule(connection, self.rules, day, categories))
        copy = self._copies.get(key)
        if copy is not None and copy[0] == revision:
            return copy[1]
        schedule = DaySchedule(await read_schedule(connection, self.rules, day, categories))
        self._keep(key, revision, schedule)
        return schedule

    async def free_slots(
        self,
        connection: AsyncConnection,
        *,
        day: date,
        duration_minutes: int,
        categories: Collection[str],
        now: datetime,
    ) -> list[time]:
        if not is_bookable_day(self.rules, day, now):
            return []  # nothing to read, nor to keep a copy of
        schedule = await self._on(connection, day, categories)
        return free_slots(self.rules, day, duration_minutes, now, schedule.free_time)

    async def first_open_day(
        self,
        connection: AsyncConnection,
        *,
        duration_minutes: int,
        categories: Collection[str],
        now: datetime,
    ) -> tuple[date, list[time]]:
        """The first day, from today, that has any free slot (today with none if no day has)."""
        first = today(self.rules, now)
        for offset in range(self.rules.max_days_ahead + 1):
            day = first + timedelta(days=offset)
            schedule = await self._on(connection, day, categories)
            if not schedule.partners_busy:
                break  # nobody covers the cart on any day
            slots = free_slots(self.rules, day, duration_minutes, now, schedule.free_time)
            if slots:
                return day, slots
        return first, []

    async def _revision(self, connection: AsyncConnection, day: date) -> int | None:
        bounds = {"first": day - NEIGHBOURS, "last": day + NEIGHBOURS}
        revision: int | None = await connection.scalar(WINDOW_REVISION, bounds)
        return revision

    def _keep(self, key: tuple[date, frozenset[str]], revision: int, schedule: DaySchedule) -> None:
        kept = self._copies.get(key)
        if kept is not None and kept[0] > revision:
            return  # a slower read of an older revision: the newer copy stays
        self._copies.pop(key, None)
        if len(self._copies) >= MAX_COPIES:
            del self._copies[next(iter(self._copies))]
        self._copies[key] = (revision, schedule)

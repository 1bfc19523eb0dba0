"""The staff dashboard, read from what stays small however many bookings there are: the
per-day totals that triggers keep exact (bookings/totals.py), and indexes that hold the newest
bookings and the few waiting for a partner; and served from a copy each process keeps until a
booking or partner changes, a booking waiting for a partner starts, or the day turns."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from minuteserv.admin.schemas import Dashboard
from minuteserv.bookings.models import UNASSIGNED_LIVE, Booking, BookingStatus, PaymentStatus
from minuteserv.bookings.revisions import revision_sum
from minuteserv.bookings.schemas import AdminBookingSummary
from minuteserv.bookings.totals import BookingDayTotal as Totals
from minuteserv.core import clock
from minuteserv.core.envelope import Envelope
from minuteserv.core.money import from_paise
from minuteserv.core.reader import Reader
from minuteserv.core.revisions import RevisionWatch, VersionedBody
from minuteserv.partners.models import Partner

RECENT_BOOKINGS = 10
REVENUE_DAYS = 30

EARNED = sa.or_(
    Totals.payment_status == PaymentStatus.PAID, Totals.status == BookingStatus.COMPLETED
)
"""Revenue: paid online, or completed (a cash booking's money is collected at the visit)."""


def _sum(
    column: sa.ColumnExpressionArgument[int], *where: sa.ColumnElement[bool]
) -> sa.ColumnElement[int]:
    summed = sa.func.sum(column)
    return sa.cast(sa.func.coalesce(summed.filter(*where) if where else summed, 0), sa.BigInteger)


COUNT_BY_STATUS = {
    status.value: _sum(Totals.booking_count, Totals.status == status) for status in BookingStatus
}
UNASSIGNED_UPCOMING = (
    sa.select(sa.func.count())
    .select_from(Booking)
    .where(UNASSIGNED_LIVE, Booking.start_at >= sa.bindparam("now"))
    .scalar_subquery()
)
ACTIVE_PARTNERS = (
    sa.select(sa.func.count()).select_from(Partner).where(Partner.is_active).scalar_subquery()
)
NOT_COUNTED = sa.cast(sa.null(), sa.BigInteger)


def _totals(*, by_day: bool) -> sa.Select[*tuple[Any, ...]]:
    """Counts and revenue from the totals: by date over the last REVENUE_DAYS days, or of all
    time in a row without a date, which alone holds the two counts the totals do not."""
    sums = [
        _sum(Totals.booking_count).label("total_bookings"),
        *(count.label(name) for name, count in COUNT_BY_STATUS.items()),
        _sum(Totals.grand_total_paise, EARNED).label("revenue_paise"),
    ]
    if not by_day:
        return sa.select(
            sa.null().label("booking_date"),
            *sums,
            UNASSIGNED_UPCOMING.label("unassigned_upcoming"),
            ACTIVE_PARTNERS.label("active_partners"),
        ).select_from(Totals)
    return (
        sa.select(
            Totals.booking_date,
            *sums,
            NOT_COUNTED.label("unassigned_upcoming"),
            NOT_COUNTED.label("active_partners"),
        )
        .where(Totals.booking_date.between(sa.bindparam("first"), sa.bindparam("last")))
        .group_by(Totals.booking_date)
    )


TOTALS = sa.union_all(_totals(by_day=True), _totals(by_day=False))
"""One round trip for both; the daily rows come first, so their dates are read as dates."""

NEWEST = (
    sa.select(*(getattr(Booking, field) for field in AdminBookingSummary.model_fields))
    .order_by(Booking.created_at.desc(), Booking.id.desc())
    .limit(RECENT_BOOKINGS)
)
"""Only the columns the summary shows: rows, not whole bookings tracked by the session."""


async def overview(reader: Reader, *, now: datetime, zone: ZoneInfo) -> Dashboard:
    """Booking counts, revenue, partners, the newest bookings and a month of daily revenue,
    in two queries, validated as one document."""
    today = now.astimezone(zone).date()
    first = today - timedelta(days=REVENUE_DAYS - 1)
    async with reader.connection() as connection:
        rows = await connection.execute(TOTALS, {"first": first, "last": today, "now": now})
        by_day = {row.booking_date: row for row in rows}
        newest = (await connection.execute(NEWEST)).mappings().all()
    all_time = by_day.pop(None)._asdict()
    days = [by_day.get(first + timedelta(days=offset)) for offset in range(REVENUE_DAYS)]
    return Dashboard.model_validate(
        {
            "stats": {
                **all_time,
                "revenue": from_paise(all_time["revenue_paise"]),
                "today_bookings": days[-1].total_bookings if days[-1] else 0,
            },
            "recent_bookings": newest,
            "revenue_by_day": [
                _day_revenue(first + timedelta(days=offset), day) for offset, day in enumerate(days)
            ],
        }
    )


def _day_revenue(day: date, totals_of_day: sa.Row[Any] | None) -> dict[str, Any]:
    """A day of `revenue_by_day`; at zero without any booking."""
    if totals_of_day is None:
        return {"date": day, "revenue": from_paise(0), "bookings": 0}
    return {
        "date": day,
        "revenue": from_paise(totals_of_day.revenue_paise),
        "bookings": totals_of_day.total_bookings,
    }


VERSION = sa.select(
    revision_sum().label("revision"), UNASSIGNED_UPCOMING.label("unassigned_upcoming")
)
"""Everything the dashboard depends on but the clock: every booking and partner counter
(NULL without the partners one), and the one count that changes as time passes."""


@dataclass(frozen=True, slots=True)
class Version:
    revision: int
    unassigned_upcoming: int
    today: date


class DashboardCache:
    """The dashboard's response body as of a `Version`, read before each answer (one read
    serving the requests that arrive while it is in flight, never one that began before
    them): a change committed anywhere, by any process or by hand, is in the next answer."""

    def __init__(self, reader: Reader, zone: ZoneInfo) -> None:
        self._reader = reader
        self._zone = zone
        self._version = RevisionWatch(self._read_version)
        self._body: VersionedBody[Version] = VersionedBody(self._build)

    async def response_body(self) -> bytes:
        return await self._body.at(await self._version.current())

    async def _read_version(self) -> Version | None:
        now = clock.now()
        async with self._reader.connection() as connection:
            row = (await connection.execute(VERSION, {"now": now})).one()
        if row.revision is None:  # the partners counter is gone
            return None
        return Version(row.revision, row.unassigned_upcoming, now.astimezone(self._zone).date())

    async def _build(self) -> bytes:
        dashboard = await overview(self._reader, now=clock.now(), zone=self._zone)
        return Envelope[Dashboard](data=dashboard).model_dump_json().encode()

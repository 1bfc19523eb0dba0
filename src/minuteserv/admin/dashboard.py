"""The staff dashboard, read from what stays small however many bookings there are: the
per-day totals that triggers keep exact (bookings/totals.py), and indexes that hold the newest
bookings and the few waiting for a partner."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.admin.schemas import Dashboard, DashboardStats, DayRevenue
from minuteserv.bookings import totals
from minuteserv.bookings.models import UNASSIGNED_LIVE, Booking, BookingStatus, PaymentStatus
from minuteserv.bookings.schemas import AdminBookingSummary
from minuteserv.bookings.totals import BookingDayTotal as Totals
from minuteserv.core.money import from_paise
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
STATS = sa.select(
    _sum(Totals.booking_count).label("total_bookings"),
    *(count.label(name) for name, count in COUNT_BY_STATUS.items()),
    _sum(Totals.grand_total_paise, EARNED).label("revenue_paise"),
    UNASSIGNED_UPCOMING.label("unassigned_upcoming"),
    ACTIVE_PARTNERS.label("active_partners"),
).select_from(Totals)
"""All-time counts and revenue from the totals, with the two counts the totals do not hold."""

DAYS = (
    sa.select(
        Totals.booking_date,
        _sum(Totals.grand_total_paise, EARNED),
        _sum(Totals.booking_count),
    )
    .where(Totals.booking_date.between(sa.bindparam("first"), sa.bindparam("last")))
    .group_by(Totals.booking_date)
)
NEWEST = (
    sa.select(*(getattr(Booking, field) for field in AdminBookingSummary.model_fields))
    .order_by(Booking.created_at.desc(), Booking.id.desc())
    .limit(RECENT_BOOKINGS)
)
"""Only the columns the summary shows: rows, not whole bookings tracked by the session."""


async def overview(session: AsyncSession, *, now: datetime, zone: ZoneInfo) -> Dashboard:
    """Booking counts, revenue, partners, the newest bookings and a month of daily revenue."""
    await totals.include_own_writes(session)
    days = await _revenue_by_day(session, today=now.astimezone(zone).date())
    today = days[-1]
    return Dashboard(
        stats=await _stats(session, today_bookings=today.bookings, now=now),
        recent_bookings=await _recent(session),
        revenue_by_day=days,
    )


async def _stats(session: AsyncSession, *, today_bookings: int, now: datetime) -> DashboardStats:
    counts = (await session.execute(STATS, {"now": now})).one()._asdict()
    revenue = from_paise(counts.pop("revenue_paise"))
    return DashboardStats(**counts, revenue=revenue, today_bookings=today_bookings)


async def _recent(session: AsyncSession) -> list[AdminBookingSummary]:
    newest = (await session.execute(NEWEST)).mappings()
    return [AdminBookingSummary.model_validate(booking) for booking in newest]


async def _revenue_by_day(session: AsyncSession, *, today: date) -> list[DayRevenue]:
    """The last REVENUE_DAYS days up to today, oldest first, days without bookings at zero."""
    first = today - timedelta(days=REVENUE_DAYS - 1)
    rows = await session.execute(DAYS, {"first": first, "last": today})
    found = {
        day: DayRevenue(date=day, revenue=from_paise(paise), bookings=count)
        for day, paise, count in rows
    }
    days = (first + timedelta(days=offset) for offset in range(REVENUE_DAYS))
    return [
        found.get(day) or DayRevenue(date=day, revenue=from_paise(0), bookings=0) for day in days
    ]

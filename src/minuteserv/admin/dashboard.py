"""The staff dashboard: counts and revenue computed by the database (COUNT ... FILTER,
SUM ... FILTER, GROUP BY), so its cost does not grow with the bookings loaded into Python."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.admin.schemas import Dashboard, DashboardStats, DayRevenue
from minuteserv.bookings.models import Booking, BookingStatus, PaymentStatus
from minuteserv.bookings.schemas import AdminBookingSummary
from minuteserv.partners.models import Partner

RECENT_BOOKINGS = 10
REVENUE_DAYS = 30
NOTHING = Decimal("0.00")

EARNED = sa.or_(
    Booking.payment_status == PaymentStatus.PAID, Booking.status == BookingStatus.COMPLETED
)
"""Revenue: paid online, or completed (a cash booking's money is collected at the visit)."""


def _revenue() -> sa.ColumnElement[Decimal]:
    return sa.func.coalesce(sa.func.sum(Booking.grand_total).filter(EARNED), 0)


async def overview(session: AsyncSession, *, now: datetime, zone: ZoneInfo) -> Dashboard:
    """Booking counts, revenue, partners, the newest bookings and a month of daily revenue."""
    today = now.astimezone(zone).date()
    return Dashboard(
        stats=await _stats(session, today=today, now=now),
        recent_bookings=await _recent(session),
        revenue_by_day=await _revenue_by_day(session, today=today),
    )


async def _stats(session: AsyncSession, *, today: date, now: datetime) -> DashboardStats:
    by_status = {
        status.value: sa.func.count().filter(Booking.status == status) for status in BookingStatus
    }
    unassigned_upcoming = sa.func.count().filter(
        Booking.status != BookingStatus.CANCELLED,
        Booking.partner_id.is_(None),
        Booking.start_at >= now,
    )
    row = (
        await session.execute(
            sa.select(
                sa.func.count().label("total_bookings"),
                *(count.label(name) for name, count in by_status.items()),
                _revenue().label("revenue"),
                sa.func.count().filter(Booking.booking_date == today).label("today_bookings"),
                unassigned_upcoming.label("unassigned_upcoming"),
            ).select_from(Booking)
        )
    ).one()
    active_partners = await session.scalar(
        sa.select(sa.func.count()).select_from(Partner).where(Partner.is_active)
    )
    return DashboardStats(**row._asdict(), active_partners=active_partners or 0)


async def _recent(session: AsyncSession) -> list[AdminBookingSummary]:
    newest = await session.scalars(
        sa.select(Booking)
        .order_by(Booking.created_at.desc(), Booking.id.desc())
        .limit(RECENT_BOOKINGS)
    )
    return [AdminBookingSummary.model_validate(booking) for booking in newest]


async def _revenue_by_day(session: AsyncSession, *, today: date) -> list[DayRevenue]:
    first = today - timedelta(days=REVENUE_DAYS - 1)
    rows = await session.execute(
        sa.select(Booking.booking_date, _revenue(), sa.func.count())
        .where(Booking.booking_date.between(first, today))
        .group_by(Booking.booking_date)
    )
    found = {
        day: DayRevenue(date=day, revenue=revenue, bookings=count) for day, revenue, count in rows
    }
    days = (first + timedelta(days=offset) for offset in range(REVENUE_DAYS))
    return [found.get(day) or DayRevenue(date=day, revenue=NOTHING, bookings=0) for day in days]

"""Revision counters of bookings and partners, kept by the triggers of migration f3d1b8a6c2e4,
for the caches that must never serve what a committed write has changed: the schedule cache
(bookings/schedules.py) and the dashboard's (admin/dashboard.py)."""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from minuteserv.core.db import Base
from minuteserv.core.revisions import CacheRevision

PARTNERS_COUNTER = "partners"
"""The `cache_revisions` row every write to partners bumps."""


class BookingRevision(Base):
    """How many times the bookings of one booking date have changed: any insert, delete or
    update of a booking bumps its old and new `booking_date`."""

    __tablename__ = "booking_revisions"

    day: Mapped[date] = mapped_column(primary_key=True)
    revision: Mapped[int] = mapped_column(sa.BigInteger)


PARTNERS_REVISION = (
    sa.select(CacheRevision.revision)
    .where(CacheRevision.name == PARTNERS_COUNTER)
    .scalar_subquery()
)


def revision_sum(*dates: sa.ColumnElement[bool]) -> sa.ScalarSelect[int]:
    """The partners counter plus the counters of the dates that match `dates` (every date
    without a condition): NULL without the partners row, and then no copy is trusted. Every
    counter only grows, so any bump changes the sum."""
    counted = sa.func.coalesce(sa.func.sum(BookingRevision.revision), 0)
    total = sa.cast(counted + PARTNERS_REVISION, sa.BigInteger)  # PostgreSQL's sum is numeric
    return sa.select(total).where(*dates).scalar_subquery()

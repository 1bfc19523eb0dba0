"""Each partner's day as confirm's ranking needs it, kept by triggers on `bookings` (migration
a7e3c5d1f9b2, PostgreSQL only): how many live bookings they have that booking date, and the
time those bookings hold, as one multirange; a row for each partner and date that has any.

The ranking scores every partner covering a cart, and without this it probed each one's
bookings twice (busy during the visit? how many that day?), two index scans a partner, a few
hundred a confirm. With it, the ranking reads the day's rows, one a partner, in one scan.

Exact, not a cache: a trigger adds a booking's range and count in the transaction that writes
the booking (at its commit) and takes them away when it is cancelled, deleted or moved, so
what is committed here is what a count of the committed bookings would give. Live bookings
of a partner never overlap (the exclusion constraint), so taking one's range out of the
multirange leaves the others' whole. A booking is filed under its `booking_date`; one that
runs past midnight is not in the next day's row, which the claim's own check catches
(bookings/reservation.py).

SQLite has no ranges: there the table stays empty and the ranking reads the bookings.
"""

import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from minuteserv.core.db import Base


class PartnerDay(Base):
    __tablename__ = "partner_days"

    booking_date: Mapped[date] = mapped_column(primary_key=True)
    partner_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    booking_count: Mapped[int]
    busy: Mapped[Any] = mapped_column(
        sa.Text().with_variant(postgresql.TSTZMULTIRANGE(), "postgresql"), nullable=False
    )

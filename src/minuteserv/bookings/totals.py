"""Running totals of bookings per booking date, status and payment status, kept by triggers on
`bookings` (migration d5b8f2c3e0a1): every write to a booking, whatever makes it, moves its
count and grand total between rows in its own transaction, so the totals are as exact as a
count of the bookings, at the cost of reading a few rows a day instead of every booking.

One row per day and key, not one for all time, and on PostgreSQL the triggers are deferred to
commit: confirms of the same day then hold that day's row only while they commit, not for the
whole of their transactions, so they do not queue behind each other."""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from minuteserv.bookings.models import BookingStatus, PaymentStatus
from minuteserv.core.db import Base, enum_type


class BookingDayTotal(Base):
    """How many bookings of one date are in one (status, payment status), and their grand
    totals in paise: an exact integer on both engines, where a sum of NUMERIC(10,2) would
    soon outgrow its precision."""

    __tablename__ = "booking_day_totals"

    booking_date: Mapped[date] = mapped_column(primary_key=True)
    status: Mapped[BookingStatus] = mapped_column(enum_type(BookingStatus), primary_key=True)
    payment_status: Mapped[PaymentStatus] = mapped_column(
        enum_type(PaymentStatus), primary_key=True
    )
    booking_count: Mapped[int] = mapped_column(sa.BigInteger)
    grand_total_paise: Mapped[int] = mapped_column(sa.BigInteger)

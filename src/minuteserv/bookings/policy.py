"""The cancellation policy, pure: what a cancelled booking gives back.

- Cash bookings, and online bookings not yet paid, refund nothing (nothing was taken).
- A paid booking cancelled at least FREE_CANCEL_HOURS before its slot is refunded in full.
- Later than that, LATE_CANCEL_FEE_PERCENT of the grand total is kept as a fee.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from minuteserv.bookings.models import Booking, PaymentStatus
from minuteserv.core.money import round_paise

NOTHING = Decimal("0.00")


def refund_amount(
    booking: Booking, *, now: datetime, free_cancel_hours: int, late_fee_percent: Decimal
) -> Decimal:
    if booking.payment_status != PaymentStatus.PAID:
        return NOTHING
    if now <= booking.start_at - timedelta(hours=free_cancel_hours):
        return booking.grand_total
    return round_paise(booking.grand_total * (100 - late_fee_percent) / 100)

"""Telling a partner about a booking: one small interface, a console stand-in for now."""

import logging
from typing import Protocol

from minuteserv.bookings.models import Booking

logger = logging.getLogger("minuteserv.notify")


class PartnerNotifier(Protocol):
    async def booking_confirmed(self, booking: Booking) -> None: ...


class ConsoleNotifier:
    async def booking_confirmed(self, booking: Booking) -> None:
        logger.info(
            "partner %s: booking %s confirmed for %s %s",
            booking.partner_id,
            booking.booking_number,
            booking.booking_date,
            booking.booking_time,
        )

"""The booking lifecycle, pure: which status may follow which.

pending -> confirmed -> in_progress -> completed; pending or confirmed -> cancelled.
Anything else (staying put included) is not a transition.
"""

from minuteserv.bookings.models import BookingStatus

NEXT: dict[BookingStatus, frozenset[BookingStatus]] = {
    BookingStatus.PENDING: frozenset({BookingStatus.CONFIRMED, BookingStatus.CANCELLED}),
    BookingStatus.CONFIRMED: frozenset({BookingStatus.IN_PROGRESS, BookingStatus.CANCELLED}),
    BookingStatus.IN_PROGRESS: frozenset({BookingStatus.COMPLETED}),
    BookingStatus.COMPLETED: frozenset(),
    BookingStatus.CANCELLED: frozenset(),
}

CLOSED = frozenset(status for status, following in NEXT.items() if not following)
"""Statuses nothing follows: a closed booking keeps its partner and its status."""


def can_move(current: BookingStatus, target: BookingStatus) -> bool:
    return target in NEXT[current]

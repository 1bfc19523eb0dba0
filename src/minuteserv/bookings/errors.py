from minuteserv.core.errors import Conflict, NotFound


class BookingNotFound(NotFound):
    code = "BOOKING_NOT_FOUND"
    message = "No such booking."


class BookingNotCancellable(Conflict):
    code = "BOOKING_NOT_CANCELLABLE"
    message = "Only pending or confirmed bookings can be cancelled."

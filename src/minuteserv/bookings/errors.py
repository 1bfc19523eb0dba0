from minuteserv.core.errors import Conflict, NotFound


class BookingNotFound(NotFound):
    code = "BOOKING_NOT_FOUND"
    message = "No such booking."


class BookingNotCancellable(Conflict):
    code = "BOOKING_NOT_CANCELLABLE"
    message = "Only pending or confirmed bookings can be cancelled."


class InvalidTransition(Conflict):
    code = "INVALID_TRANSITION"
    message = "The booking's lifecycle does not allow this status change."


class BookingNotAssignable(Conflict):
    code = "BOOKING_NOT_ASSIGNABLE"
    message = "A cancelled or completed booking keeps the partner it had."


class PartnerInactive(Conflict):
    code = "PARTNER_INACTIVE"
    message = "The partner is inactive or not available."


class PartnerLacksCategory(Conflict):
    code = "PARTNER_LACKS_CATEGORY"
    message = "The partner does not do every category of this booking."


class PartnerBusy(Conflict):
    code = "PARTNER_BUSY"
    message = "The partner has another booking overlapping this one."


class NoPartnerAvailable(Conflict):
    code = "NO_PARTNER_AVAILABLE"
    message = "No active partner who does these categories is free at this time."

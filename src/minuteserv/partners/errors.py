from minuteserv.core.errors import Conflict, NotFound, Unprocessable


class PartnerNotFound(NotFound):
    code = "PARTNER_NOT_FOUND"
    message = "No such partner."


class PartnerPhoneTaken(Conflict):
    code = "PARTNER_PHONE_TAKEN"
    message = "Another partner already has this phone number."


class UnknownCategory(Unprocessable):
    code = "UNKNOWN_CATEGORY"
    message = "Some categories are not in the catalog."


class PartnerHasUpcomingBookings(Conflict):
    code = "PARTNER_HAS_UPCOMING_BOOKINGS"
    message = (
        "The partner has upcoming bookings this change would strand; "
        "send reassign=true to move them to other partners."
    )

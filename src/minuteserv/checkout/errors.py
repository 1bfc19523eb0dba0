from minuteserv.core.errors import Conflict, Gone, NotFound, Unprocessable


class UnknownServices(Unprocessable):
    code = "UNKNOWN_SERVICE"
    message = "Some services do not exist or are not offered any more."


class PreviewNotFound(NotFound):
    code = "PREVIEW_NOT_FOUND"
    message = "No such checkout preview."


class PreviewExpired(Gone):
    code = "PREVIEW_EXPIRED"
    message = "This checkout preview has expired; prepare the checkout again."


class SlotUnavailable(Conflict):
    code = "SLOT_UNAVAILABLE"
    message = "No partner is free for this slot any more; pick another."


class PromoUnavailable(Conflict):
    code = "PROMO_UNAVAILABLE"
    message = "The promo code can no longer be used; prepare the checkout again."


class OnlineAmountTooSmall(Unprocessable):
    code = "ONLINE_AMOUNT_TOO_SMALL"
    message = "Online payment needs at least ₹1.00; choose cash for this booking."

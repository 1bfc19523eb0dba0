from minuteserv.core.errors import Conflict, NotFound, Unprocessable


class PromoNotFound(NotFound):
    code = "PROMO_NOT_FOUND"
    message = "No such promo code."


class PromoCodeTaken(Conflict):
    code = "PROMO_CODE_TAKEN"
    message = "A promo code with this code already exists."


class UsageLimitBelowUsed(Conflict):
    code = "PROMO_USAGE_LIMIT_BELOW_USED"
    message = "The usage limit cannot go below the uses already made."


class InvalidPromoTerms(Unprocessable):
    """The fields are each valid but do not fit together (checked on the promo as it would be)."""

"""Why sending or checking a code failed; each renders as the error envelope."""

from minuteserv.core.errors import BadRequest, Conflict, RateLimited


class OtpCooldown(RateLimited):
    code = "OTP_COOLDOWN"
    message = "A code was sent moments ago; wait before asking for another."


class OtpInvalid(BadRequest):
    code = "OTP_INVALID"
    message = "The code is not correct."


class OtpExpired(BadRequest):
    code = "OTP_EXPIRED"
    message = "The code has expired; ask for a new one."


class OtpAlreadyUsed(Conflict):
    code = "OTP_ALREADY_USED"
    message = "The code has already been used; ask for a new one."


class OtpTooManyAttempts(BadRequest):
    code = "OTP_TOO_MANY_ATTEMPTS"
    message = "Too many wrong tries for this code; ask for a new one."

from minuteserv.core.errors import Unauthorized


class InvalidCredentials(Unauthorized):
    code = "INVALID_CREDENTIALS"
    message = "The email or password is wrong."

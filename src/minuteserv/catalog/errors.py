from minuteserv.core.errors import NotFound


class ServiceNotFound(NotFound):
    code = "SERVICE_NOT_FOUND"
    message = "No such service."

"""Domain errors: each class has a status and a code; one handler renders the envelope."""

from typing import Any, ClassVar


class AppError(Exception):
    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "BAD_REQUEST"
    message: ClassVar[str] = "The request could not be processed."

    def __init__(
        self,
        message: str | None = None,
        *,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.detail_message = message or self.message
        self.details = details or []
        self.headers = headers or {}
        super().__init__(self.detail_message)


class BadRequest(AppError):
    pass


class Unauthorized(AppError):
    status_code = 401
    code = "UNAUTHORIZED"
    message = "A valid bearer token is required."


class Forbidden(AppError):
    status_code = 403
    code = "FORBIDDEN"
    message = "Your role does not allow this."


class NotFound(AppError):
    status_code = 404
    code = "NOT_FOUND"
    message = "Not found."


class Conflict(AppError):
    status_code = 409
    code = "CONFLICT"
    message = "The request conflicts with the current state."


class Gone(AppError):
    status_code = 410
    code = "GONE"
    message = "This has expired."


class PayloadTooLarge(AppError):
    status_code = 413
    code = "PAYLOAD_TOO_LARGE"
    message = "The request body is too large."


class Unprocessable(AppError):
    status_code = 422
    code = "VALIDATION_ERROR"
    message = "The request is not valid."


class RateLimited(AppError):
    status_code = 429
    code = "RATE_LIMITED"
    message = "Too many requests; try again later."

    def __init__(self, retry_after_seconds: int, message: str | None = None) -> None:
        self.retry_after = max(1, retry_after_seconds)
        super().__init__(
            message,
            details=[{"retry_after": self.retry_after}],
            headers={"Retry-After": str(self.retry_after)},
        )


class InternalError(AppError):
    status_code = 500
    code = "INTERNAL_ERROR"
    message = "Something went wrong on our side; quote the request id when reporting it."


class BadGateway(AppError):
    status_code = 502
    code = "GATEWAY_ERROR"
    message = "An upstream service failed; nothing was changed."


class ServiceUnavailable(AppError):
    status_code = 503
    code = "SERVICE_UNAVAILABLE"
    message = "The service is temporarily unavailable; try again shortly."

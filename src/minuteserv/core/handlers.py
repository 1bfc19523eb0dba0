"""Exception handlers: every error leaves as the envelope, with the request id, never a trace."""

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException

from minuteserv.core.db import means_unavailable
from minuteserv.core.errors import (
    AppError,
    BadRequest,
    Forbidden,
    InternalError,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    Unauthorized,
    Unprocessable,
)
from minuteserv.core.middleware import error_body

logger = logging.getLogger("minuteserv.errors")

_STATUS_ERRORS: dict[int, type[AppError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    413: PayloadTooLarge,
    422: Unprocessable,
}


class MethodNotAllowed(AppError):
    status_code = 405
    code = "METHOD_NOT_ALLOWED"
    message = "This method is not allowed here."


class MalformedJson(BadRequest):
    code = "MALFORMED_JSON"
    message = "The request body is not valid JSON."


def render(error: AppError) -> Response:
    return Response(
        error_body(error),
        status_code=error.status_code,
        media_type="application/json",
        headers=error.headers,
    )


async def app_error(_: Request, error: Exception) -> Response:
    assert isinstance(error, AppError)
    return render(error)


def _field_details(error: RequestValidationError) -> list[dict[str, Any]]:
    details = []
    for item in error.errors():
        location = [str(part) for part in item.get("loc", ())]
        details.append(
            {
                "field": ".".join(location[1:]) or ".".join(location[:1]),
                "location": location[0] if location else "",
                "message": item.get("msg", ""),
                "type": item.get("type", ""),
            }
        )
    return details


OwedCheck = Callable[[Request], Awaitable[None]]


def owe_before_invalid(request: Request, check: OwedCheck) -> None:
    """Have `check` run, given the request, before `request` is answered 422 for a malformed
    parameter or body field. A dependency whose check the route makes later (in its own
    query, saving a round trip) owes it to a request the route never runs; `check` raises the
    AppError to answer instead (a deleted user's token: 401). A body that is not JSON at all
    is refused (400) before any dependency runs, so it owes nothing.

    `check` must not hold the request itself: kept in the request's own state, it would make
    every request a reference cycle, whose whole graph only the garbage collector frees (a
    collection every few thousand requests that stalled them all for up to 200 ms)."""
    request.state.owed_check = check


async def validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    owed: OwedCheck | None = getattr(request.state, "owed_check", None)
    if owed is not None:
        try:
            await owed(request)
        except AppError as refused:
            return render(refused)
    if any(item.get("type") == "json_invalid" for item in error.errors()):
        return render(MalformedJson())
    return render(Unprocessable(details=_field_details(error)))


async def http_error(_: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    if error.status_code == 405:
        return render(MethodNotAllowed(headers=dict(error.headers or {})))  # keeps `Allow`
    kind = _STATUS_ERRORS.get(
        error.status_code, BadRequest if error.status_code < 500 else InternalError
    )
    message = error.detail if isinstance(error.detail, str) and error.status_code != 404 else None
    rendered = kind(message)
    rendered.headers.update(error.headers or {})
    return render(rendered)


def _database_unreachable(error: Exception) -> bool:
    if isinstance(error, OperationalError | InterfaceError | ConnectionError | PoolTimeout):
        return True
    if not isinstance(error, DBAPIError):
        return False
    return error.connection_invalidated or means_unavailable(_sqlstate(error))


class ConcurrentUpdate(AppError):
    status_code = 409
    code = "CONCURRENT_UPDATE"
    message = "Another change raced this one and won; read the current state and try again."


class UnstorableValue(Unprocessable):
    code = "INVALID_VALUE"
    message = "A value cannot be stored (out of range, or a NUL character in text)."


# SQLSTATE class 22: the value itself is bad (NUL in text, numeric overflow, bad encoding).
DATA_EXCEPTION_CLASS = "22"
# Deadlock and serialization failures: the other transaction went through, this one may retry.
RETRYABLE_SQLSTATES = {"40P01", "40001"}


def _sqlstate(error: DBAPIError) -> str:
    return str(getattr(error.orig, "sqlstate", None) or "")


async def database_unavailable(_: Request, error: Exception) -> Response:
    if isinstance(error, DataError) or (
        isinstance(error, DBAPIError) and _sqlstate(error).startswith(DATA_EXCEPTION_CLASS)
    ):
        return render(UnstorableValue())
    if isinstance(error, DBAPIError) and _sqlstate(error) in RETRYABLE_SQLSTATES:
        logger.warning("transaction lost a race (%s); answered 409", _sqlstate(error))
        return render(ConcurrentUpdate())
    if not _database_unreachable(error):
        return await unexpected_error(_, error)
    logger.warning("database unavailable: %s: %s", error.__class__.__name__, error)
    return render(
        ServiceUnavailable(
            "The database is unreachable; try again shortly.", headers={"Retry-After": "2"}
        )
    )


async def unexpected_error(_: Request, error: Exception) -> Response:
    logger.exception("unhandled error", exc_info=error)
    return render(InternalError())


ERROR_ENVELOPE_SCHEMA = {"$ref": "#/components/schemas/ErrorEnvelope"}


def _error_envelope_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": ERROR_ENVELOPE_SCHEMA}},
    }


def _document_validation_errors(operation: dict[str, Any]) -> None:
    """What `validation_error` answers: 422 as the envelope (not FastAPI's default body), and
    400 MALFORMED_JSON wherever a body is read."""
    responses = operation["responses"]
    if "422" in responses:
        responses["422"] = _error_envelope_response("Validation Error")
    if "requestBody" in operation:
        responses.setdefault("400", _error_envelope_response("Malformed JSON body"))


def _openapi_with_error_envelopes(app: FastAPI) -> Callable[[], dict[str, Any]]:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        fresh = app.openapi_schema is None
        document = generate()  # built once, then cached by FastAPI
        if fresh:
            for path_item in document["paths"].values():
                for operation in path_item.values():
                    _document_validation_errors(operation)
        return document

    return openapi


def install(app: FastAPI) -> None:
    app.openapi = _openapi_with_error_envelopes(app)  # type: ignore[method-assign]
    app.add_exception_handler(AppError, app_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(DBAPIError, database_unavailable)
    app.add_exception_handler(ConnectionError, database_unavailable)
    app.add_exception_handler(PoolTimeout, database_unavailable)
    app.add_exception_handler(Exception, unexpected_error)

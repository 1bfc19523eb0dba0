"""Pure ASGI middleware: request ids, the body size cap, and request metrics."""

import logging
import re
import time
import uuid
from contextvars import ContextVar

import orjson
from prometheus_client import Counter, Histogram
from starlette.exceptions import HTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from minuteserv.core.errors import AppError, InternalError, PayloadTooLarge

logger = logging.getLogger("minuteserv.errors")

REQUEST_ID_HEADER = b"x-request-id"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

REQUESTS = Counter("minuteserv_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram("minuteserv_http_request_seconds", "HTTP request latency", ["method", "route"])


def error_body(error: AppError) -> bytes:
    return orjson.dumps(
        {
            "success": False,
            "error": {
                "code": error.code,
                "message": error.detail_message,
                "details": error.details,
                "request_id": request_id_var.get(),
            },
        }
    )


async def send_error(send: Send, error: AppError) -> None:
    headers = [(b"content-type", b"application/json")]
    headers += [(k.lower().encode(), v.encode()) for k, v in error.headers.items()]
    await send({"type": "http.response.start", "status": error.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": error_body(error)})


class RequestIdMiddleware:
    """Take a sane incoming X-Request-ID or make one; echo it on every response, a crash's 500
    included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        incoming = dict(scope["headers"]).get(REQUEST_ID_HEADER, b"").decode("latin-1")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (REQUEST_ID_HEADER, request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # Starlette's last-resort handler sits outside this middleware, where the id is gone.
            if response_started:
                raise
            logger.exception("unhandled error")
            await send_error(send_with_id, InternalError())
        finally:
            request_id_var.reset(token)


class BodySizeLimitMiddleware:
    """Refuse bodies over `max_bytes` (413), whether declared up front or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            return await send_error(
                send, PayloadTooLarge(f"Bodies are capped at {self.max_bytes} bytes.")
            )
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                # An HTTPException passes through FastAPI's body parsing to the error handlers.
                raise HTTPException(413, f"Bodies are capped at {self.max_bytes} bytes.")
            return message

        await self.app(scope, counting_receive, send)


class MetricsMiddleware:
    """Count requests and time them, labelled by route template (not raw path)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            route = _route_template(scope)
            REQUESTS.labels(scope["method"], route, str(status)).inc()
            LATENCY.labels(scope["method"], route).observe(time.perf_counter() - started)


def _route_template(scope: Scope) -> str:
    # FastAPI leaves the APIRoute that answered in the scope. Included routers are matched
    # lazily, so their routes are not in `app.routes`, and the template is the one inside its
    # router (`/services/catalog`, without the `/api/v1` prefix).
    answered = scope.get("route")
    if answered is not None:
        return str(answered.path_format)
    for route in scope["app"].routes:
        match, _ = route.matches(scope)
        if match == Match.FULL:
            return str(getattr(route, "path", "unmatched"))
    return "unmatched"

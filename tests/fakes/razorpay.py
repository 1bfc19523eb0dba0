"""A fake Razorpay API on a real local HTTP server, answering the five calls the app makes.

Tests play the customer with `capture()` / `fail_payment()`, get what Checkout would hand the
browser from `checkout_response()`, and get signed webhook deliveries from `webhook()`.
`mode` breaks the fake on purpose: "fail" answers 500, "hang" answers only after the client
has given up (and changes nothing). `requests` shows exactly what the client sent, and
`new_refund_status` sets what refunds start as ("processed", as Razorpay's examples show).
"""

import base64
import json
import re
import secrets
import string
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, Literal

import pytest

from minuteserv.integrations.signatures import payment_signature, webhook_signature
from tests.fakes.http_server import FakeHttpServer, FakeResponse, RecordedRequest

Json = dict[str, Any]
Mode = Literal["ok", "fail", "hang"]
Route = tuple[str, re.Pattern[str], Callable[..., FakeResponse]]

KEY_ID = "rzp_test_FakeKeyId00001"
KEY_SECRET = "fake-razorpay-key-secret"
WEBHOOK_SECRET = "fake-razorpay-webhook-secret"
HANG_SECONDS = 3.0  # longer than any timeout a test sets, short enough to end the thread
MAX_RECEIPT_LENGTH = 40
MIN_ORDER_PAISE = 100
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_-]{10,}")
KEY_REUSED = "Different request with the same idempotency key has already been processed."


def _new_id(prefix: str) -> str:
    alphabet = string.ascii_letters + string.digits
    return prefix + "".join(secrets.choice(alphabet) for _ in range(14))


def _error(status: int, description: str, code: str = "BAD_REQUEST_ERROR") -> FakeResponse:
    """Razorpay's error body."""
    error = {"code": code, "description": description, "source": "NA", "step": "NA"}
    return FakeResponse(status, {"error": error | {"reason": "NA", "metadata": {}}})


def _no_such_id() -> FakeResponse:
    return _error(400, "The id provided does not exist")


def _bad_body() -> FakeResponse:
    return _error(400, "The request body must be a JSON object.")


def _json_object(request: RecordedRequest) -> Json | None:
    try:
        body = request.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _is_paise(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class FakeRazorpay:
    def __init__(
        self,
        *,
        key_id: str = KEY_ID,
        key_secret: str = KEY_SECRET,
        webhook_secret: str = WEBHOOK_SECRET,
    ) -> None:
        self.key_id = key_id
        self.key_secret = key_secret
        self.webhook_secret = webhook_secret
        self.mode: Mode = "ok"
        self.new_refund_status = "processed"
        self.orders: dict[str, Json] = {}
        self.payments: dict[str, Json] = {}
        self.refunds: dict[str, Json] = {}
        self._refunds_by_key: dict[str, tuple[str, Json]] = {}
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._server = FakeHttpServer(self._handle)
        self._routes: list[Route] = [
            ("POST", re.compile(r"/v1/orders"), self._create_order),
            ("GET", re.compile(r"/v1/orders/([^/]+)"), self._fetch_order),
            ("GET", re.compile(r"/v1/orders/([^/]+)/payments"), self._fetch_order_payments),
            ("GET", re.compile(r"/v1/payments/([^/]+)"), self._fetch_payment),
            ("POST", re.compile(r"/v1/payments/([^/]+)/refund"), self._refund),
        ]

    # --- running ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return self._server.url

    @property
    def requests(self) -> list[RecordedRequest]:
        return self._server.requests

    def start(self) -> "FakeRazorpay":
        self._server.start()
        return self

    def stop(self) -> None:
        self._released.set()
        self._server.stop()

    def settings_overrides(self) -> dict[str, Any]:
        """Settings that point the app's real Razorpay client at this fake."""
        return {
            "payment_gateway": "razorpay",
            "razorpay_api_base": self.url,
            "razorpay_key_id": self.key_id,
            "razorpay_key_secret": self.key_secret,
            "razorpay_webhook_secret": self.webhook_secret,
        }

    # --- what a test does as the customer or as Razorpay -----------------------------------

    def capture(self, order_id: str, amount_paise: int | None = None) -> Json:
        """The customer pays (any amount, to fake tampering); the order is paid."""
        with self._lock:
            order = self.orders[order_id]
            amount = order["amount"] if amount_paise is None else amount_paise
            payment = self._new_payment(order, amount=amount, status="captured")
            order.update(
                status="paid", amount_paid=amount, amount_due=max(order["amount"] - amount, 0)
            )
            return dict(payment)

    def fail_payment(self, order_id: str) -> Json:
        """The customer's payment attempt fails; the order stays unpaid."""
        with self._lock:
            order = self.orders[order_id]
            payment = self._new_payment(order, amount=order["amount"], status="failed")
            payment.update(
                error_code="BAD_REQUEST_ERROR",
                error_description="Payment failed",
                error_reason="payment_failed",
            )
            order["status"] = "attempted"
            return dict(payment)

    def checkout_response(self, payment: Json) -> dict[str, str]:
        """What Razorpay Checkout hands the browser after this payment."""
        return {
            "razorpay_order_id": payment["order_id"],
            "razorpay_payment_id": payment["id"],
            "razorpay_signature": payment_signature(
                payment["order_id"], payment["id"], self.key_secret
            ),
        }

    def webhook(
        self,
        event: str,
        *,
        payment: Json | None = None,
        order: Json | None = None,
        refund: Json | None = None,
        event_id: str | None = None,
    ) -> tuple[bytes, dict[str, str]]:
        """A signed webhook delivery: the raw body and its headers."""
        entities = {"payment": payment, "order": order, "refund": refund}
        present = {name: entity for name, entity in entities.items() if entity is not None}
        envelope = {
            "entity": "event",
            "account_id": "acc_FakeAccount0001",
            "event": event,
            "contains": list(present),
            "payload": {name: {"entity": entity} for name, entity in present.items()},
            "created_at": int(time.time()),
        }
        body = json.dumps(envelope).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Razorpay-Signature": webhook_signature(body, self.webhook_secret),
            "X-Razorpay-Event-Id": event_id or _new_id(""),
        }
        return body, headers

    # --- the HTTP side ---------------------------------------------------------------------

    def _handle(self, request: RecordedRequest) -> FakeResponse:
        if self.mode == "hang":
            self._released.wait(HANG_SECONDS)
            return _error(504, "The request timed out", code="GATEWAY_ERROR")
        if self.mode == "fail":
            return _error(500, "The server encountered an error.", code="SERVER_ERROR")
        if not self._authorized(request):
            return _error(401, "Authentication failed")
        with self._lock:
            return self._route(request)

    def _authorized(self, request: RecordedRequest) -> bool:
        expected = base64.b64encode(f"{self.key_id}:{self.key_secret}".encode()).decode()
        return request.headers.get("authorization") == f"Basic {expected}"

    def _route(self, request: RecordedRequest) -> FakeResponse:
        for method, pattern, answer in self._routes:
            if request.method == method and (match := pattern.fullmatch(request.path)):
                return answer(request, *match.groups())
        return _error(404, "The requested URL was not found on the server.")

    def _create_order(self, request: RecordedRequest) -> FakeResponse:
        body = _json_object(request)
        if body is None:
            return _bad_body()
        if not _is_paise(body.get("amount")) or body["amount"] < MIN_ORDER_PAISE:
            return _error(400, "The amount must be atleast INR 1.00")
        if body.get("currency") != "INR":
            return _error(400, "The currency field is invalid.")
        if len(body.get("receipt") or "") > MAX_RECEIPT_LENGTH:
            return _error(400, "receipt: the length must be no more than 40.")
        order = {
            "id": _new_id("order_"),
            "entity": "order",
            "amount": body["amount"],
            "amount_paid": 0,
            "amount_due": body["amount"],
            "currency": body["currency"],
            "receipt": body.get("receipt"),
            "status": "created",
            "attempts": 0,
            "notes": body.get("notes") or {},
            "created_at": int(time.time()),
        }
        self.orders[order["id"]] = order
        return FakeResponse(200, order)

    def _fetch_order(self, request: RecordedRequest, order_id: str) -> FakeResponse:
        order = self.orders.get(order_id)
        return FakeResponse(200, order) if order else _no_such_id()

    def _fetch_order_payments(self, request: RecordedRequest, order_id: str) -> FakeResponse:
        if order_id not in self.orders:
            return _no_such_id()
        items = [payment for payment in self.payments.values() if payment["order_id"] == order_id]
        return FakeResponse(200, {"entity": "collection", "count": len(items), "items": items})

    def _fetch_payment(self, request: RecordedRequest, payment_id: str) -> FakeResponse:
        payment = self.payments.get(payment_id)
        return FakeResponse(200, payment) if payment else _no_such_id()

    def _refund(self, request: RecordedRequest, payment_id: str) -> FakeResponse:
        key = request.headers.get("x-refund-idempotency")
        if key is not None and not IDEMPOTENCY_KEY.fullmatch(key):
            return _error(400, "The idempotency key is invalid.")
        if key in self._refunds_by_key:
            return self._repeated_refund(request, key)
        payment = self.payments.get(payment_id)
        if payment is None:
            return _no_such_id()
        body = _json_object(request)
        if body is None:
            return _bad_body()
        refundable = payment["amount"] - payment["amount_refunded"]
        amount = body.get("amount", refundable)
        if payment["status"] != "captured" or not _is_paise(amount) or not 0 < amount <= refundable:
            return _error(400, "The refund amount is invalid for this payment.")
        refund = self._new_refund(payment, amount=amount, notes=body.get("notes") or {})
        if key is not None:
            self._refunds_by_key[key] = (request.body.decode(), refund)
        return FakeResponse(200, refund)

    def _repeated_refund(self, request: RecordedRequest, key: str) -> FakeResponse:
        first_body, refund = self._refunds_by_key[key]
        if request.body.decode() != first_body:
            return _error(400, KEY_REUSED)
        return FakeResponse(200, refund)

    # --- state -----------------------------------------------------------------------------

    def _new_payment(self, order: Json, *, amount: int, status: str) -> Json:
        payment = {
            "id": _new_id("pay_"),
            "entity": "payment",
            "amount": amount,
            "currency": order["currency"],
            "status": status,
            "order_id": order["id"],
            "method": "upi",
            "captured": status == "captured",
            "amount_refunded": 0,
            "refund_status": None,
            "error_code": None,
            "error_description": None,
            "error_reason": None,
            "created_at": int(time.time()),
        }
        order["attempts"] += 1
        self.payments[payment["id"]] = payment
        return payment

    def _new_refund(self, payment: Json, *, amount: int, notes: dict[str, str]) -> Json:
        refund = {
            "id": _new_id("rfnd_"),
            "entity": "refund",
            "amount": amount,
            "currency": payment["currency"],
            "payment_id": payment["id"],
            "notes": notes,
            "status": self.new_refund_status,
            "created_at": int(time.time()),
        }
        payment["amount_refunded"] += amount
        fully = payment["amount_refunded"] == payment["amount"]
        payment.update(refund_status="full" if fully else "partial")
        if fully:
            payment["status"] = "refunded"
        self.refunds[refund["id"]] = refund
        return refund


@pytest.fixture
def fake_razorpay() -> Iterator[FakeRazorpay]:
    """A running fake Razorpay; point settings at it with `fake.settings_overrides()`."""
    fake = FakeRazorpay().start()
    try:
        yield fake
    finally:
        fake.stop()

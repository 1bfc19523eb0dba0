"""A thin async client for the Razorpay REST calls we use: orders, payments, refunds.

Not the official SDK: it is synchronous (`requests`, no default timeout) and would block the
event loop. Every failure, whatever its cause, comes out as GatewayError, and no message ever
carries the key secret.
"""

import re
from dataclasses import dataclass
from typing import Any, Self, TypeVar

import httpx
from pydantic import TypeAdapter, ValidationError

from minuteserv.core.config import Settings
from minuteserv.integrations.payments import (
    GatewayError,
    GatewayOrder,
    GatewayPayment,
    GatewayRefund,
)

CURRENCY = "INR"
IDEMPOTENCY_HEADER = "X-Refund-Idempotency"  # Razorpay's documented refund idempotency header
_RAZORPAY_ID = re.compile(r"[A-Za-z0-9_]{1,64}")
_MAX_DESCRIBED = 200

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _PaymentCollection:
    items: list[GatewayPayment]


_ORDER = TypeAdapter(GatewayOrder)
_PAYMENT = TypeAdapter(GatewayPayment)
_PAYMENTS = TypeAdapter(_PaymentCollection)
_REFUND = TypeAdapter(GatewayRefund)


def _id_segment(value: str) -> str:
    """An id as a path segment; anything that is not a Razorpay id never reaches a URL."""
    if not _RAZORPAY_ID.fullmatch(value):
        raise GatewayError(f"not a Razorpay id: {value[:_MAX_DESCRIBED]!r}")
    return value


def _error_description(response: httpx.Response) -> str:
    try:
        description = response.json()["error"]["description"]
    except (ValueError, KeyError, TypeError):
        return response.reason_phrase
    return str(description)[:_MAX_DESCRIBED]


class RazorpayClient:
    """Razorpay's REST API over one pooled httpx client: basic auth, JSON, a timeout."""

    def __init__(
        self, *, key_id: str, key_secret: str, api_base: str, timeout_seconds: float
    ) -> None:
        self.key_id = key_id
        self.key_secret = key_secret
        self._timeout_seconds = timeout_seconds
        self._http = httpx.AsyncClient(
            base_url=api_base, auth=(key_id, key_secret), timeout=timeout_seconds
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        return cls(
            key_id=settings.razorpay_key_id,
            key_secret=settings.razorpay_key_secret,
            api_base=settings.razorpay_api_base,
            timeout_seconds=settings.gateway_timeout_seconds,
        )

    async def create_order(
        self, *, amount_paise: int, receipt: str, notes: dict[str, str]
    ) -> GatewayOrder:
        body = {"amount": amount_paise, "currency": CURRENCY, "receipt": receipt, "notes": notes}
        return await self._call(_ORDER, "POST", "/v1/orders", json=body)

    async def fetch_order(self, order_id: str) -> GatewayOrder:
        return await self._call(_ORDER, "GET", f"/v1/orders/{_id_segment(order_id)}")

    async def fetch_order_payments(self, order_id: str) -> list[GatewayPayment]:
        path = f"/v1/orders/{_id_segment(order_id)}/payments"
        return (await self._call(_PAYMENTS, "GET", path)).items

    async def fetch_payment(self, payment_id: str) -> GatewayPayment:
        return await self._call(_PAYMENT, "GET", f"/v1/payments/{_id_segment(payment_id)}")

    async def refund(
        self, *, payment_id: str, amount_paise: int, idempotency_key: str, notes: dict[str, str]
    ) -> GatewayRefund:
        return await self._call(
            _REFUND,
            "POST",
            f"/v1/payments/{_id_segment(payment_id)}/refund",
            json={"amount": amount_paise, "notes": notes},
            headers={IDEMPOTENCY_HEADER: idempotency_key},
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _call(
        self,
        shape: TypeAdapter[T],
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> T:
        response = await self._send(method, path, json=json, headers=headers)
        if not response.is_success:
            raise GatewayError(
                f"Razorpay answered {response.status_code} to {method} {path}: "
                f"{_error_description(response)}"
            )
        try:
            return shape.validate_json(response.content)
        except ValidationError as error:
            raise GatewayError(
                f"Razorpay's answer to {method} {path} is not what we expect "
                f"({error.error_count()} problems, first at {error.errors()[0]['loc']})"
            ) from None

    async def _send(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None,
        headers: dict[str, str] | None,
    ) -> httpx.Response:
        try:
            return await self._http.request(method, path, json=json, headers=headers)
        except httpx.TimeoutException:
            raise GatewayError(
                f"Razorpay did not answer {method} {path} within {self._timeout_seconds}s"
            ) from None
        except httpx.HTTPError as error:
            raise GatewayError(
                f"could not reach Razorpay for {method} {path}: {type(error).__name__}"
            ) from None

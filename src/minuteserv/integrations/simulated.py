"""An in-process stand-in for Razorpay, for the embedded default (development only).

It keeps orders, payments and refunds in this process's memory: they vanish on restart and
another worker process never sees them, so it serves one developer on one process, never
real customers (`APP_ENV=production` refuses it). `pay()` plays the customer at Razorpay
Checkout and hands back what Checkout would, signed with the same HMAC as Razorpay.
"""

import string
from dataclasses import dataclass, replace
from typing import Self

from minuteserv.core.codes import random_code
from minuteserv.core.config import Settings
from minuteserv.integrations.payments import (
    GatewayError,
    GatewayOrder,
    GatewayPayment,
    GatewayRefund,
)
from minuteserv.integrations.signatures import payment_signature

SIMULATED_KEY_ID = "rzp_test_simulated"
SIMULATED_KEY_SECRET = "simulated-key-secret"  # noqa: S105 - a development stand-in's key
CURRENCY = "INR"
MIN_ORDER_PAISE = 100  # Razorpay refuses orders under one rupee
_ID_ALPHABET = string.ascii_letters + string.digits


@dataclass(frozen=True, slots=True)
class SimulatedPayment:
    """What Razorpay Checkout hands the app: razorpay_order_id, _payment_id, _signature."""

    order_id: str
    payment_id: str
    signature: str


@dataclass(frozen=True, slots=True)
class _RefundRequest:
    payment_id: str
    amount: int
    refund: GatewayRefund


def _new_id(prefix: str) -> str:
    return prefix + random_code(_ID_ALPHABET, 14)


class SimulatedGateway:
    """Razorpay's behaviour for the calls we use, kept in memory."""

    def __init__(self, *, key_secret: str) -> None:
        self.key_id = SIMULATED_KEY_ID
        self.key_secret = key_secret
        self._orders: dict[str, GatewayOrder] = {}
        self._payments: dict[str, GatewayPayment] = {}
        self._refunds: dict[str, _RefundRequest] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        return cls(key_secret=settings.razorpay_key_secret or SIMULATED_KEY_SECRET)

    async def create_order(
        self, *, amount_paise: int, receipt: str, notes: dict[str, str]
    ) -> GatewayOrder:
        if amount_paise < MIN_ORDER_PAISE:
            raise GatewayError(f"order amount must be at least {MIN_ORDER_PAISE} paise")
        order = GatewayOrder(
            id=_new_id("order_SIM"),
            amount=amount_paise,
            currency=CURRENCY,
            receipt=receipt,
            status="created",
        )
        self._orders[order.id] = order
        return order

    async def fetch_order(self, order_id: str) -> GatewayOrder:
        return self._order(order_id)

    async def fetch_order_payments(self, order_id: str) -> list[GatewayPayment]:
        self._order(order_id)
        return [payment for payment in self._payments.values() if payment.order_id == order_id]

    async def fetch_payment(self, payment_id: str) -> GatewayPayment:
        return self._payment(payment_id)

    async def refund(
        self, *, payment_id: str, amount_paise: int, idempotency_key: str, notes: dict[str, str]
    ) -> GatewayRefund:
        if (earlier := self._refunds.get(idempotency_key)) is not None:
            return self._repeat(earlier, payment_id=payment_id, amount_paise=amount_paise)
        payment = self._payment(payment_id)
        if payment.status != "captured" or not 0 < amount_paise <= self._refundable(payment):
            raise GatewayError(f"payment {payment_id} cannot be refunded {amount_paise} paise")
        refund = GatewayRefund(
            id=_new_id("rfnd_SIM"), payment_id=payment_id, amount=amount_paise, status="processed"
        )
        self._refunds[idempotency_key] = _RefundRequest(payment_id, amount_paise, refund)
        if self._refundable(payment) == 0:
            self._payments[payment_id] = replace(payment, status="refunded")
        return refund

    async def aclose(self) -> None:
        return None

    def pay(self, order_id: str) -> SimulatedPayment:
        """Pay the order's full amount as a customer would at Checkout; paying again is a no-op."""
        order = self._order(order_id)
        payment = self._captured_payment(order_id) or self._capture(order)
        signature = payment_signature(order_id, payment.id, self.key_secret)
        return SimulatedPayment(order_id=order_id, payment_id=payment.id, signature=signature)

    def _capture(self, order: GatewayOrder) -> GatewayPayment:
        payment = GatewayPayment(
            id=_new_id("pay_SIM"),
            order_id=order.id,
            amount=order.amount,
            currency=order.currency,
            status="captured",
            method="upi",
        )
        self._payments[payment.id] = payment
        self._orders[order.id] = replace(order, status="paid")
        return payment

    def _captured_payment(self, order_id: str) -> GatewayPayment | None:
        return next(
            (
                payment
                for payment in self._payments.values()
                if payment.order_id == order_id and payment.status in ("captured", "refunded")
            ),
            None,
        )

    def _refundable(self, payment: GatewayPayment) -> int:
        refunded = sum(
            request.amount for request in self._refunds.values() if request.payment_id == payment.id
        )
        return payment.amount - refunded

    @staticmethod
    def _repeat(earlier: _RefundRequest, *, payment_id: str, amount_paise: int) -> GatewayRefund:
        if (earlier.payment_id, earlier.amount) != (payment_id, amount_paise):
            raise GatewayError("a different refund was already made with this idempotency key")
        return earlier.refund

    def _order(self, order_id: str) -> GatewayOrder:
        if (order := self._orders.get(order_id)) is None:
            raise GatewayError(f"no simulated order {order_id!r}")
        return order

    def _payment(self, payment_id: str) -> GatewayPayment:
        if (payment := self._payments.get(payment_id)) is None:
            raise GatewayError(f"no simulated payment {payment_id!r}")
        return payment

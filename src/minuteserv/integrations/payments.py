"""The payment gateway interface: Razorpay's real client and the local stand-in side by side.

Amounts are integer paise here and only here; the rest of the app speaks Decimal rupees.
"""

from dataclasses import dataclass
from typing import Protocol

from minuteserv.core.config import GatewayName, Settings


@dataclass(frozen=True, slots=True)
class GatewayOrder:
    id: str
    amount: int
    currency: str
    receipt: str
    status: str  # created | attempted | paid


@dataclass(frozen=True, slots=True)
class GatewayPayment:
    id: str
    order_id: str
    amount: int
    currency: str
    status: str  # created | authorized | captured | refunded | failed
    method: str | None = None
    error_description: str | None = None


@dataclass(frozen=True, slots=True)
class GatewayRefund:
    id: str
    payment_id: str
    amount: int
    status: str  # pending | processed | failed


class GatewayError(Exception):
    """The gateway failed, timed out or refused; nothing is known to have happened."""


class PaymentGateway(Protocol):
    key_id: str
    key_secret: str

    async def create_order(
        self, *, amount_paise: int, receipt: str, notes: dict[str, str]
    ) -> GatewayOrder: ...

    async def fetch_order(self, order_id: str) -> GatewayOrder: ...

    async def fetch_order_payments(self, order_id: str) -> list[GatewayPayment]: ...

    async def fetch_payment(self, payment_id: str) -> GatewayPayment: ...

    async def refund(
        self, *, payment_id: str, amount_paise: int, idempotency_key: str, notes: dict[str, str]
    ) -> GatewayRefund:
        """Refund part or all of a captured payment.

        Razorpay wants the key to be 10+ characters of letters, digits, `-` and `_`, and the
        same body on every retry with it; a retry then returns the first refund.
        """

    async def aclose(self) -> None: ...


def create_gateway(settings: Settings) -> PaymentGateway:
    """The gateway the settings choose: Razorpay's API, or the in-process stand-in."""
    # Imported here because both implementations import this module's types.
    from minuteserv.integrations.razorpay import RazorpayClient
    from minuteserv.integrations.simulated import SimulatedGateway

    if settings.gateway == GatewayName.RAZORPAY:
        return RazorpayClient.from_settings(settings)
    return SimulatedGateway.from_settings(settings)

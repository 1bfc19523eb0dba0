"""Pricing of a cart: pure functions of the catalog lines, the promo terms and the rates."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from minuteserv.core.money import round_paise
from minuteserv.promos.models import DiscountType

ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class CartLine:
    service_id: str
    name: str
    category: str
    tier: str
    unit_price: Decimal
    quantity: int
    duration_minutes: int

    @property
    def line_total(self) -> Decimal:
        return round_paise(self.unit_price * self.quantity)


@dataclass(frozen=True, slots=True)
class PromoTerms:
    code: str
    discount_type: DiscountType
    discount_value: Decimal
    min_order_amount: Decimal | None
    usage_limit: int | None
    used_count: int
    valid_from: datetime | None
    valid_until: datetime | None
    is_active: bool


class PromoRejection(StrEnum):
    NOT_FOUND = "not_found"
    INACTIVE = "inactive"
    NOT_STARTED = "not_started"
    EXPIRED = "expired"
    MIN_ORDER_NOT_MET = "min_order_not_met"
    USAGE_LIMIT_REACHED = "usage_limit_reached"


@dataclass(frozen=True, slots=True)
class PromoVerdict:
    code: str
    applied: bool
    discount: Decimal
    reason: PromoRejection | None = None


@dataclass(frozen=True, slots=True)
class Pricing:
    subtotal: Decimal
    discount: Decimal
    tax: Decimal
    grand_total: Decimal
    partner_payout: Decimal


def subtotal(lines: Sequence[CartLine]) -> Decimal:
    return round_paise(sum((line.line_total for line in lines), ZERO))


def promo_rejection(terms: PromoTerms, *, amount: Decimal, now: datetime) -> PromoRejection | None:
    """Why this promo does not apply to an order of `amount` at `now` (None when it does)."""
    if not terms.is_active:
        return PromoRejection.INACTIVE
    if terms.valid_from is not None and now < terms.valid_from:
        return PromoRejection.NOT_STARTED
    if terms.valid_until is not None and now >= terms.valid_until:
        return PromoRejection.EXPIRED
    if terms.min_order_amount is not None and amount < terms.min_order_amount:
        return PromoRejection.MIN_ORDER_NOT_MET
    if terms.usage_limit is not None and terms.used_count >= terms.usage_limit:
        return PromoRejection.USAGE_LIMIT_REACHED
    return None


def promo_discount(terms: PromoTerms, amount: Decimal) -> Decimal:
    """The discount on `amount`: a percentage or a fixed sum, never more than `amount`."""
    if terms.discount_type == DiscountType.PERCENTAGE:
        discount = round_paise(amount * terms.discount_value / 100)
    else:
        discount = round_paise(terms.discount_value)
    return min(discount, amount)


def evaluate_promo(
    code: str, terms: PromoTerms | None, *, amount: Decimal, now: datetime
) -> PromoVerdict:
    if terms is None:
        return PromoVerdict(code, applied=False, discount=ZERO, reason=PromoRejection.NOT_FOUND)
    rejection = promo_rejection(terms, amount=amount, now=now)
    if rejection is not None:
        return PromoVerdict(terms.code, applied=False, discount=ZERO, reason=rejection)
    return PromoVerdict(terms.code, applied=True, discount=promo_discount(terms, amount))


def price(
    amount: Decimal, *, discount: Decimal, tax_rate: Decimal, partner_share: Decimal
) -> Pricing:
    """Tax and the partner's share are taken on the discounted amount."""
    taxable = amount - discount
    tax = round_paise(taxable * tax_rate)
    return Pricing(
        subtotal=amount,
        discount=discount,
        tax=tax,
        grand_total=taxable + tax,
        partner_payout=round_paise(taxable * partner_share),
    )

import uuid
from datetime import date, datetime, time
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    model_validator,
)

from minuteserv.bookings.models import PaymentMethod
from minuteserv.bookings.schemas import BookingSummary, SlotTime
from minuteserv.bookings.slots import parse_slot
from minuteserv.core.money import Rupees
from minuteserv.core.phone import PhoneNumber

MAX_CART_ITEMS = 20
MAX_QUANTITY = 10


def _slot(value: object) -> time:
    """Only text: pydantic would read a number as seconds into a UTC time, which no slot is."""
    if not isinstance(value, str):
        raise ValueError("a time like '10:00 AM' or '10:00'")
    return parse_slot(value)


SlotInput = Annotated[time, BeforeValidator(_slot)]


class CartItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service_id: uuid.UUID
    quantity: int = Field(1, ge=1, le=MAX_QUANTITY)


class PrepareRequest(BaseModel):
    """`service_ids` (a repeated id means quantity) or `items`, not both."""

    model_config = ConfigDict(extra="forbid")

    service_ids: list[uuid.UUID] | None = Field(None, min_length=1, max_length=MAX_CART_ITEMS)
    items: list[CartItem] | None = Field(None, min_length=1, max_length=MAX_CART_ITEMS)
    address_id: uuid.UUID
    promo_code: Annotated[str, Field(max_length=50)] | None = None
    booking_date: date | None = None

    @model_validator(mode="after")
    def _one_cart(self) -> Self:
        if (self.service_ids is None) == (self.items is None):
            raise ValueError("give either service_ids or items")
        return self


class PricingOut(BaseModel):
    subtotal: Rupees
    discount: Rupees
    tax: Rupees
    grand_total: Rupees


class PromoOut(BaseModel):
    code: str
    applied: bool
    discount: Rupees
    reason: str | None


class PricedLine(BaseModel):
    service_id: uuid.UUID
    name: str
    category: str
    tier: str
    unit_price: Rupees
    quantity: int
    line_total: Rupees
    duration_minutes: int


class PrepareResult(BaseModel):
    preview_id: uuid.UUID
    expires_at: datetime
    services: list[PricedLine]
    pricing: PricingOut
    promo: PromoOut | None
    duration_minutes: int
    booking_date: date
    available_slots: list[SlotTime]


class ConfirmRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    preview_id: uuid.UUID
    payment_method: Literal["cash", "online"]
    address_id: uuid.UUID | None = None
    booking_date: date
    booking_time: SlotInput
    customer_name: Annotated[str, Field(min_length=1, max_length=255)] | None = None
    customer_phone: PhoneNumber | None = None
    customer_email: EmailStr | None = None

    @property
    def method(self) -> PaymentMethod:
        return PaymentMethod(self.payment_method)


class CheckoutPayment(BaseModel):
    order_id: str
    amount: int = Field(description="Integer paise, as Razorpay Checkout wants it")
    currency: str
    key: str


class ConfirmResult(BaseModel):
    booking: BookingSummary
    payment: CheckoutPayment | None = None


def priced_lines(items: list[Any]) -> list[PricedLine]:
    return [PricedLine.model_validate(item) for item in items]

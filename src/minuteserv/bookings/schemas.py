"""What clients see of a booking."""

import uuid
from datetime import date, datetime, time
from typing import Annotated, Any, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

from minuteserv.bookings.models import (
    ActorType,
    AssignmentStatus,
    BookingStatus,
    PaymentMethod,
    PaymentStatus,
)
from minuteserv.bookings.slots import format_slot
from minuteserv.core.money import Rupees
from minuteserv.core.pagination import Pagination
from minuteserv.partners.schemas import PartnerOut
from minuteserv.payments.models import PaymentRecordStatus

SlotTime = Annotated[
    time,
    PlainSerializer(format_slot, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "examples": ["10:00 AM"]}),
]
"""A slot start, sent as `10:00 AM`."""


class BookingSummary(BaseModel):
    """One line of a customer's booking list (the dashboard's recent bookings)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    booking_number: str
    status: BookingStatus
    payment_status: PaymentStatus
    payment_method: PaymentMethod
    booking_date: date
    booking_time: SlotTime
    services: list[dict[str, Any]]
    grand_total: Rupees
    partner_id: uuid.UUID | None
    created_at: datetime


class BookingOut(BookingSummary):
    """A booking in full, as its owner sees it."""

    address_id: uuid.UUID
    start_at: datetime
    end_at: datetime
    total_price: Rupees
    discount: Rupees
    tax: Rupees
    promo_code: str | None
    customer_name: str | None
    customer_phone: str | None
    customer_email: str | None
    assignment_status: AssignmentStatus | None
    razorpay_order_id: str | None
    hold_expires_at: datetime | None
    cancelled_at: datetime | None
    cancellation_reason: str | None
    refund_amount: Rupees | None


class PartnerPublic(BaseModel):
    """What a customer may know of their partner."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    rating: float


class PaymentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    razorpay_order_id: str | None
    razorpay_payment_id: str | None
    amount: Rupees
    status: PaymentRecordStatus
    payment_method: str | None
    created_at: datetime


class BookingDetailOut(BaseModel):
    booking: BookingOut
    partner: PartnerPublic | None
    payment: PaymentOut | None


class BookingPage(BaseModel):
    bookings: list[BookingSummary]
    pagination: Pagination


class CancelRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, Field(max_length=500)] | None = None


class CancelResult(BaseModel):
    booking_id: uuid.UUID
    status: BookingStatus
    payment_status: PaymentStatus
    refund_amount: Rupees


# --- Staff views --------------------------------------------------------------------------


class AdminBookingFilters(BaseModel):
    """`GET /admin/bookings` query: every filter given must match."""

    status: BookingStatus | None = None
    payment_status: PaymentStatus | None = None
    date_from: date | None = Field(None, description="First booking date included")
    date_to: date | None = Field(None, description="Last booking date included")
    partner_id: uuid.UUID | None = None
    q: (
        Annotated[
            str,
            StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
            Field(
                description="Part of a booking number (any case), or the customer's phone "
                "number in any usual form"
            ),
        ]
        | None
    ) = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> Self:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("date_from must not be after date_to")
        return self


class AdminBookingSummary(BookingSummary):
    """One line of the staff's booking list."""

    user_id: uuid.UUID
    customer_name: str | None
    customer_phone: str | None
    assignment_status: AssignmentStatus | None


class AdminBookingPage(BaseModel):
    bookings: list[AdminBookingSummary]
    pagination: Pagination


class CustomerBrief(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    phone_number: str
    name: str | None
    email: str | None


class BookingEventOut(BaseModel):
    """One change in a booking's history: who changed which field from what to what."""

    model_config = ConfigDict(from_attributes=True, populate_by_name=True)

    actor_type: ActorType
    actor_id: str | None
    field: str
    from_value: str | None = Field(alias="from")
    to_value: str | None = Field(alias="to")
    note: str | None
    created_at: datetime


class AdminBookingDetailOut(BaseModel):
    booking: BookingOut
    customer: CustomerBrief
    partner: PartnerOut | None
    payment: PaymentOut | None
    history: list[BookingEventOut] = Field(description="Oldest first")


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: BookingStatus
    reason: Annotated[str, Field(max_length=500)] | None = None


class PartnerAssignment(BaseModel):
    """A named partner, or none to let the assignment score choose."""

    model_config = ConfigDict(extra="forbid")

    partner_id: uuid.UUID | None = None

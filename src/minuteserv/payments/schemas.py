import uuid

from pydantic import BaseModel, ConfigDict, Field

from minuteserv.bookings.models import BookingStatus, PaymentStatus

RazorpayId = Field(min_length=1, max_length=100)


class VerifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    razorpay_order_id: str = RazorpayId
    razorpay_payment_id: str = RazorpayId
    razorpay_signature: str = Field(min_length=1, max_length=200)


class VerifyResult(BaseModel):
    booking_id: uuid.UUID
    status: BookingStatus
    payment_status: PaymentStatus


class WebhookResult(BaseModel):
    outcome: str = Field(examples=["applied", "duplicate", "ignored", "unknown_order"])


class SimulatedCheckout(BaseModel):
    """What Razorpay Checkout hands the app after a successful payment."""

    razorpay_order_id: str
    razorpay_payment_id: str
    razorpay_signature: str

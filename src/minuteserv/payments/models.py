import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from minuteserv.core import clock
from minuteserv.core.db import Base, CreatedAt, UUIDPrimaryKey, enum_type


class PaymentRecordStatus(StrEnum):
    PENDING = "pending"
    CAPTURED = "captured"
    FAILED = "failed"
    REFUND_PENDING = "refund_pending"
    REFUNDED = "refunded"


class Payment(UUIDPrimaryKey, CreatedAt, Base):
    """One Razorpay order for a booking, and what became of it."""

    __tablename__ = "payments"
    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount_positive"),)

    booking_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("bookings.id"), index=True)
    razorpay_order_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    razorpay_payment_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    amount: Mapped[Decimal]
    status: Mapped[PaymentRecordStatus] = mapped_column(
        enum_type(PaymentRecordStatus),
        default=PaymentRecordStatus.PENDING,
        server_default="pending",
    )
    payment_method: Mapped[str | None] = mapped_column(sa.String(50))
    failure_reason: Mapped[str | None] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(
        default=clock.now, onupdate=clock.now, server_default=sa.func.now()
    )


class WebhookEvent(CreatedAt, Base):
    """The webhook inbox: one row per Razorpay event id, so a replayed event is a no-op."""

    __tablename__ = "webhook_events"

    event_id: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    event: Mapped[str] = mapped_column(sa.String(50))
    payload: Mapped[dict[str, Any]]
    outcome: Mapped[str | None] = mapped_column(sa.String(100))

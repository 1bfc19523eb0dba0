import uuid
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from minuteserv.core import clock
from minuteserv.core.db import Base, CreatedAt, UUIDPrimaryKey, enum_type


class BookingStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class PaymentMethod(StrEnum):
    CASH = "cash"
    ONLINE = "online"


class PaymentStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"
    REFUND_PENDING = "refund_pending"
    REFUNDED = "refunded"


class AssignmentStatus(StrEnum):
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


UNASSIGNED_LIVE = sa.text("partner_id IS NULL AND status <> 'cancelled'")
"""Bookings waiting for a partner: few at any time, so a partial index finds them at once."""
LIVE = sa.text("status <> 'cancelled'")
"""Bookings that hold their partner's time: what the slot search reads."""
NO_OVERLAP = "ex_bookings_partner_overlap"
"""The exclusion constraint (PostgreSQL only, created by the first migration) that no partner
holds two overlapping live bookings."""


class Booking(UUIDPrimaryKey, CreatedAt, Base):
    """One visit. `start_at`/`end_at` are the partner's busy range (service time plus travel),
    so overlap is a range test; on PostgreSQL an exclusion constraint enforces it."""

    __tablename__ = "bookings"
    __table_args__ = (
        sa.Index("ix_bookings_user_created", "user_id", "created_at"),
        sa.Index("ix_bookings_partner_start", "partner_id", "start_at"),
        # The slot search's: each eligible partner's live bookings around a day, read from
        # the index alone (end_at included), without visiting the table.
        sa.Index(
            "ix_bookings_partner_live",
            "partner_id",
            "start_at",
            postgresql_include=["end_at"],
            postgresql_where=LIVE,
            sqlite_where=LIVE,
        ),
        sa.Index("ix_bookings_status", "status"),
        sa.Index("ix_bookings_booking_date", "booking_date"),
        sa.Index("ix_bookings_hold_expires", "hold_expires_at"),
        sa.Index("ix_bookings_created", "created_at", "id"),
        sa.Index(
            "ix_bookings_unassigned_start",
            "start_at",
            postgresql_where=UNASSIGNED_LIVE,
            sqlite_where=UNASSIGNED_LIVE,
        ),
        sa.CheckConstraint("end_at > start_at", name="range_ordered"),
        sa.CheckConstraint(
            "total_price >= 0 AND discount >= 0 AND tax >= 0 AND grand_total >= 0",
            name="amounts_not_negative",
        ),
        sa.CheckConstraint("discount <= total_price", name="discount_within_subtotal"),
        sa.CheckConstraint(
            "customer_rating IS NULL OR customer_rating BETWEEN 1 AND 5", name="rating_range"
        ),
    )

    booking_number: Mapped[str] = mapped_column(sa.String(50), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id"))
    address_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("user_addresses.id"))
    partner_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("partners.id"))

    services: Mapped[list[Any]]
    booking_date: Mapped[date]
    booking_time: Mapped[time]
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]

    status: Mapped[BookingStatus] = mapped_column(
        enum_type(BookingStatus), default=BookingStatus.PENDING, server_default="pending"
    )
    payment_method: Mapped[PaymentMethod] = mapped_column(enum_type(PaymentMethod))
    payment_status: Mapped[PaymentStatus] = mapped_column(
        enum_type(PaymentStatus), default=PaymentStatus.PENDING, server_default="pending"
    )
    razorpay_order_id: Mapped[str | None] = mapped_column(sa.String(255))
    razorpay_payment_id: Mapped[str | None] = mapped_column(sa.String(255))
    hold_expires_at: Mapped[datetime | None]

    total_price: Mapped[Decimal]
    discount: Mapped[Decimal] = mapped_column(default=Decimal(0), server_default="0")
    tax: Mapped[Decimal]
    grand_total: Mapped[Decimal]
    partner_payout: Mapped[Decimal | None]

    promo_code: Mapped[str | None] = mapped_column(sa.String(50))
    promo_code_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("promo_codes.id", ondelete="SET NULL")
    )
    customer_name: Mapped[str | None] = mapped_column(sa.String(255))
    customer_phone: Mapped[str | None] = mapped_column(sa.String(15))
    customer_email: Mapped[str | None] = mapped_column(sa.String(255))

    assignment_status: Mapped[AssignmentStatus | None] = mapped_column(enum_type(AssignmentStatus))
    assigned_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]

    cancelled_at: Mapped[datetime | None]
    cancellation_reason: Mapped[str | None] = mapped_column(sa.Text)
    refund_amount: Mapped[Decimal | None]

    customer_rating: Mapped[int | None]
    customer_feedback: Mapped[str | None] = mapped_column(sa.Text)

    updated_at: Mapped[datetime] = mapped_column(
        default=clock.now, onupdate=clock.now, server_default=sa.func.now()
    )


class ActorType(StrEnum):
    CUSTOMER = "customer"
    ADMIN = "admin"
    GATEWAY = "gateway"
    WORKER = "worker"


class BookingEvent(UUIDPrimaryKey, CreatedAt, Base):
    """One change of a booking's status, payment status or partner: who, what, from, to, when."""

    __tablename__ = "booking_events"
    __table_args__ = (sa.Index("ix_booking_events_booking_created", "booking_id", "created_at"),)

    booking_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("bookings.id", ondelete="CASCADE"))
    actor_type: Mapped[ActorType] = mapped_column(enum_type(ActorType))
    actor_id: Mapped[str | None] = mapped_column(sa.String(64))
    field: Mapped[str] = mapped_column(sa.String(30))
    from_value: Mapped[str | None] = mapped_column(sa.String(64))
    to_value: Mapped[str | None] = mapped_column(sa.String(64))
    note: Mapped[str | None] = mapped_column(sa.Text)

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from minuteserv.core.db import Base, CreatedAt, UUIDPrimaryKey


class CheckoutPreview(UUIDPrimaryKey, CreatedAt, Base):
    """A priced cart stored by `prepare`; `confirm` books exactly this, once (`booking_id`)."""

    __tablename__ = "checkout_previews"
    __table_args__ = (sa.Index("ix_checkout_previews_user_created", "user_id", "created_at"),)

    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    address_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("user_addresses.id"))
    items: Mapped[list[Any]]
    categories: Mapped[list[Any]]
    duration_minutes: Mapped[int]
    subtotal: Mapped[Decimal]
    discount: Mapped[Decimal]
    tax: Mapped[Decimal]
    grand_total: Mapped[Decimal]
    partner_payout: Mapped[Decimal]
    promo: Mapped[dict[str, Any] | None]
    promo_code_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("promo_codes.id", ondelete="SET NULL")
    )
    booking_date: Mapped[date | None]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    booking_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("bookings.id", ondelete="SET NULL"), unique=True
    )

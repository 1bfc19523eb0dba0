from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from minuteserv.core.db import Base, Coordinate, CreatedAt, UUIDPrimaryKey

Rating = sa.Numeric(3, 2, asdecimal=False).with_variant(sa.Float(), "sqlite")


class Partner(UUIDPrimaryKey, CreatedAt, Base):
    """A beautician. `service_categories` is a JSON list of catalog category names."""

    __tablename__ = "partners"
    __table_args__ = (
        sa.Index("ix_partners_active_available", "is_active", "is_available"),
        sa.CheckConstraint("rating >= 0 AND rating <= 5", name="rating_range"),
    )

    partner_code: Mapped[str] = mapped_column(sa.String(50), unique=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    phone_number: Mapped[str] = mapped_column(sa.String(15), unique=True)
    email: Mapped[str | None] = mapped_column(sa.String(255))
    service_categories: Mapped[list[Any]] = mapped_column(default=list)
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    is_available: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    rating: Mapped[float] = mapped_column(Rating, default=0.0, server_default="0")
    total_bookings: Mapped[int] = mapped_column(default=0, server_default="0")
    total_earnings: Mapped[Decimal] = mapped_column(default=Decimal(0), server_default="0")
    pending_payout: Mapped[Decimal] = mapped_column(default=Decimal(0), server_default="0")
    current_lat: Mapped[float | None] = mapped_column(Coordinate)
    current_lng: Mapped[float | None] = mapped_column(Coordinate)

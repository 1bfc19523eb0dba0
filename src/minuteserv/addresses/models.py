import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from minuteserv.core.db import Base, Coordinate, CreatedAt, UUIDPrimaryKey


class UserAddress(UUIDPrimaryKey, CreatedAt, Base):
    """A customer's address. Deleting one that bookings point to only hides it (`deleted_at`),
    so the booking keeps its address and the foreign key stays intact."""

    __tablename__ = "user_addresses"
    __table_args__ = (
        sa.Index(
            "uq_user_addresses_one_default",
            "user_id",
            unique=True,
            sqlite_where=sa.text("is_default AND deleted_at IS NULL"),
            postgresql_where=sa.text("is_default AND deleted_at IS NULL"),
        ),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(100), default="Home", server_default="Home")
    address_line1: Mapped[str] = mapped_column(sa.String(255))
    address_line2: Mapped[str | None] = mapped_column(sa.String(255))
    city: Mapped[str] = mapped_column(sa.String(100))
    state: Mapped[str] = mapped_column(sa.String(100))
    pincode: Mapped[str] = mapped_column(sa.String(10))
    lat: Mapped[float | None] = mapped_column(Coordinate)
    lng: Mapped[float | None] = mapped_column(Coordinate)
    place_id: Mapped[str | None] = mapped_column(sa.String(255))
    is_default: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    deleted_at: Mapped[datetime | None]

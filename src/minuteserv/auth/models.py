from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from minuteserv.core.db import Base, CreatedAt, UUIDPrimaryKey, enum_type


class OtpVerification(UUIDPrimaryKey, CreatedAt, Base):
    """One code sent to a phone. Only its HMAC is stored (`code_hash`); it dies when used,
    expired, or after too many wrong tries (`attempts`)."""

    __tablename__ = "otp_verifications"
    __table_args__ = (sa.Index("ix_otp_verifications_phone_created", "phone_number", "created_at"),)

    phone_number: Mapped[str] = mapped_column(sa.String(15))
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    is_verified: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    expires_at: Mapped[datetime] = mapped_column(index=True)


class AdminRole(StrEnum):
    ADMIN = "admin"
    SUPPORT = "support"


class AdminUser(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "admin_users"

    email: Mapped[str] = mapped_column(sa.String(255), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    name: Mapped[str | None] = mapped_column(sa.String(255))
    role: Mapped[AdminRole] = mapped_column(
        enum_type(AdminRole), default=AdminRole.ADMIN, server_default="admin"
    )
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from minuteserv.core.db import Base, CreatedAt, UUIDPrimaryKey, enum_type


class ContactStatus(StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"


class ContactSubmission(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "contact_submissions"
    __table_args__ = (sa.Index("ix_contact_submissions_status_created", "status", "created_at"),)

    name: Mapped[str] = mapped_column(sa.String(255))
    email: Mapped[str] = mapped_column(sa.String(255))
    phone: Mapped[str | None] = mapped_column(sa.String(15))
    message: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[ContactStatus] = mapped_column(
        enum_type(ContactStatus), default=ContactStatus.NEW, server_default="new"
    )

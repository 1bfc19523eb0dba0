"""The public contact form, and the submissions as staff work through them."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, StringConstraints

from minuteserv.contact.models import ContactStatus
from minuteserv.core.pagination import Pagination
from minuteserv.core.phone import PhoneNumber

THANKS = "Thank you for contacting us"


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
    email: EmailStr
    phone: PhoneNumber | None = None
    message: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]


class ContactReceipt(BaseModel):
    id: uuid.UUID
    message: str = THANKS


class ContactSubmissionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    email: str
    phone: str | None
    message: str
    status: ContactStatus
    created_at: datetime


class ContactSubmissionPage(BaseModel):
    contact_submissions: list[ContactSubmissionOut]
    pagination: Pagination


class ContactStatusUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: ContactStatus

"""The customer's own account, the dashboard built around it, and the staff's user list."""

import uuid
from datetime import datetime
from typing import Annotated, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from minuteserv.addresses.schemas import AddressOut
from minuteserv.bookings.schemas import BookingSummary
from minuteserv.core.pagination import Pagination

PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
LowercaseEmail = Annotated[EmailStr, AfterValidator(str.lower)]


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    phone_number: str
    name: str | None
    email: str | None
    is_verified: bool
    created_at: datetime


class ProfileUpdate(BaseModel):
    """The fields a customer may change; send at least one. The phone number is the login."""

    model_config = ConfigDict(extra="forbid")

    name: PersonName | None = None
    email: LowercaseEmail | None = None

    @field_validator("name", "email")
    @classmethod
    def _not_null(cls, value: str | None) -> str:
        if value is None:
            raise ValueError("may be left out, but not null")
        return value

    @model_validator(mode="after")
    def _something_to_change(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("send at least one of name, email")
        return self


class Dashboard(BaseModel):
    user: UserOut
    addresses: list[AddressOut]
    bookings: list[BookingSummary]


class UserListItem(UserOut):
    bookings_count: int = Field(description="Bookings the user has made, in any state")


class UserPage(BaseModel):
    users: list[UserListItem]
    pagination: Pagination

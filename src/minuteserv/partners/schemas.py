"""Partners as admins see and edit them."""

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
    model_validator,
)

from minuteserv.core.money import Rupees
from minuteserv.core.pagination import Pagination
from minuteserv.core.patch import PatchBody
from minuteserv.core.phone import PhoneNumber

PartnerName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
Category = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Categories = Annotated[
    list[Category],
    Field(min_length=1, max_length=50),
    AfterValidator(lambda categories: list(dict.fromkeys(categories))),
]
"""A non-empty list of catalog categories; repeats are dropped, order kept."""
Email = Annotated[EmailStr, AfterValidator(str.lower)]
Rating = Annotated[float, Field(ge=0, le=5)]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]


class PartnerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    partner_code: str
    name: str
    phone_number: str
    email: str | None
    service_categories: list[str]
    is_active: bool
    is_available: bool
    rating: float
    total_bookings: int
    total_earnings: Rupees
    pending_payout: Rupees
    current_lat: float | None
    current_lng: float | None
    created_at: datetime


class PartnerListItem(PartnerOut):
    today_load: int = Field(description="Non-cancelled bookings on today's date (TIMEZONE)")


class PartnerPage(BaseModel):
    partners: list[PartnerListItem]
    pagination: Pagination


class _Location(BaseModel):
    current_lat: Latitude | None = None
    current_lng: Longitude | None = None

    @model_validator(mode="after")
    def _both_or_neither(self) -> Self:
        given = {"current_lat", "current_lng"} & self.model_fields_set
        if len(given) == 1 or (self.current_lat is None) != (self.current_lng is None):
            raise ValueError("send current_lat and current_lng together (both null to clear)")
        return self


class PartnerCreate(_Location):
    model_config = ConfigDict(extra="forbid")

    name: PartnerName
    phone_number: PhoneNumber
    email: Email | None = None
    service_categories: Categories
    rating: Rating = 0.0


class PartnerUpdate(PatchBody, _Location):
    """The fields to change. `reassign` may also come as a query flag."""

    NOT_NULL = frozenset(
        ("name", "phone_number", "service_categories", "is_active", "is_available")
    )
    FLAGS = frozenset(("reassign",))

    name: PartnerName | None = None
    phone_number: PhoneNumber | None = None
    email: Email | None = None
    service_categories: Categories | None = None
    is_active: bool | None = None
    is_available: bool | None = None
    reassign: bool = False

    def strands_bookings(self) -> bool:
        """Whether this change can leave the partner unable to serve bookings they hold."""
        return bool({"is_active", "is_available", "service_categories"} & self.model_fields_set)


class MovedBooking(BaseModel):
    booking_id: uuid.UUID
    booking_number: str
    partner_id: uuid.UUID


class UnassignedBooking(BaseModel):
    booking_id: uuid.UUID
    booking_number: str


class PartnerUpdated(BaseModel):
    partner: PartnerOut
    reassigned: list[MovedBooking] = []
    unassigned: list[UnassignedBooking] = []

"""Services as admins see and edit them."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import (
    AnyUrl,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    UrlConstraints,
)

from minuteserv.catalog.schemas import ServiceOut
from minuteserv.core.money import AmountIn
from minuteserv.core.pagination import Pagination

Price = Annotated[AmountIn, Field(gt=0)]
ImageUrl = Annotated[
    AnyUrl,
    UrlConstraints(max_length=500, allowed_schemes=["http", "https"], host_required=True),
    PlainSerializer(str, return_type=str),
]


def _text(max_length: int) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)


class ServiceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, _text(255)]
    category: Annotated[str, _text(100)]
    tier: Annotated[str, _text(50)]
    product_cost: Price
    market_price: Price | None = None
    duration_minutes: Annotated[int, Field(ge=5, le=600)] = 60
    image_url: ImageUrl | None = None


class ServiceReplace(ServiceIn):
    """Every field of the service; one left out takes its default (none for `is_active`)."""

    is_active: bool


class ServiceAdminOut(ServiceOut):
    is_active: bool
    created_at: datetime


class ServicePage(BaseModel):
    services: list[ServiceAdminOut]
    pagination: Pagination


class ServiceRemoved(BaseModel):
    id: uuid.UUID
    deleted: bool = Field(description="True when the service was never booked and is gone")
    deactivated: bool = Field(description="True when bookings name it, so it was only hidden")

"""Address bodies and answers."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

COORDINATE_DECIMALS = 8  # the columns are NUMERIC(11, 8) on PostgreSQL


def _blank_to_none(value: str | None) -> str | None:
    return value or None


def _column_precision(value: float) -> float:
    """Round as PostgreSQL will store it, so every engine answers the same number."""
    return round(value, COORDINATE_DECIMALS)


Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
OptionalLine = Annotated[
    Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)] | None,
    AfterValidator(_blank_to_none),
]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Pincode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[1-9][0-9]{5}$"),
    Field(description="An Indian PIN code: 6 digits, the first not 0", examples=["700032"]),
]
Latitude = Annotated[
    float, Field(ge=-90, le=90, allow_inf_nan=False), AfterValidator(_column_precision)
]
Longitude = Annotated[
    float, Field(ge=-180, le=180, allow_inf_nan=False), AfterValidator(_column_precision)
]


class AddressIn(BaseModel):
    """Every editable field of an address: POST creates one, PUT replaces them all.

    `is_default: true` makes this the default; `false` never leaves a customer without one
    (the default moves only when another address takes it, or when it is deleted)."""

    model_config = ConfigDict(extra="forbid")

    name: ShortText = Field("Home", description="A label such as Home or Work")
    address_line1: Line
    address_line2: OptionalLine = None
    city: ShortText
    state: ShortText
    pincode: Pincode
    lat: Latitude | None = None
    lng: Longitude | None = Field(None, validate_default=True)
    place_id: OptionalLine = None
    is_default: bool = False

    @field_validator("lng")
    @classmethod
    def _coordinates_together(cls, lng: float | None, info: ValidationInfo) -> float | None:
        if "lat" not in info.data:  # lat itself was invalid and is reported on its own
            return lng
        lat = info.data["lat"]
        if lat is not None and lng is None:
            raise ValueError("lng is required when lat is given")
        if lat is None and lng is not None:
            raise ValueError("lat is required when lng is given")
        return lng


class AddressOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    address_line1: str
    address_line2: str | None
    city: str
    state: str
    pincode: str
    lat: float | None
    lng: float | None
    place_id: str | None
    is_default: bool
    created_at: datetime


class AddressDeleted(BaseModel):
    id: uuid.UUID
    deleted: Literal[True] = True

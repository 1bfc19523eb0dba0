"""The response envelope every JSON answer is wrapped in."""

import uuid
from decimal import Decimal
from typing import Any, Generic, Literal, TypeVar

import orjson
from fastapi import Response
from pydantic import BaseModel, Field

from minuteserv.core.money import rupees_number

T = TypeVar("T")


class Envelope(BaseModel, Generic[T]):
    success: Literal[True] = True
    data: T


def _encode(value: object) -> float | str:
    """orjson's hook for the values it cannot encode itself: Decimal amounts, sent as `Rupees`
    sends them, and asyncpg's subclass of UUID."""
    if isinstance(value, Decimal):
        return rupees_number(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not sent as JSON")


class EnvelopeJSON(Response):
    """A success envelope around plain values, encoded by orjson, for the hottest read routes:
    validating a page of bookings into models and dumping them costs a list request an eighth
    of its CPU. It sends what the route's `Envelope[...]` model would: UTC instants ending in
    `Z`, amounts as numbers in rupees, enums as their values; `orjson.Fragment`s (JSON read
    from the database as text) go out as they are."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        envelope = {"success": True, "data": content}
        return orjson.dumps(envelope, default=_encode, option=orjson.OPT_UTC_Z)


class ErrorBody(BaseModel):
    code: str = Field(examples=["SLOT_UNAVAILABLE"])
    message: str
    details: list[dict[str, Any]] = []
    request_id: str | None = None


class ErrorEnvelope(BaseModel):
    success: Literal[False] = False
    error: ErrorBody


def error_responses(*status_codes: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entry documenting the error envelopes a route can answer with."""
    return {status: {"model": ErrorEnvelope} for status in status_codes}

"""The response envelope every JSON answer is wrapped in."""

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")


class Envelope(BaseModel, Generic[T]):
    success: Literal[True] = True
    data: T


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

"""Promo codes as admins see and edit them."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from minuteserv.core.money import AmountIn, Rupees
from minuteserv.core.pagination import Pagination
from minuteserv.core.patch import PatchBody
from minuteserv.promos.models import DiscountType

Code = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=3, max_length=50, pattern=r"^[A-Za-z0-9_-]+$"
    ),
    AfterValidator(str.upper),
]
"""3 to 50 of A-Z, 0-9, `_` and `-`; stored upper case."""
DiscountValue = Annotated[AmountIn, Field(gt=0, description="Rupees, or percent (at most 100)")]
MinOrderAmount = Annotated[AmountIn, Field(ge=0)]
UsageLimit = Annotated[int, Field(ge=1, le=2_000_000_000)]


class PromoOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    discount_type: DiscountType
    discount_value: Rupees
    min_order_amount: Rupees | None
    usage_limit: int | None
    used_count: int
    valid_from: datetime | None
    valid_until: datetime | None
    is_active: bool
    created_at: datetime


class PromoPage(BaseModel):
    promo_codes: list[PromoOut]
    pagination: Pagination


class PromoCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Code
    discount_type: DiscountType
    discount_value: DiscountValue
    min_order_amount: MinOrderAmount | None = None
    usage_limit: UsageLimit | None = None
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None
    is_active: bool = True


class PromoUpdate(PatchBody):
    """The fields to change; null clears the optional ones."""

    NOT_NULL = frozenset(("code", "discount_type", "discount_value", "is_active"))

    code: Code | None = None
    discount_type: DiscountType | None = None
    discount_value: DiscountValue | None = None
    min_order_amount: MinOrderAmount | None = None
    usage_limit: UsageLimit | None = None
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None
    is_active: bool | None = None

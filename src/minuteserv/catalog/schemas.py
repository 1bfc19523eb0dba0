"""The public catalog."""

import uuid

from pydantic import BaseModel, ConfigDict, Field

from minuteserv.core.money import Rupees


class ServiceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    category: str
    tier: str
    product_cost: Rupees
    market_price: Rupees | None
    duration_minutes: int
    image_url: str | None


class Catalog(BaseModel):
    categories: dict[str, list[ServiceOut]] = Field(
        description="Active services by category; categories alphabetical, services by price"
    )

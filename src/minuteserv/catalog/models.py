from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from minuteserv.core.db import Base, CreatedAt, UUIDPrimaryKey


class Service(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "services"
    __table_args__ = (
        sa.Index("ix_services_category_tier", "category", "tier"),
        sa.CheckConstraint("product_cost > 0", name="product_cost_positive"),
        sa.CheckConstraint(
            "market_price IS NULL OR market_price > 0", name="market_price_positive"
        ),
        sa.CheckConstraint("duration_minutes > 0", name="duration_positive"),
    )

    name: Mapped[str] = mapped_column(sa.String(255))
    category: Mapped[str] = mapped_column(sa.String(100))
    tier: Mapped[str] = mapped_column(sa.String(50))
    product_cost: Mapped[Decimal]
    market_price: Mapped[Decimal | None]
    duration_minutes: Mapped[int] = mapped_column(default=60, server_default="60")
    image_url: Mapped[str | None] = mapped_column(sa.String(500))
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

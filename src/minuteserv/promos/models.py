from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from minuteserv.core.db import Base, CreatedAt, Money, UUIDPrimaryKey, enum_type


class DiscountType(StrEnum):
    PERCENTAGE = "percentage"
    FIXED = "fixed"


class PromoCode(UUIDPrimaryKey, CreatedAt, Base):
    """A discount code, stored upper case. The database refuses `used_count` past `usage_limit`."""

    __tablename__ = "promo_codes"
    __table_args__ = (
        sa.CheckConstraint("usage_limit IS NULL OR used_count <= usage_limit", name="within_limit"),
        sa.CheckConstraint("used_count >= 0", name="used_count_not_negative"),
        sa.CheckConstraint("discount_value > 0", name="discount_positive"),
        # A Money literal, because SQLite stores paise: there the cap renders as 10000.
        sa.CheckConstraint(
            sa.or_(
                sa.column("discount_type") != "percentage",
                sa.column("discount_value") <= sa.literal(Decimal(100), Money()),
            ),
            name="percentage_at_most_100",
        ),
    )

    code: Mapped[str] = mapped_column(sa.String(50), unique=True)
    discount_type: Mapped[DiscountType] = mapped_column(enum_type(DiscountType))
    discount_value: Mapped[Decimal]
    min_order_amount: Mapped[Decimal | None]
    usage_limit: Mapped[int | None]
    used_count: Mapped[int] = mapped_column(default=0, server_default="0")
    valid_from: Mapped[datetime | None]
    valid_until: Mapped[datetime | None]
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

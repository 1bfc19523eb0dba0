"""Promo codes as checkout sees them: look up the terms, take and give back one use atomically."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.checkout.pricing import PromoTerms
from minuteserv.core.reader import driver_rows
from minuteserv.promos.models import DiscountType, PromoCode


def normalise_code(code: str) -> str:
    return code.strip().upper()


async def find_by_code(session: AsyncSession, code: str) -> PromoCode | None:
    return await session.scalar(sa.select(PromoCode).where(PromoCode.code == normalise_code(code)))


PROMO_TERMS = sa.select(
    PromoCode.id,
    PromoCode.code,
    PromoCode.discount_type,
    PromoCode.discount_value,
    PromoCode.min_order_amount,
    PromoCode.usage_limit,
    PromoCode.used_count,
    PromoCode.valid_from,
    PromoCode.valid_until,
    PromoCode.is_active,
).where(PromoCode.code == sa.bindparam("code"))


async def terms_by_code(session: AsyncSession, code: str) -> tuple[uuid.UUID, PromoTerms] | None:
    """The promo's id and terms, as plain columns (a checkout reads them on every prepare)."""
    found = await driver_rows(
        await session.connection(), PROMO_TERMS, {"code": normalise_code(code)}
    )
    if not found:
        return None
    terms = dict(found[0])
    terms["discount_type"] = DiscountType(terms["discount_type"])  # a string from the driver
    return terms.pop("id"), PromoTerms(**terms)


async def take_use(session: AsyncSession, *, promo_id: uuid.UUID, now: datetime) -> bool:
    """Count one use if the code is still live and under its limit; one statement, so racing
    checkouts can never push `used_count` past `usage_limit`."""
    result = await session.execute(
        sa.update(PromoCode)
        .where(
            PromoCode.id == promo_id,
            PromoCode.is_active,
            sa.or_(PromoCode.usage_limit.is_(None), PromoCode.used_count < PromoCode.usage_limit),
            sa.or_(PromoCode.valid_from.is_(None), PromoCode.valid_from <= now),
            sa.or_(PromoCode.valid_until.is_(None), PromoCode.valid_until > now),
        )
        .values(used_count=PromoCode.used_count + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def release_use(session: AsyncSession, *, promo_id: uuid.UUID) -> None:
    """Give back the use a cancelled or expired booking took."""
    await session.execute(
        sa.update(PromoCode)
        .where(PromoCode.id == promo_id, PromoCode.used_count > 0)
        .values(used_count=PromoCode.used_count - 1)
        .execution_options(synchronize_session=False)
    )

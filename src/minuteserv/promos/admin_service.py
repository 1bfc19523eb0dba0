"""Admin management of promo codes. Checks that span fields run on the promo as it would be
after the change, so a PATCH of one field cannot break a rule another field holds."""

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.core.pagination import PageRequest, count_rows
from minuteserv.promos.errors import (
    InvalidPromoTerms,
    PromoCodeTaken,
    PromoNotFound,
    UsageLimitBelowUsed,
)
from minuteserv.promos.models import DiscountType, PromoCode
from minuteserv.promos.schemas import PromoCreate, PromoOut, PromoPage, PromoUpdate
from minuteserv.promos.service import find_by_code

MAX_PERCENTAGE = Decimal(100)


async def list_promos(
    session: AsyncSession, *, is_active: bool | None, page: PageRequest
) -> PromoPage:
    """One page of promo codes, newest first."""
    query = sa.select(PromoCode)
    if is_active is not None:
        query = query.where(PromoCode.is_active == is_active)
    total = await count_rows(session, query)
    promos = await session.scalars(
        page.slice(query.order_by(PromoCode.created_at.desc(), PromoCode.id.desc()))
    )
    return PromoPage(
        promo_codes=[PromoOut.model_validate(promo) for promo in promos],
        pagination=page.pagination(total),
    )


async def create_promo(session: AsyncSession, *, form: PromoCreate) -> PromoCode:
    """A new promo code, unique (codes are upper case, so regardless of case)."""
    fields = form.model_dump()
    _check_terms(fields)
    await _check_code_free(session, form.code)
    promo = PromoCode(**fields)
    await _save(session, lambda: session.add(promo))
    return promo


async def update_promo(
    session: AsyncSession, *, promo_id: uuid.UUID, changes: PromoUpdate
) -> PromoCode:
    """Change some fields; the usage limit may not drop below the uses already counted."""
    promo = await _locked(session, promo_id)
    fields = changes.changes()
    _check_terms({**_terms_of(promo), **fields})
    if fields.get("code", promo.code) != promo.code:
        await _check_code_free(session, fields["code"])
    if (limit := fields.get("usage_limit")) is not None and limit < promo.used_count:
        raise UsageLimitBelowUsed(details=[{"used_count": promo.used_count}])
    await _save(session, lambda: _set(promo, fields))
    return promo


async def deactivate_promo(session: AsyncSession, *, promo_id: uuid.UUID) -> PromoCode:
    """Switch a code off; bookings that used it keep their discount."""
    promo = await _locked(session, promo_id)
    promo.is_active = False
    await session.flush()
    return promo


async def _locked(session: AsyncSession, promo_id: uuid.UUID) -> PromoCode:
    """The promo, locked against checkouts counting a use while it changes."""
    promo = await session.scalar(
        sa.select(PromoCode)
        .where(PromoCode.id == promo_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if promo is None:
        raise PromoNotFound()
    return promo


def _terms_of(promo: PromoCode) -> dict[str, Any]:
    return {
        "discount_type": promo.discount_type,
        "discount_value": promo.discount_value,
        "valid_from": promo.valid_from,
        "valid_until": promo.valid_until,
    }


def _check_terms(terms: dict[str, Any]) -> None:
    problems = []
    if (
        terms["discount_type"] == DiscountType.PERCENTAGE
        and terms["discount_value"] > MAX_PERCENTAGE
    ):
        problems.append(_problem("discount_value", "a percentage discount is at most 100"))
    valid_from, valid_until = terms["valid_from"], terms["valid_until"]
    if valid_from is not None and valid_until is not None and valid_from >= valid_until:
        problems.append(_problem("valid_until", "must be later than valid_from"))
    if problems:
        raise InvalidPromoTerms(details=problems)


def _problem(field: str, message: str) -> dict[str, str]:
    return {"field": field, "location": "body", "message": message, "type": "value_error"}


async def _check_code_free(session: AsyncSession, code: str) -> None:
    if await find_by_code(session, code) is not None:
        raise PromoCodeTaken()


def _set(promo: PromoCode, fields: dict[str, Any]) -> None:
    for field, value in fields.items():
        setattr(promo, field, value)


async def _save(session: AsyncSession, change: Callable[[], None]) -> None:
    """Make `change` and flush it; a racing write of the same code is still a 409."""
    try:
        async with session.begin_nested():
            change()
    except IntegrityError:
        raise PromoCodeTaken() from None

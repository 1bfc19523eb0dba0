"""Checkout's first step: price a cart into a stored preview and list its free slots (the
second, booking that preview once, is `confirmation`)."""

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.addresses import service as addresses_service
from minuteserv.addresses.service import AddressNotFound
from minuteserv.auth.dependencies import require_user
from minuteserv.bookings.schedules import ScheduleCache
from minuteserv.checkout import cart
from minuteserv.checkout.models import CheckoutPreview
from minuteserv.checkout.pricing import (
    ZERO,
    CartLine,
    PromoVerdict,
    evaluate_promo,
    price,
    subtotal,
)
from minuteserv.core.config import Settings
from minuteserv.core.reader import insert_record
from minuteserv.promos import service as promos_service


@dataclass(frozen=True, slots=True)
class CartRequest:
    quantities: Counter[uuid.UUID]
    address_id: uuid.UUID
    promo_code: str | None
    booking_date: date | None


@dataclass(frozen=True, slots=True)
class Prepared:
    preview: CheckoutPreview
    booking_date: date
    slots: list[time]


async def prepare(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    request: CartRequest,
    schedules: ScheduleCache,
    settings: Settings,
    now: datetime,
) -> Prepared:
    """Price the cart from the catalog, judge the promo, store the preview, list free slots.
    The address's owner is the token's user, who is checked by the same statement (their
    addresses went with them): 401 if they no longer exist."""
    try:
        await addresses_service.require_owned(
            session, user_id=user_id, address_id=request.address_id
        )
    except AddressNotFound:
        await require_user(await session.connection(), user_id)
        raise
    lines = await cart.priced_lines(session, request.quantities)
    amount = subtotal(lines)
    verdict, promo_id = await _judge_promo(session, request.promo_code, amount=amount, now=now)
    pricing = price(
        amount,
        discount=verdict.discount if verdict else ZERO,
        tax_rate=settings.tax_rate,
        partner_share=settings.partner_share,
    )
    day, slots = await _slots(session, schedules, request.booking_date, lines, now)
    preview = CheckoutPreview(
        id=uuid.uuid4(),
        created_at=now,
        user_id=user_id,
        address_id=request.address_id,
        items=[_line_json(line) for line in lines],
        categories=cart.categories(lines),
        duration_minutes=cart.total_duration(lines),
        subtotal=pricing.subtotal,
        discount=pricing.discount,
        tax=pricing.tax,
        grand_total=pricing.grand_total,
        partner_payout=pricing.partner_payout,
        promo=_promo_json(verdict),
        promo_code_id=promo_id,
        booking_date=day,
        expires_at=now + timedelta(seconds=settings.preview_ttl_seconds),
    )
    await insert_record(await session.connection(), preview)
    return Prepared(preview=preview, booking_date=day, slots=slots)


async def _judge_promo(
    session: AsyncSession, code: str | None, *, amount: Decimal, now: datetime
) -> tuple[PromoVerdict | None, uuid.UUID | None]:
    """The verdict on the code, and the promo's id when it applies."""
    if not code:
        return None, None
    found = await promos_service.terms_by_code(session, code)
    promo_id, terms = found if found else (None, None)
    verdict = evaluate_promo(promos_service.normalise_code(code), terms, amount=amount, now=now)
    return verdict, promo_id if verdict.applied else None


async def _slots(
    session: AsyncSession,
    schedules: ScheduleCache,
    day: date | None,
    lines: list[CartLine],
    now: datetime,
) -> tuple[date, list[time]]:
    # The preview is not written yet: what the schedule cache reads here is committed.
    connection = await session.connection()
    duration, categories = cart.total_duration(lines), cart.categories(lines)
    if day is None:
        return await schedules.first_open_day(
            connection, duration_minutes=duration, categories=categories, now=now
        )
    return day, await schedules.free_slots(
        connection, day=day, duration_minutes=duration, categories=categories, now=now
    )


def _line_json(line: CartLine) -> dict[str, object]:
    """The line as the booking keeps it; amounts are JSON numbers in rupees, as the API sends."""
    return {
        "service_id": line.service_id,
        "name": line.name,
        "category": line.category,
        "tier": line.tier,
        "unit_price": float(line.unit_price),
        "quantity": line.quantity,
        "line_total": float(line.line_total),
        "duration_minutes": line.duration_minutes,
    }


def _promo_json(verdict: PromoVerdict | None) -> dict[str, object] | None:
    if verdict is None:
        return None
    return {
        "code": verdict.code,
        "applied": verdict.applied,
        "discount": str(verdict.discount),
        "reason": verdict.reason.value if verdict.reason else None,
    }

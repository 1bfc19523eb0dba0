"""Admin management of partners: the list with today's load, creating and changing them."""

import uuid
from collections.abc import Collection
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.bookings.admin_service import categories_of
from minuteserv.bookings.history import Actor
from minuteserv.bookings.models import Booking, BookingStatus
from minuteserv.bookings.slots import SlotRules
from minuteserv.catalog.models import Service
from minuteserv.core.codes import LETTERS_AND_DIGITS, random_code
from minuteserv.core.db import dialect_name, json_array_contains
from minuteserv.core.pagination import PageRequest, count_rows
from minuteserv.partners import reassignment
from minuteserv.partners.errors import (
    PartnerHasUpcomingBookings,
    PartnerNotFound,
    PartnerPhoneTaken,
    UnknownCategory,
)
from minuteserv.partners.models import Partner
from minuteserv.partners.schemas import (
    PartnerCreate,
    PartnerListItem,
    PartnerOut,
    PartnerPage,
    PartnerUpdate,
    PartnerUpdated,
)

CODE_PREFIX = "MSP-"
CODE_LENGTH = 6
CODE_ATTEMPTS = 5
FINISHED = (BookingStatus.CANCELLED, BookingStatus.COMPLETED)


def new_partner_code() -> str:
    return CODE_PREFIX + random_code(LETTERS_AND_DIGITS, CODE_LENGTH)


async def list_partners(
    session: AsyncSession,
    *,
    is_active: bool | None,
    is_available: bool | None,
    category: str | None,
    page: PageRequest,
    now: datetime,
    zone: ZoneInfo,
) -> PartnerPage:
    """One page of partners by name, each with how many live bookings it has today."""
    where: list[sa.ColumnElement[bool]] = []
    if is_active is not None:
        where.append(Partner.is_active == is_active)
    if is_available is not None:
        where.append(Partner.is_available == is_available)
    if category is not None:
        where.append(
            json_array_contains(dialect_name(session), Partner.service_categories, category)
        )
    total = await count_rows(session, sa.select(Partner.id).where(*where))
    loads = _day_loads(now.astimezone(zone).date())
    rows = await session.execute(
        page.slice(
            sa.select(Partner.__table__, sa.func.coalesce(loads.c.load, 0).label("today_load"))
            .outerjoin(loads, loads.c.partner_id == Partner.id)
            .where(*where)
            .order_by(Partner.name, Partner.id)
        )
    )
    return PartnerPage(
        partners=[PartnerListItem.model_validate(dict(row._mapping)) for row in rows],
        pagination=page.pagination(total),
    )


def _day_loads(day: date) -> sa.Subquery:
    """Live bookings per partner on `day`, in one grouped query."""
    return (
        sa.select(Booking.partner_id, sa.func.count().label("load"))
        .where(
            Booking.booking_date == day,
            Booking.status != BookingStatus.CANCELLED,
            Booking.partner_id.is_not(None),
        )
        .group_by(Booking.partner_id)
        .subquery()
    )


async def create_partner(session: AsyncSession, *, form: PartnerCreate) -> Partner:
    """A new partner with a fresh unique code; the phone must be free, the categories known."""
    await _check_categories(session, form.service_categories)
    await _check_phone_free(session, form.phone_number)
    fields = form.model_dump()
    for _ in range(CODE_ATTEMPTS):
        partner = Partner(partner_code=new_partner_code(), **fields)
        try:
            async with session.begin_nested():
                session.add(partner)
        except IntegrityError:
            # The drawn code was taken, or a racing create took the phone first.
            await _check_phone_free(session, form.phone_number)
            continue
        return partner
    raise RuntimeError(f"no free partner code after {CODE_ATTEMPTS} draws")


async def update_partner(
    session: AsyncSession,
    *,
    partner_id: uuid.UUID,
    changes: PartnerUpdate,
    reassign: bool,
    actor: Actor,
    rules: SlotRules,
    now: datetime,
) -> PartnerUpdated:
    """Change a partner. Upcoming bookings the change leaves them unable to serve are refused
    (409), or with `reassign` moved to the best other free partner or left unassigned."""
    partner = await _locked_partner(session, partner_id)
    fields = changes.changes()
    await _check_changes(session, partner, fields)
    stranded = (
        await _stranded_bookings(session, partner, fields, now)
        if changes.strands_bookings()
        else []
    )
    if stranded and not reassign:
        raise PartnerHasUpcomingBookings(details=[_booking_ref(b) for b in stranded])
    await _apply(session, partner, fields)
    moved, unassigned = await reassignment.move_away(
        session, bookings=stranded, partner_id=partner.id, actor=actor, rules=rules, now=now
    )
    return PartnerUpdated(
        partner=PartnerOut.model_validate(partner), reassigned=moved, unassigned=unassigned
    )


async def _locked_partner(session: AsyncSession, partner_id: uuid.UUID) -> Partner:
    """The partner, locked so no checkout reserves them while they change."""
    partner = await session.scalar(
        sa.select(Partner)
        .where(Partner.id == partner_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if partner is None:
        raise PartnerNotFound()
    return partner


async def _check_changes(session: AsyncSession, partner: Partner, fields: dict[str, Any]) -> None:
    if "service_categories" in fields:
        await _check_categories(session, fields["service_categories"])
    if fields.get("phone_number", partner.phone_number) != partner.phone_number:
        await _check_phone_free(session, fields["phone_number"])


async def _apply(session: AsyncSession, partner: Partner, fields: dict[str, Any]) -> None:
    try:
        async with session.begin_nested():
            for field, value in fields.items():
                setattr(partner, field, value)
    except IntegrityError:
        raise PartnerPhoneTaken() from None  # a racing change took the phone first


async def _check_categories(session: AsyncSession, categories: Collection[str]) -> None:
    known = set(
        await session.scalars(
            sa.select(Service.category).distinct().where(Service.category.in_(categories))
        )
    )
    unknown = [category for category in categories if category not in known]
    if unknown:
        raise UnknownCategory(
            details=[{"field": "service_categories", "value": category} for category in unknown]
        )


async def _check_phone_free(session: AsyncSession, phone: str) -> None:
    taken = await session.scalar(sa.select(Partner.id).where(Partner.phone_number == phone))
    if taken is not None:
        raise PartnerPhoneTaken()


async def _stranded_bookings(
    session: AsyncSession, partner: Partner, fields: dict[str, Any], now: datetime
) -> list[Booking]:
    """The partner's upcoming live bookings they could no longer serve after the change."""
    upcoming = await session.scalars(
        sa.select(Booking)
        .where(
            Booking.partner_id == partner.id,
            Booking.status.not_in(FINISHED),
            Booking.start_at >= now,
        )
        .order_by(Booking.start_at, Booking.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if not (
        fields.get("is_active", partner.is_active)
        and fields.get("is_available", partner.is_available)
    ):
        return list(upcoming)
    covered = set(fields.get("service_categories", partner.service_categories))
    return [b for b in upcoming if not await categories_of(session, b) <= covered]


def _booking_ref(booking: Booking) -> dict[str, str]:
    return {"booking_id": str(booking.id), "booking_number": booking.booking_number}

"""Reserving a concrete partner for a visit, safe against any number of racing requests.

The chosen partner's row is locked (FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already
serializes writers), then their bookings are checked again for overlap. A candidate found busy is
let go by rolling back to the savepoint taken before the lock, so no request holds a lock it does
not need while it moves on to the next candidate. The exclusion constraint on bookings remains
the last word.

Racing confirms of one slot rank the partners alike, so they would all queue on the best one's
lock and, one after another, find them taken. A first pass therefore skips partners another
request holds (SKIP LOCKED) and takes the first free one of the rest; only when that finds
nobody are the skipped ones waited for, one by one, so a 409 still means every eligible partner
was seen taken.
"""

import uuid
from collections.abc import Collection
from datetime import date
from enum import Enum

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.bookings.availability import free_candidates, live_overlapping
from minuteserv.bookings.models import Booking
from minuteserv.bookings.slots import LONGEST_VISIT, BusyRange, SlotRules
from minuteserv.partners.assignment import rank
from minuteserv.partners.models import Partner


async def has_overlap(
    session: AsyncSession,
    partner_id: uuid.UUID,
    visit: BusyRange,
    *,
    ignore_booking: uuid.UUID | None = None,
) -> bool:
    query = sa.select(Booking.id).where(
        Booking.partner_id == partner_id,
        *live_overlapping(visit.start_at, visit.end_at, visit.start_at - LONGEST_VISIT),
    )
    if ignore_booking is not None:
        query = query.where(Booking.id != ignore_booking)
    return await session.scalar(query.limit(1)) is not None


class Unavailable(Enum):
    TAKEN = "taken"  # ineligible now, or busy at that time
    HELD = "held"  # locked by another transaction, and skipped


async def lock_if_free(
    session: AsyncSession,
    partner_id: uuid.UUID,
    visit: BusyRange,
    *,
    categories: Collection[str],
    ignore_booking: uuid.UUID | None = None,
) -> Partner | None:
    """Lock the partner and return it if it is still eligible and free for `visit`."""
    found = await _lock_if_free(
        session, partner_id, visit, categories=categories, ignore_booking=ignore_booking
    )
    return found if isinstance(found, Partner) else None


async def _lock_if_free(
    session: AsyncSession,
    partner_id: uuid.UUID,
    visit: BusyRange,
    *,
    categories: Collection[str],
    ignore_booking: uuid.UUID | None,
    skip_locked: bool = False,
) -> Partner | Unavailable:
    savepoint = await session.begin_nested()
    partner = await session.scalar(
        sa.select(Partner)
        .where(Partner.id == partner_id)
        .with_for_update(skip_locked=skip_locked)
        .execution_options(populate_existing=True)
    )
    if (
        partner is not None
        and partner.is_active
        and partner.is_available
        and set(categories) <= set(partner.service_categories)
        and not await has_overlap(session, partner_id, visit, ignore_booking=ignore_booking)
    ):
        await savepoint.commit()
        return partner
    await savepoint.rollback()
    return Unavailable.HELD if partner is None and skip_locked else Unavailable.TAKEN


async def ranked_free_partners(
    session: AsyncSession,
    rules: SlotRules,
    *,
    day: date,
    visit: BusyRange,
    categories: Collection[str],
    lat: float | None,
    lng: float | None,
    reassigning: Booking | None = None,
) -> list[uuid.UUID]:
    """Eligible partners free for `visit`, best first by the assignment score; the booking
    being reassigned, if any, neither makes its own partner busy nor adds to their load."""
    candidates = await free_candidates(
        session,
        rules,
        day=day,
        visit=visit,
        categories=categories,
        ignore_booking=reassigning.id if reassigning is not None else None,
    )
    return [candidate.partner_id for candidate in rank(candidates, lat=lat, lng=lng)]


async def reserve_first_free(
    session: AsyncSession,
    ranked: list[uuid.UUID],
    visit: BusyRange,
    *,
    categories: Collection[str],
    ignore_booking: uuid.UUID | None = None,
) -> Partner | None:
    """Lock and return the first of `ranked` still free for `visit`; None when nobody is.
    The ranking was read without locks: each partner is checked again under their lock."""
    for skip_locked in (True, False):
        held = []
        for partner_id in ranked:
            found = await _lock_if_free(
                session,
                partner_id,
                visit,
                categories=categories,
                ignore_booking=ignore_booking,
                skip_locked=skip_locked,
            )
            if isinstance(found, Partner):
                return found
            if found is Unavailable.HELD:
                held.append(partner_id)
        ranked = held
    return None

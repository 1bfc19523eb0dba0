"""Reserving a concrete partner for a visit, safe against any number of racing requests.

The chosen partner's row is locked (FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already
serializes writers), then their bookings are checked again for overlap. A candidate found busy is
let go by rolling back to the savepoint taken before the lock, so no request holds a lock it does
not need while it moves on to the next candidate. The exclusion constraint on bookings remains
the last word.

Racing confirms of one slot rank the partners alike, so they would all queue on the best one's
lock and, one after another, find them taken. On PostgreSQL a first pass therefore locks, in one
statement, the best-ranked partner no other request holds (SKIP LOCKED); only when that finds
nobody free are the others waited for, one by one, so a 409 still means every eligible partner
was seen taken.
"""

import uuid
from collections.abc import Collection
from datetime import date
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from minuteserv.bookings.availability import eligible, free_candidates, live_overlapping
from minuteserv.bookings.models import Booking
from minuteserv.bookings.slots import LONGEST_VISIT, BusyRange, SlotRules
from minuteserv.core.reader import driver_rows
from minuteserv.partners.assignment import rank
from minuteserv.partners.models import Partner


async def has_overlap(
    session: AsyncSession,
    partner_id: uuid.UUID,
    visit: BusyRange,
    *,
    ignore_booking: uuid.UUID | None = None,
) -> bool:
    query = _overlap_query(ignoring=ignore_booking is not None)
    params = _overlap_params(partner_id, visit, ignore_booking)
    return bool(await driver_rows(await session.connection(), query, params))


async def lock_if_free(
    session: AsyncSession,
    partner_id: uuid.UUID,
    visit: BusyRange,
    *,
    categories: Collection[str],
    ignore_booking: uuid.UUID | None = None,
) -> Partner | None:
    """Lock the partner and return it if it is still eligible and free for `visit`, waiting
    for any transaction that holds them."""
    savepoint = await session.begin_nested()
    partner = await session.scalar(
        sa.select(Partner)
        .where(Partner.id == partner_id)
        .with_for_update()
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
    return None


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
) -> uuid.UUID | None:
    """Lock and return the first of `ranked` still free for `visit`; None when nobody is.
    The ranking was read without locks: each partner is checked again under their lock."""
    if not ranked:
        return None
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        found, ranked = await _reserve_first_unheld(
            connection, ranked, visit, categories=frozenset(categories), ignore=ignore_booking
        )
        if found is not None:
            return found
    for partner_id in ranked:
        partner = await lock_if_free(
            session, partner_id, visit, categories=categories, ignore_booking=ignore_booking
        )
        if partner is not None:
            return partner.id
    return None


async def _reserve_first_unheld(
    connection: AsyncConnection,
    ranked: list[uuid.UUID],
    visit: BusyRange,
    *,
    categories: frozenset[str],
    ignore: uuid.UUID | None,
) -> tuple[uuid.UUID | None, list[uuid.UUID]]:
    """The first pass, on PostgreSQL: one statement locks the best-ranked eligible partner no
    other transaction holds, who is then checked for overlap. Returns the partner reserved,
    or None and the partners left to wait for: those held, or ineligible, at that moment."""
    first_unheld = _first_unheld_query(categories)
    overlap = _overlap_query(ignoring=ignore is not None)
    remaining = list(ranked)
    await driver_rows(connection, SAVEPOINT)
    while remaining:
        locked = await driver_rows(connection, first_unheld, {"ids": remaining})
        if not locked:
            break
        partner_id = locked[0]["id"]
        params = _overlap_params(partner_id, visit, ignore)
        if not await driver_rows(connection, overlap, params):
            return partner_id, remaining  # the commit releases the savepoint
        await driver_rows(connection, ROLLBACK_TO_SAVEPOINT)  # let go; the savepoint stays
        remaining.remove(partner_id)
    return None, remaining


SAVEPOINT = sa.text("SAVEPOINT reserve_partner")
ROLLBACK_TO_SAVEPOINT = sa.text("ROLLBACK TO SAVEPOINT reserve_partner")


@lru_cache(maxsize=256)
def _first_unheld_query(categories: frozenset[str]) -> sa.Select[Any]:
    """Of the partners `ids`, the first in that order who is eligible and whom no other
    transaction holds, locked: racing confirms of one slot each take a different partner at
    once, rather than queueing on the best one's lock. The ids are walked in order, each
    looked up by its key, until one can be locked."""
    ranked = (
        sa.func.unnest(sa.bindparam("ids", type_=postgresql.ARRAY(sa.Uuid)))
        .table_valued("id", with_ordinality="position")
        .render_derived(name="ranked")
    )
    return (
        sa.select(Partner.id)
        .select_from(ranked.join(Partner, Partner.id == ranked.c.id))
        .where(*eligible("postgresql", categories))
        .order_by(ranked.c.position)
        .limit(1)
        .with_for_update(skip_locked=True, of=Partner)
    )


@lru_cache(maxsize=2)
def _overlap_query(*, ignoring: bool) -> sa.Select[Any]:
    """A live booking of the partner's overlapping [start, end)."""
    query = sa.select(Booking.id).where(
        Booking.partner_id == sa.bindparam("partner_id"),
        *live_overlapping(
            sa.bindparam("start"), sa.bindparam("end"), sa.bindparam("earliest_start")
        ),
    )
    if ignoring:
        query = query.where(Booking.id != sa.bindparam("ignore"))
    return query.limit(1)


def _overlap_params(
    partner_id: uuid.UUID, visit: BusyRange, ignore: uuid.UUID | None
) -> dict[str, Any]:
    return {
        "partner_id": partner_id,
        "start": visit.start_at,
        "end": visit.end_at,
        "earliest_start": visit.start_at - LONGEST_VISIT,
        "ignore": ignore,
    }

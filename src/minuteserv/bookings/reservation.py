"""Reserving a concrete partner for a visit, safe against any number of racing requests.

The chosen partner's row is locked (FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already
serializes writers) and checked again under the lock: by a statement reading their bookings, or
(confirm) by the booking's write itself, made only if they are still free (`unbooked`). Whoever
gives a partner a booking holds that lock, so a statement begun under it sees the last
holder's bookings. A candidate found busy is let go by rolling back to a savepoint taken before
the lock, so no request holds a lock it does not need while it moves on, or waits for, the
next candidate (two requests each holding one and waiting for the other's would deadlock).

Racing confirms of one slot rank the partners alike, so they would all queue on the best one's
lock and, one after another, find them taken. On PostgreSQL a first pass therefore ranks the
free partners and locks the best one no other request holds (SKIP LOCKED), in one statement;
only when that finds nobody free are the others waited for, one by one, so a 409 still means
every eligible partner was seen taken.

Confirm's first pass also writes the booking in that statement (`WrittenOnTaking`), with no
savepoint before it: one statement where there were three round trips. Its snapshot predates
its lock, so it can take a partner whom the lock's last holder has just booked; the booking's
insert then meets the exclusion constraint, which sees every commit, and writes nothing. Then
it holds a lock it cannot let go, and `PartnerTakenMeanwhile` tells the caller to start over
from a rollback, the way that takes savepoints.
"""

import uuid
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from minuteserv.bookings.availability import (
    eligible,
    free_partner_params,
    half_open_range,
    live,
    live_overlapping,
    scored_free_partners,
    visit_range,
)
from minuteserv.bookings.models import Booking
from minuteserv.bookings.slots import LONGEST_VISIT, BusyRange, SlotRules
from minuteserv.core.reader import Inserts, Row, driver_rows, inserted
from minuteserv.partners.models import Partner


async def has_overlap(
    session: AsyncSession,
    partner_id: uuid.UUID,
    visit: BusyRange,
    *,
    ignore_booking: uuid.UUID | None = None,
) -> bool:
    query = _overlap_query(ignoring=ignore_booking is not None)
    params = overlap_params(partner_id, visit, ignore_booking)
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
    partner = await _lock_if_eligible(session, partner_id, categories)
    if partner is not None and not await has_overlap(
        session, partner_id, visit, ignore_booking=ignore_booking
    ):
        await savepoint.commit()
        return partner
    await savepoint.rollback()
    return None


async def _lock_if_eligible(
    session: AsyncSession, partner_id: uuid.UUID, categories: Collection[str]
) -> Partner | None:
    """Lock the partner, waiting for any transaction that holds them, and return them if they
    are still active, available and cover `categories`."""
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
    ):
        return partner
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
    ignore_booking: uuid.UUID | None = None,
) -> list[uuid.UUID]:
    """Eligible partners free for `visit`, best first by the assignment score; the booking
    `ignore_booking` (being reassigned) neither makes its own partner busy nor adds to their
    load."""
    connection = await session.connection()
    query = _ranked_query(
        connection.dialect.name, frozenset(categories), ignoring=ignore_booking is not None
    )
    params = free_partner_params(
        rules, day=day, visit=visit, lat=lat, lng=lng, ignore_booking=ignore_booking
    )
    return [row["id"] for row in await driver_rows(connection, query, params)]


Claimed = TypeVar("Claimed")
Claim = Callable[[uuid.UUID], Awaitable[Claimed | None]]
"""What a caller does with a partner it holds the lock of: the write that books them if they
are still free (`unbooked`), which answers None, and writes nothing, if they are not (see
`overlap_free`)."""


@lru_cache(maxsize=2)
def unbooked(dialect: str) -> sa.ColumnElement[bool]:
    """The partner `partner_id` has no live booking overlapping [`start`, `end`): the check a
    claim's write makes in its own statement, under the partner's lock (`overlap_params`).
    On PostgreSQL it asks the exclusion constraint's index, with no bound on how long a visit
    may be: the constraint's own question, so the write it guards is never refused."""
    if dialect != "postgresql":
        return ~sa.exists(_overlap_query(ignoring=False))
    booked = half_open_range(Booking.start_at, Booking.end_at)
    return ~sa.exists().where(
        Booking.partner_id == sa.bindparam("partner_id"), live(), booked.op("&&")(visit_range())
    )


Made = TypeVar("Made", covariant=True)


@dataclass(frozen=True, slots=True)
class WrittenOnTaking(Generic[Made]):
    """A claim's write that the first pass makes in its own statement (PostgreSQL), for the
    partner it takes: `inserts` with `params`, whose `chosen_into` columns get that partner's
    id and whose `arbiter` is the exclusion constraint (`NO_OVERLAP`); `made` is what the
    caller makes of the partner once written."""

    inserts: Inserts
    params: Row
    made: Callable[[uuid.UUID], Made]


class PartnerTakenMeanwhile(Exception):
    """The first pass took a partner whom a booking its snapshot did not see had already taken:
    its write wrote nothing, and the lock it holds goes only with a rollback of the caller's
    transaction. Whoever catches this must roll back and try again without the write."""


def overlap_free(
    session: AsyncSession, visit: BusyRange, *, ignore_booking: uuid.UUID | None = None
) -> Claim[uuid.UUID]:
    """The claim of a caller that writes later: the partner, if their bookings, read under
    the lock, leave `visit` free."""

    async def claim(partner_id: uuid.UUID) -> uuid.UUID | None:
        busy = await has_overlap(session, partner_id, visit, ignore_booking=ignore_booking)
        return None if busy else partner_id

    return claim


async def reserve_best_free(
    session: AsyncSession,
    rules: SlotRules,
    *,
    day: date,
    visit: BusyRange,
    categories: Collection[str],
    lat: float | None,
    lng: float | None,
    claim: Claim[Claimed],
    written_on_taking: WrittenOnTaking[Claimed] | None = None,
    ignore_booking: uuid.UUID | None = None,
) -> Claimed | None:
    """Lock the best-ranked partner free for `visit` and return what `claim` made of them;
    None when nobody is free. The ranking is read without locks, so each partner is checked
    again under their lock, by `claim`: its write, or its read. With `written_on_taking`, the
    first pass makes that write itself, and may raise `PartnerTakenMeanwhile`."""
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        params = free_partner_params(
            rules, day=day, visit=visit, lat=lat, lng=lng, ignore_booking=ignore_booking
        )
        ignoring = ignore_booking is not None
        cart = frozenset(categories)
        first_pass = (
            _claim_first_unheld(connection, params, categories=cart, ignoring=ignoring, claim=claim)
            if written_on_taking is None
            else _write_on_first_unheld(
                connection, params, categories=cart, ignoring=ignoring, write=written_on_taking
            )
        )
        claimed, waiting = await first_pass
        if claimed is not None:
            return claimed
    else:
        waiting = await ranked_free_partners(
            session,
            rules,
            day=day,
            visit=visit,
            categories=categories,
            lat=lat,
            lng=lng,
            ignore_booking=ignore_booking,
        )
    for partner_id in waiting:
        claimed = await _wait_and_claim(session, partner_id, categories, claim=claim)
        if claimed is not None:
            return claimed
    return None


async def _wait_and_claim(
    session: AsyncSession,
    partner_id: uuid.UUID,
    categories: Collection[str],
    *,
    claim: Claim[Claimed],
) -> Claimed | None:
    """The second pass's try of one partner: wait for their lock and, if they are still
    eligible, claim them, the claim being the check for overlap as in the first pass (on
    SQLite, whose writers take turns, the ranking read in this transaction is still true);
    all let go if the claim finds them taken."""
    savepoint = await session.begin_nested()
    partner = await _lock_if_eligible(session, partner_id, categories)
    claimed = await claim(partner.id) if partner is not None else None
    if claimed is None:
        await savepoint.rollback()
    else:
        await savepoint.commit()
    return claimed


async def _claim_first_unheld(
    connection: AsyncConnection,
    params: dict[str, Any],
    *,
    categories: frozenset[str],
    ignoring: bool,
    claim: Claim[Claimed],
) -> tuple[Claimed | None, list[uuid.UUID]]:
    """The first pass, on PostgreSQL: one statement ranks the free partners and locks the best
    one no other transaction holds, whom `claim` then books. The statement's snapshot predates
    its lock, so it can miss a booking the lock's last holder just made: the claim's write,
    a statement of its own, sees it and writes nothing, and the partner is let go for the
    next one. Returns what the claim made, or None and the ranked partners left to wait for:
    those held by others (or no longer eligible) when the statement ran."""
    first_unheld = _first_unheld_query(categories, ignoring=ignoring)
    passed: list[uuid.UUID] = []
    await driver_rows(connection, SAVEPOINT)
    while True:
        [row] = await driver_rows(connection, first_unheld, {**params, "passed": passed})
        partner_id = row["taken"]
        if partner_id is None:
            return None, list(row["waiting"] or ())
        claimed = await claim(partner_id)
        if claimed is not None:
            return claimed, []  # the commit releases the savepoint
        await driver_rows(connection, ROLLBACK_TO_SAVEPOINT)  # let go; the savepoint stays
        passed.append(partner_id)


async def _write_on_first_unheld(
    connection: AsyncConnection,
    params: dict[str, Any],
    *,
    categories: frozenset[str],
    ignoring: bool,
    write: WrittenOnTaking[Claimed],
) -> tuple[Claimed | None, list[uuid.UUID]]:
    """The first pass with its write in the same statement; as `_claim_first_unheld`, but with
    no savepoint to let a partner found taken go (see `PartnerTakenMeanwhile`)."""
    statement = _first_unheld_query(categories, ignoring=ignoring, inserts=write.inserts)
    [row] = await driver_rows(connection, statement, {**params, **write.params, "passed": []})
    if row["written"]:
        return write.made(row["taken"]), []
    if row["taken"] is not None:
        raise PartnerTakenMeanwhile()
    return None, list(row["waiting"] or ())


SAVEPOINT = sa.text("SAVEPOINT reserve_partner")
ROLLBACK_TO_SAVEPOINT = sa.text("ROLLBACK TO SAVEPOINT reserve_partner")


def _best_first(ranking: sa.ColumnCollection[str, Any]) -> tuple[sa.ColumnElement[Any], ...]:
    """The order of a ranking of `scored_free_partners`: highest score, then lowest id."""
    return ranking.score.desc(), ranking.id


@lru_cache(maxsize=256)
def _ranked_query(dialect: str, categories: frozenset[str], *, ignoring: bool) -> sa.Select[Any]:
    scored = scored_free_partners(dialect, categories, ignoring=ignoring).subquery("scored")
    return sa.select(scored.c.id).order_by(*_best_first(scored.c))


@lru_cache(maxsize=512)  # for each set of categories, up to three: alone, and with either write
def _first_unheld_query(
    categories: frozenset[str], *, ignoring: bool, inserts: Inserts | None = None
) -> sa.Select[Any]:
    """One row: `taken`, the best-ranked free partner, not one of `passed`, who is still
    eligible and whom no other transaction holds, locked; or, when there is none, `waiting`,
    the ranked partners, best first. Racing confirms of one slot each take a different partner
    at once, rather than queueing on the best one's lock. With `inserts`, it also writes them
    for the partner it takes (`inserted`), and `written` says whether it did."""
    passed = sa.bindparam("passed", type_=postgresql.ARRAY(sa.Uuid))
    scored = scored_free_partners("postgresql", categories, ignoring=ignoring)
    ranked = scored.where(scored.selected_columns.id != sa.all_(passed))
    ranked_cte = ranked.cte("ranked").prefix_with("MATERIALIZED", dialect="postgresql")
    # Sorted before the join, the ranking is walked in order, each partner looked up by key,
    # until one can be locked.
    in_order = sa.select(ranked_cte).order_by(*_best_first(ranked_cte.c)).subquery("in_order")
    taken = (
        sa.select(Partner.id)
        .join(in_order, in_order.c.id == Partner.id)
        .where(*eligible("postgresql", categories))
        .order_by(*_best_first(in_order.c))
        .limit(sa.literal_column("1"))  # written in: a generic plan must know it is one
        .with_for_update(skip_locked=True, of=Partner)
        .cte("taken")
    )
    ranking = sa.aggregate_order_by(sa.func.array_agg(ranked_cte.c.id), *_best_first(ranked_cte.c))
    first_unheld = sa.select(
        sa.select(taken.c.id).scalar_subquery().label("taken"),
        sa.select(ranking).where(~sa.exists(taken.select())).scalar_subquery().label("waiting"),
    )
    if inserts is None:
        return first_unheld
    writes, written = inserted(inserts, chosen=taken)
    return first_unheld.add_columns(written.label("written")).add_cte(*writes)


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


def overlap_params(
    partner_id: uuid.UUID, visit: BusyRange, ignore: uuid.UUID | None = None
) -> dict[str, Any]:
    return {
        "partner_id": partner_id,
        "start": visit.start_at,
        "end": visit.end_at,
        "earliest_start": visit.start_at - LONGEST_VISIT,
        "ignore": ignore,
    }

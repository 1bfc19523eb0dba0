"""Guard: however confirms, cancellations and staff swaps of one day's bookings race,
`partner_days` ends as a count of the bookings gives, and none of them deadlocks."""

import asyncio
import uuid
from datetime import date

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.bookings.models import Booking, BookingStatus
from minuteserv.core.config import Settings
from minuteserv.partners.models import Partner
from minuteserv.promos.models import PromoCode
from tests import conftest
from tests.admin.booking_helpers import assign
from tests.bookings.helpers import kept_and_recounted
from tests.checkout.helpers import at_ist, book_partner, confirm, tomorrow
from tests.concurrency.helpers import customers, prepared, race, tally
from tests.factories import (
    admin_token,
    bearer,
    create_admin,
    create_partner,
    create_promo,
    create_service,
)

pytestmark = pytest.mark.postgresql_only

PARTNERS = 4
CONFIRMS = 12
LOCK_SECONDS = 5.0


async def test_racing_confirms_cancels_and_swaps_keep_partner_days_exact(
    racing_client: httpx.AsyncClient,
    committed_session: AsyncSession,
    racing_settings: Settings,
    committing_database: conftest.TestDatabase,
) -> None:
    day = tomorrow()
    partners = [await create_partner(committed_session) for _ in range(PARTNERS)]
    facial = await create_service(committed_session)
    racers = await customers(committed_session, racing_settings, CONFIRMS)
    staff = bearer(admin_token(racing_settings, await create_admin(committed_session)))
    # Each partner's noon visit is cancelled by its customer while others confirm 10:00;
    # the first two partners' evening visits (16:00 and 18:00) trade places.
    at_noon = [
        await book_partner(
            committed_session, racers[i], partner.id, at_ist(day, 12), at_ist(day, 13)
        )
        for i, partner in enumerate(partners)
    ]
    evening = [
        await book_partner(
            committed_session, racers[0], partners[0].id, at_ist(day, 16), at_ist(day, 17)
        ),
        await book_partner(
            committed_session, racers[1], partners[1].id, at_ist(day, 18), at_ist(day, 19)
        ),
    ]
    previews = [await prepared(racing_client, racer, str(facial.id)) for racer in racers]
    cancels = [
        racing_client.post(
            f"/api/v1/bookings/{booking.id}/cancel",
            json={"reason": "plans changed"},
            headers=racers[i].headers,
        )
        for i, booking in enumerate(at_noon)
    ]
    swaps = [
        assign(racing_client, staff, evening[0].id, partners[1].id),
        assign(racing_client, staff, evening[1].id, partners[0].id),
    ]
    confirms = [
        confirm(racing_client, racer, preview_id, day=day, slot="10:00 AM")
        for racer, preview_id in zip(racers, previews, strict=True)
    ]

    answers = await race([*cancels, *swaps, *confirms])

    assert tally(answers[: PARTNERS + 2]) == {(200, None): PARTNERS + 2}
    assert tally(answers[PARTNERS + 2 :]) == {
        (201, None): PARTNERS,
        (409, "SLOT_UNAVAILABLE"): CONFIRMS - PARTNERS,
    }
    async with committing_database.sessionmaker() as session:
        kept, recounted = await kept_and_recounted(session)
    assert kept == recounted
    # Every partner got a 10:00 visit; the first two kept an evening visit each.
    assert sorted(count for _, _, count, _ in kept) == [1, 1, 2, 2]


ROW_NOWAIT = sa.text(
    "SELECT 1 FROM partner_days WHERE booking_date = :day AND partner_id = :partner_id"
    " FOR UPDATE NOWAIT"
)


async def row_held_elsewhere(
    database: conftest.TestDatabase, day: date, partner_id: uuid.UUID
) -> bool:
    async with database.sessionmaker() as other, other.begin():
        try:
            await other.execute(ROW_NOWAIT, {"day": day, "partner_id": partner_id})
        except sa.exc.DBAPIError:
            return True
        return False


WAITING_FOR_A_LOCK = sa.text(
    "SELECT count(*) FROM pg_stat_activity"
    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
)


async def soon_waiting_for_a_lock(database: conftest.TestDatabase, seconds: float = 5.0) -> bool:
    """Whether, within `seconds`, some transaction of the database waits for a lock."""
    async with database.sessionmaker() as other:
        for _ in range(int(seconds / 0.01)):
            if await other.scalar(WAITING_FOR_A_LOCK):
                return True
            await asyncio.sleep(0.01)
    return False


async def test_a_booking_moved_between_partners_takes_their_rows_in_key_order(
    committed_session: AsyncSession,
    racing_settings: Settings,
    committing_database: conftest.TestDatabase,
) -> None:
    """Two bookings swapped between two partners at once each change both partners' rows; in
    opposite orders they could deadlock. Moved from the higher id to the lower, the booking
    must wait for the lower's row before it takes the higher's."""
    day = tomorrow()
    low, high = sorted([await create_partner(committed_session) for _ in range(2)], key=id_of)
    [customer] = await customers(committed_session, racing_settings, 1)
    await book_partner(committed_session, customer, low.id, at_ist(day, 10), at_ist(day, 11))
    moved = await book_partner(
        committed_session, customer, high.id, at_ist(day, 16), at_ist(day, 17)
    )

    async with committing_database.sessionmaker() as blocker, blocker.begin():
        await blocker.execute(ROW_NOWAIT, {"day": day, "partner_id": low.id})

        async def move() -> None:
            async with committing_database.sessionmaker() as mover, mover.begin():
                await mover.execute(
                    sa.update(Booking).where(Booking.id == moved.id).values(partner_id=low.id)
                )

        moving = asyncio.ensure_future(move())
        assert await soon_waiting_for_a_lock(committing_database)
        assert not await row_held_elsewhere(committing_database, day, high.id)
    await moving

    async with committing_database.sessionmaker() as session:
        kept, recounted = await kept_and_recounted(session)
    assert kept == recounted
    assert [(partner, count) for _, partner, count, _ in kept] == [(low.id, 2)]


def id_of(partner: Partner) -> uuid.UUID:
    return partner.id


async def test_a_cancel_and_a_booking_of_one_partners_day_waiting_on_each_other_commit(
    committed_session: AsyncSession,
    racing_settings: Settings,
    committing_database: conftest.TestDatabase,
) -> None:
    """A cancel (a customer's or the worker's, which do not hold the partner's lock) gives
    back a promo code's use, and a booking of the same partner and day then takes one, as
    confirm does after its write. Had either taken the partner's `partner_days` row at its
    write rather than at commit, the cancel would wait for that row, holding the promo code,
    and the booking for the promo code, holding the row."""
    day = tomorrow()
    partner = await create_partner(committed_session)
    await create_promo(committed_session, code="SHARED", usage_limit=10, used_count=1)
    [customer] = await customers(committed_session, racing_settings, 1)
    cancelled = await book_partner(
        committed_session, customer, partner.id, at_ist(day, 10), at_ist(day, 11)
    )
    given = await book_partner(committed_session, customer, None, at_ist(day, 14), at_ist(day, 15))
    uses = PromoCode.used_count

    async with (
        committing_database.sessionmaker() as booking,
        committing_database.sessionmaker() as cancel,
    ):
        await booking.execute(
            sa.update(Booking).where(Booking.id == given.id).values(partner_id=partner.id)
        )
        await cancel.execute(sa.update(PromoCode).values(used_count=uses - 1))
        cancelling = sa.update(Booking).where(Booking.id == cancelled.id)
        await asyncio.wait_for(
            cancel.execute(cancelling.values(status=BookingStatus.CANCELLED)), LOCK_SECONDS
        )
        taking = asyncio.ensure_future(
            booking.execute(sa.update(PromoCode).values(used_count=uses + 1))
        )
        assert await soon_waiting_for_a_lock(committing_database)
        await cancel.commit()
        await asyncio.wait_for(taking, LOCK_SECONDS)
        await booking.commit()

    async with committing_database.sessionmaker() as session:
        kept, recounted = await kept_and_recounted(session)
        assert await session.scalar(sa.select(PromoCode.used_count)) == 1
    assert kept == recounted
    assert [(partner_id, count) for _, partner_id, count, _ in kept] == [(partner.id, 1)]

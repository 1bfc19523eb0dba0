"""Guards: however many confirms race, a partner never holds two overlapping live bookings, a
promo is never used past its limit, and one preview never makes two bookings."""

import asyncio
import uuid
from collections.abc import Awaitable
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from minuteserv.bookings.availability import free_partner_params, slot_rules
from minuteserv.bookings.models import Booking, BookingStatus
from minuteserv.bookings.reservation import (
    Claim,
    _claim_first_unheld,
    overlap_free,
    overlap_params,
    reserve_best_free,
    unbooked,
)
from minuteserv.bookings.slots import BusyRange
from minuteserv.checkout.models import CheckoutPreview
from minuteserv.core.config import Settings
from minuteserv.core.reader import driver_rows
from minuteserv.partners.models import Partner
from minuteserv.payments.models import Payment
from minuteserv.promos.models import PromoCode
from tests import conftest
from tests.checkout.helpers import Customer, at_ist, book_partner, confirm, tomorrow
from tests.concurrency.helpers import customers, prepared, race, read, tally
from tests.factories import create_booking, create_partner, create_promo, create_service
from tests.fakes.razorpay import FakeRazorpay

pytestmark = pytest.mark.postgresql_only

RACERS = 20


async def test_twenty_confirms_for_the_last_free_partner_book_it_once(
    racing_client: httpx.AsyncClient,
    committed_session: AsyncSession,
    racing_settings: Settings,
    committing_database: conftest.TestDatabase,
) -> None:
    day = tomorrow()
    busy = await create_partner(committed_session)
    last_free = await create_partner(committed_session)
    facial = await create_service(committed_session)
    racers = await customers(committed_session, racing_settings, RACERS)
    await create_booking(
        committed_session,
        racers[0].user,
        racers[0].address,
        partner_id=busy.id,
        booking_date=day,
        start_at=at_ist(day, 10),
        end_at=at_ist(day, 11, 30),
    )
    previews = [await prepared(racing_client, racer, str(facial.id)) for racer in racers]

    answers = await race(
        confirm(racing_client, racer, preview_id, day=day, slot="10:00 AM")
        for racer, preview_id in zip(racers, previews, strict=True)
    )

    assert tally(answers) == {(201, None): 1, (409, "SLOT_UNAVAILABLE"): RACERS - 1}
    [won] = [answer.json()["data"]["booking"] for answer in answers if answer.status_code == 201]
    live = await read(
        committing_database,
        sa.select(Booking.id).where(
            Booking.partner_id == last_free.id,
            Booking.status != BookingStatus.CANCELLED,
            Booking.start_at < at_ist(day, 11, 30),
            Booking.end_at > at_ist(day, 10),
        ),
    )
    assert [str(booking_id) for booking_id in live] == [won["id"]]
    assert len(await read(committing_database, sa.select(Booking.id))) == 2
    booked_previews = await read(
        committing_database,
        sa.select(CheckoutPreview.id).where(CheckoutPreview.booking_id.is_not(None)),
    )
    assert len(booked_previews) == 1


async def test_twenty_confirms_for_a_promos_last_use_discount_one_booking(
    racing_client: httpx.AsyncClient,
    committed_session: AsyncSession,
    racing_settings: Settings,
    committing_database: conftest.TestDatabase,
) -> None:
    for _ in range(RACERS):
        await create_partner(committed_session)
    promo = await create_promo(committed_session, code="LASTONE", usage_limit=5, used_count=4)
    facial = await create_service(committed_session, product_cost=Decimal("1000.00"))
    racers = await customers(committed_session, racing_settings, RACERS)
    previews = [
        await prepared(racing_client, racer, str(facial.id), promo_code="LASTONE")
        for racer in racers
    ]

    answers = await race(
        confirm(racing_client, racer, preview_id, day=tomorrow(), slot="10:00 AM")
        for racer, preview_id in zip(racers, previews, strict=True)
    )

    assert tally(answers) == {(201, None): 1, (409, "PROMO_UNAVAILABLE"): RACERS - 1}
    [won] = [answer.json()["data"]["booking"] for answer in answers if answer.status_code == 201]
    [booking] = await read(committing_database, sa.select(Booking))
    assert (str(booking.id), booking.promo_code_id, booking.discount) == (
        won["id"],
        promo.id,
        Decimal("100.00"),
    )
    [used] = await read(committing_database, sa.select(PromoCode.used_count))
    assert used == 5


async def test_ten_double_taps_on_one_preview_make_one_booking(
    racing_client: httpx.AsyncClient,
    committed_session: AsyncSession,
    racing_settings: Settings,
    committing_database: conftest.TestDatabase,
) -> None:
    await create_partner(committed_session)
    await create_partner(committed_session)
    facial = await create_service(committed_session)
    [owner] = await customers(committed_session, racing_settings, 1)
    preview_id = await prepared(racing_client, owner, str(facial.id))

    answers = await race(
        confirm(racing_client, owner, preview_id, day=tomorrow(), slot="10:00 AM")
        for _ in range(10)
    )

    assert tally(answers) == {(201, None): 1, (200, None): 9}
    named = {answer.json()["data"]["booking"]["id"] for answer in answers}
    stored = await read(committing_database, sa.select(Booking.id))
    assert named == {str(booking_id) for booking_id in stored}
    assert len(stored) == 1


async def test_ten_online_double_taps_open_one_payment_and_one_gateway_order(
    racing_client: httpx.AsyncClient,
    committed_session: AsyncSession,
    racing_settings: Settings,
    committing_database: conftest.TestDatabase,
    fake_razorpay: FakeRazorpay,
) -> None:
    """The preview is locked before the gateway is asked: the other taps wait, then answer
    with the booking, and leave no order behind that nobody will pay. (A confirm that starts
    over lets the preview go, and a tap waiting for it then opens an order of its own: not
    here, where the one partner is free.)"""
    await create_partner(committed_session)
    facial = await create_service(committed_session)
    [owner] = await customers(committed_session, racing_settings, 1)
    preview_id = await prepared(racing_client, owner, str(facial.id))

    answers = await race(
        confirm(racing_client, owner, preview_id, day=tomorrow(), method="online")
        for _ in range(10)
    )

    assert tally(answers) == {(201, None): 1, (200, None): 9}
    [payment] = await read(committing_database, sa.select(Payment))
    assert {answer.json()["data"]["payment"]["order_id"] for answer in answers} == {
        payment.razorpay_order_id
    }
    assert {answer.json()["data"]["booking"]["id"] for answer in answers} == {
        str(payment.booking_id)
    }
    assert len(await read(committing_database, sa.select(Booking.id))) == 1
    orders = [r for r in fake_razorpay.requests if (r.method, r.path) == ("POST", "/v1/orders")]
    assert len(orders) == 1


async def a_racer_with_a_preview(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> tuple[Customer, str]:
    """A customer with a prepared preview of one facial."""
    facial = await create_service(session)
    [racer] = await customers(session, settings, 1)
    return racer, await prepared(client, racer, str(facial.id))


LOCK_PARTNER = sa.text("SELECT id FROM partners WHERE id = :id FOR UPDATE")
WAIT_SECONDS = 10


async def confirm_behind_lock(
    holder: AsyncSession, partner_id: uuid.UUID, confirming: Awaitable[httpx.Response]
) -> asyncio.Future[httpx.Response]:
    """Lock the partner in the holder's transaction, start the confirm, and see it wait."""
    await holder.execute(LOCK_PARTNER, {"id": partner_id})
    waiting = asyncio.ensure_future(confirming)
    await asyncio.sleep(0.5)
    assert not waiting.done()
    return waiting


async def test_a_confirm_passes_over_a_partner_another_transaction_holds(
    racing_client: httpx.AsyncClient,
    committed_session: AsyncSession,
    racing_settings: Settings,
    committing_database: conftest.TestDatabase,
) -> None:
    """Racing confirms rank partners alike: instead of queueing on the best one's lock, each
    takes the next free partner nobody holds."""
    best = await create_partner(committed_session, rating=5.0)
    next_best = await create_partner(committed_session, rating=4.0)
    racer, preview_id = await a_racer_with_a_preview(
        racing_client, committed_session, racing_settings
    )

    async with committing_database.sessionmaker() as holder, holder.begin():
        await holder.execute(LOCK_PARTNER, {"id": best.id})
        answer = await asyncio.wait_for(
            confirm(racing_client, racer, preview_id, day=tomorrow()), WAIT_SECONDS
        )

    assert answer.status_code == 201, answer.text
    assert answer.json()["data"]["booking"]["partner_id"] == str(next_best.id)


async def test_a_confirm_waits_for_a_held_partner_when_nobody_else_is_free(
    racing_client: httpx.AsyncClient,
    committed_session: AsyncSession,
    racing_settings: Settings,
    committing_database: conftest.TestDatabase,
) -> None:
    """Skipping held partners never turns into a 409 while one of them may still be free:
    the confirm waits for the holder, which here lets go without booking anything."""
    only = await create_partner(committed_session)
    racer, preview_id = await a_racer_with_a_preview(
        racing_client, committed_session, racing_settings
    )

    async with committing_database.sessionmaker() as holder, holder.begin():
        confirm_request = confirm(racing_client, racer, preview_id, day=tomorrow())
        confirming = await confirm_behind_lock(holder, only.id, confirm_request)
        await holder.rollback()
    answer = await asyncio.wait_for(confirming, WAIT_SECONDS)

    assert answer.status_code == 201, answer.text
    assert answer.json()["data"]["booking"]["partner_id"] == str(only.id)


async def test_a_waited_for_partner_whom_the_write_finds_busy_is_let_go_for_the_next(
    racing_client: httpx.AsyncClient,
    committed_session: AsyncSession,
    racing_settings: Settings,
    committing_database: conftest.TestDatabase,
) -> None:
    """In the second pass too, the write under the lock has the last word: both partners are
    held, so the confirm waits for them; the ranking misses the best one's booking two days
    long (it reads only bookings that start on the visit's day), which the write's check
    sees. Nothing is written for them, and the next partner is booked."""
    best = await create_partner(committed_session, rating=5.0)
    next_best = await create_partner(committed_session, rating=4.0)
    facial = await create_service(committed_session)
    racer, other = await customers(committed_session, racing_settings, 2)
    preview_id = await prepared(racing_client, racer, str(facial.id))
    day = tomorrow()
    await book_partner(
        committed_session, other, best.id, at_ist(day - timedelta(days=2), 10), at_ist(day, 10, 30)
    )

    async with committing_database.sessionmaker() as holder, holder.begin():
        await holder.execute(LOCK_PARTNER, {"id": next_best.id})
        confirm_request = confirm(racing_client, racer, preview_id, day=day, slot="10:00")
        confirming = await confirm_behind_lock(holder, best.id, confirm_request)
        await holder.rollback()
    answer = await asyncio.wait_for(confirming, WAIT_SECONDS)

    assert answer.status_code == 201, answer.text
    assert answer.json()["data"]["booking"]["partner_id"] == str(next_best.id)


@pytest.mark.parametrize(
    "change", [{"is_available": False}, {"is_active": False}, {"service_categories": ["Hair"]}]
)
async def test_a_confirm_that_waited_for_a_partner_who_stopped_fitting_is_409(
    racing_client: httpx.AsyncClient,
    committed_session: AsyncSession,
    racing_settings: Settings,
    committing_database: conftest.TestDatabase,
    change: dict[str, object],
) -> None:
    """The partner is read again under the lock the confirm waited for: made unavailable,
    inactive or unable to do the cart's category meanwhile, they are passed over."""
    only = await create_partner(committed_session)
    racer, preview_id = await a_racer_with_a_preview(
        racing_client, committed_session, racing_settings
    )

    async with committing_database.sessionmaker() as holder, holder.begin():
        confirm_request = confirm(racing_client, racer, preview_id, day=tomorrow())
        confirming = await confirm_behind_lock(holder, only.id, confirm_request)
        await holder.execute(sa.update(Partner).where(Partner.id == only.id).values(**change))
    answer = await asyncio.wait_for(confirming, WAIT_SECONDS)

    assert tally([answer]) == {(409, "SLOT_UNAVAILABLE"): 1}
    assert await read(committing_database, sa.select(Booking.id)) == []


async def test_a_confirm_that_waited_for_a_held_partner_who_got_booked_is_409(
    racing_client: httpx.AsyncClient,
    committed_session: AsyncSession,
    racing_settings: Settings,
    committing_database: conftest.TestDatabase,
) -> None:
    only = await create_partner(committed_session)
    facial = await create_service(committed_session)
    racer, holder_customer = await customers(committed_session, racing_settings, 2)
    preview_id = await prepared(racing_client, racer, str(facial.id))
    day = tomorrow()

    async with committing_database.sessionmaker() as holder:
        confirm_request = confirm(racing_client, racer, preview_id, day=day)
        confirming = await confirm_behind_lock(holder, only.id, confirm_request)
        # Commits, letting go of the lock.
        await book_partner(holder, holder_customer, only.id, at_ist(day, 10), at_ist(day, 11, 30))
    answer = await asyncio.wait_for(confirming, WAIT_SECONDS)

    assert tally([answer]) == {(409, "SLOT_UNAVAILABLE"): 1}


LOCK_NOWAIT = sa.text("SELECT id FROM partners WHERE id = :id FOR UPDATE NOWAIT")


async def held_elsewhere(database: conftest.TestDatabase, partner_id: uuid.UUID) -> bool:
    async with database.sessionmaker() as other, other.begin():
        try:
            await other.execute(LOCK_NOWAIT, {"id": partner_id})
        except sa.exc.DBAPIError:
            return True
        return False


def copying(connection: AsyncConnection, template: uuid.UUID, visit: BusyRange) -> Claim[uuid.UUID]:
    """A claim that books the partner as confirm does, by a write made only if they are
    still free (`unbooked`): here a copy of the booking `template` for them."""
    bookings = Booking.__table__
    original = bookings.alias("original")
    partner_id = sa.bindparam("partner_id", type_=sa.Uuid)
    changed = {
        "id": sa.func.gen_random_uuid(),
        "booking_number": sa.func.concat("BK-COPY-", sa.cast(partner_id, sa.Text)),
        "partner_id": partner_id,
    }
    copy = (
        sa.insert(bookings)
        .from_select(
            list(bookings.columns.keys()),
            sa.select(*(changed.get(c.key, original.c[c.key]) for c in bookings.columns)).where(
                original.c.id == sa.bindparam("template"), unbooked("postgresql")
            ),
        )
        .returning(bookings.c.id)
    )

    async def claim(partner_id: uuid.UUID) -> uuid.UUID | None:
        params = {"template": template, **overlap_params(partner_id, visit)}
        return partner_id if await driver_rows(connection, copy, params) else None

    return claim


@pytest.mark.parametrize("claim_by", ["write", "check"])
async def test_the_first_pass_lets_go_of_a_partner_found_busy_under_lock(
    committed_session: AsyncSession,
    racing_settings: Settings,
    committing_database: conftest.TestDatabase,
    claim_by: str,
) -> None:
    """The ranking statement's snapshot predates its lock, so it can see a partner free whom
    the lock's last holder just booked. Here the ranking is told to ignore the booking that
    the claim under the lock then meets, whether its write checks for it (confirm) or its
    read does (staff): the partner is let go at once, nothing written for them, and the next
    best one booked."""
    booked_since = await create_partner(committed_session, rating=5.0)
    free = await create_partner(committed_session, rating=4.0)
    [customer] = await customers(committed_session, racing_settings, 1)
    day = tomorrow()
    visit = BusyRange(at_ist(day, 10), at_ist(day, 11, 30))
    booking = await book_partner(committed_session, customer, booked_since.id, *visit)
    unseen = free_partner_params(
        slot_rules(racing_settings),
        day=day,
        visit=visit,
        lat=None,
        lng=None,
        ignore_booking=booking.id,
    )

    async with committing_database.sessionmaker() as session, session.begin():
        connection = await session.connection()
        by_write = claim_by == "write"
        claim = copying(connection, booking.id, visit) if by_write else overlap_free(session, visit)
        claimed, waiting = await _claim_first_unheld(
            connection, unseen, categories=frozenset({"Facial"}), ignoring=True, claim=claim
        )

        assert (claimed, waiting) == (free.id, [])
        assert await held_elsewhere(committing_database, free.id)
        assert not await held_elsewhere(committing_database, booked_since.id)
        partners = await session.scalars(sa.select(Booking.partner_id))
        assert sorted(map(str, partners)) == sorted(
            map(str, [booked_since.id, *([free.id] if by_write else [])])
        )


async def test_the_ranking_sees_a_booking_made_earlier_the_same_day(
    committed_session: AsyncSession,
    racing_settings: Settings,
    committing_database: conftest.TestDatabase,
) -> None:
    """The ranking reads the bookings that start on the visit's day, so one from 09:00 to 10:30
    keeps the best partner out of a 10:00 visit's ranking: the claim is offered the next.
    (Their ratings are far enough apart that the booking's load alone would not reorder them.)"""
    best = await create_partner(committed_session, rating=5.0)
    next_best = await create_partner(committed_session, rating=1.0)
    [customer] = await customers(committed_session, racing_settings, 1)
    day = tomorrow()
    await book_partner(committed_session, customer, best.id, at_ist(day, 9), at_ist(day, 10, 30))
    offered: list[uuid.UUID] = []

    async def claim(partner_id: uuid.UUID) -> uuid.UUID:
        offered.append(partner_id)
        return partner_id

    async with committing_database.sessionmaker() as session, session.begin():
        await reserve_best_free(
            session,
            slot_rules(racing_settings),
            day=day,
            visit=BusyRange(at_ist(day, 10), at_ist(day, 11, 30)),
            categories={"Facial"},
            lat=None,
            lng=None,
            claim=claim,
        )

    assert offered == [next_best.id]

"""The staff dashboard: its numbers must equal what the test counts itself from the rows it made."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.pool import NullPool

from minuteserv.addresses.models import UserAddress
from minuteserv.admin.dashboard import overview
from minuteserv.app import create_app
from minuteserv.auth.models import AdminRole, AdminUser
from minuteserv.bookings.models import Booking, BookingStatus, PaymentMethod, PaymentStatus
from minuteserv.core import clock, migrations
from minuteserv.core.db import create_engine, create_sessionmaker
from minuteserv.core.reader import Reader
from minuteserv.core.revisions import CacheRevision
from minuteserv.partners.models import Partner
from minuteserv.users.models import User
from tests.conftest import SelectLog, TestDatabase, make_settings
from tests.factories import (
    admin_token,
    ago,
    bearer,
    create_address,
    create_admin,
    create_booking,
    create_partner,
    create_user,
)

DASHBOARD = "/api/v1/admin/dashboard"
IST = ZoneInfo("Asia/Kolkata")
BEFORE_TOTALS = "c4a7e1b2d9f0"
"""The revision before the dashboard totals (d5b8f2c3e0a1) and their backfill."""


@dataclass(frozen=True)
class Row:
    status: BookingStatus
    payment_status: PaymentStatus
    day_offset: int
    starts_in_hours: float
    grand_total: str
    assigned: bool = True
    method: PaymentMethod = PaymentMethod.CASH


S, P = BookingStatus, PaymentStatus
ROWS = [
    Row(S.PENDING, P.PENDING, 0, 2, "1180.00", assigned=False),
    Row(S.CONFIRMED, P.PAID, 0, 3, "590.50", method=PaymentMethod.ONLINE),
    Row(S.IN_PROGRESS, P.PENDING, -1, -1, "2360.25"),
    Row(S.COMPLETED, P.PENDING, -2, -40, "999.99"),
    Row(S.COMPLETED, P.PAID, -5, -110, "1500.00", method=PaymentMethod.ONLINE),
    Row(S.CANCELLED, P.REFUNDED, -3, 30, "700.00", assigned=False, method=PaymentMethod.ONLINE),
    Row(S.CANCELLED, P.PENDING, 0, 5, "450.00"),
    Row(S.PENDING, P.PENDING, 0, -2, "820.10", assigned=False),
    Row(S.CONFIRMED, P.PAID, 5, 120, "3000.00", method=PaymentMethod.ONLINE),
    Row(S.COMPLETED, P.PENDING, -40, -960, "1234.56"),
    Row(S.PENDING, P.FAILED, -29, -700, "640.00", method=PaymentMethod.ONLINE),
    Row(S.PENDING, P.PENDING, 2, 50, "1100.00", assigned=False),
]


def today_in_ist() -> date:
    return clock.now().astimezone(IST).date()


async def make_rows(session: AsyncSession) -> list[Booking]:
    """The ROWS as bookings, created one minute apart in list order."""
    user = await create_user(session)
    address = await create_address(session, user)
    partner = await create_partner(session)
    today, now = today_in_ist(), clock.now()
    bookings = []
    for index, row in enumerate(ROWS):
        start = now + timedelta(hours=row.starts_in_hours)
        booking = await create_booking(
            session,
            user,
            address,
            status=row.status,
            payment_status=row.payment_status,
            payment_method=row.method,
            booking_date=today + timedelta(days=row.day_offset),
            start_at=start,
            end_at=start + timedelta(minutes=90),
            grand_total=Decimal(row.grand_total),
            partner_id=partner.id if row.assigned else None,
            created_at=ago(minutes=len(ROWS) - index),
        )
        bookings.append(booking)
    return bookings


def earned(booking: Booking) -> bool:
    return booking.payment_status == P.PAID or booking.status == S.COMPLETED


def revenue_of(bookings: list[Booking]) -> float:
    return float(sum((b.grand_total for b in bookings if earned(b)), Decimal(0)))


def expected_stats(
    bookings: list[Booking], *, active_partners: int, now: datetime
) -> dict[str, Any]:
    def count(status: BookingStatus) -> int:
        return sum(1 for b in bookings if b.status == status)

    return {
        "total_bookings": len(bookings),
        **{status.value: count(status) for status in BookingStatus},
        "revenue": revenue_of(bookings),
        "today_bookings": sum(1 for b in bookings if b.booking_date == today_in_ist()),
        "active_partners": active_partners,
        "unassigned_upcoming": sum(
            1
            for b in bookings
            if b.status != S.CANCELLED and b.partner_id is None and b.start_at >= now
        ),
    }


def expected_days(bookings: list[Booking]) -> list[dict[str, Any]]:
    today = today_in_ist()
    days = [today - timedelta(days=back) for back in range(29, -1, -1)]
    return [
        {
            "date": day.isoformat(),
            "revenue": revenue_of([b for b in bookings if b.booking_date == day]),
            "bookings": sum(1 for b in bookings if b.booking_date == day),
        }
        for day in days
    ]


async def test_stats_equal_the_counts_of_the_rows_made(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    bookings = await make_rows(session)
    await create_partner(session, is_available=False)
    await create_partner(session, is_active=False)
    asked_at = clock.now()

    response = await client.get(DASHBOARD, headers=admin_auth)

    assert response.status_code == 200
    assert response.json()["data"]["stats"] == expected_stats(
        bookings, active_partners=2, now=asked_at
    )


async def test_stats_of_these_rows_are_the_known_numbers(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    await make_rows(session)

    response = await client.get(DASHBOARD, headers=admin_auth)

    assert response.json()["data"]["stats"] == {
        "total_bookings": 12,
        "pending": 4,
        "confirmed": 2,
        "in_progress": 1,
        "completed": 3,
        "cancelled": 2,
        "revenue": 7325.05,  # 590.50 + 999.99 + 1500.00 + 3000.00 + 1234.56
        "today_bookings": 4,
        "active_partners": 1,
        "unassigned_upcoming": 2,
    }


async def test_revenue_by_day_covers_thirty_days_zero_filled_oldest_first(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    bookings = await make_rows(session)

    response = await client.get(DASHBOARD, headers=admin_auth)

    assert response.json()["data"]["revenue_by_day"] == expected_days(bookings)


async def test_recent_bookings_are_the_ten_newest_newest_first(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    bookings = await make_rows(session)

    response = await client.get(DASHBOARD, headers=admin_auth)

    recent = response.json()["data"]["recent_bookings"]
    assert [b["id"] for b in recent] == [str(b.id) for b in reversed(bookings[-10:])]
    assert recent[0] == {
        "id": str(bookings[-1].id),
        "booking_number": bookings[-1].booking_number,
        "status": "pending",
        "payment_status": "pending",
        "payment_method": "cash",
        "booking_date": bookings[-1].booking_date.isoformat(),
        "booking_time": "10:00 AM",
        "services": bookings[-1].services,
        "grand_total": 1100.0,
        "partner_id": None,
        "created_at": bookings[-1].created_at.isoformat().replace("+00:00", "Z"),
        "user_id": str(bookings[-1].user_id),
        "customer_name": None,
        "customer_phone": None,
        "assignment_status": None,
    }


async def test_an_empty_service_shows_zeros_and_thirty_empty_days(
    client: httpx.AsyncClient, admin_auth: dict[str, str]
) -> None:
    response = await client.get(DASHBOARD, headers=admin_auth)

    data = response.json()["data"]
    assert data["stats"] == {
        "total_bookings": 0,
        "pending": 0,
        "confirmed": 0,
        "in_progress": 0,
        "completed": 0,
        "cancelled": 0,
        "revenue": 0.0,
        "today_bookings": 0,
        "active_partners": 0,
        "unassigned_upcoming": 0,
    }
    assert data["recent_bookings"] == []
    assert data["revenue_by_day"] == expected_days([])


async def test_support_agents_see_the_dashboard(
    client: httpx.AsyncClient, support_auth: dict[str, str]
) -> None:
    response = await client.get(DASHBOARD, headers=support_auth)

    assert response.status_code == 200


async def test_dashboard_needs_a_staff_token(client: httpx.AsyncClient) -> None:
    response = await client.get(DASHBOARD)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHORIZED"


# --- The totals follow every write ----------------------------------------------------------


async def rows_now(session: AsyncSession) -> list[Booking]:
    """Every booking as committed now, read afresh; the read is then ended (SQLite's lock)."""
    bookings = await session.scalars(sa.select(Booking).execution_options(populate_existing=True))
    found = list(bookings)
    await session.commit()
    return found


async def assert_dashboard_counts(
    client: httpx.AsyncClient, session: AsyncSession, headers: dict[str, str], *, partners: int
) -> None:
    """The dashboard's numbers are those of the rows as they are now."""
    bookings = await rows_now(session)
    asked_at = clock.now()

    data = (await client.get(DASHBOARD, headers=headers)).json()["data"]

    assert data["stats"] == expected_stats(bookings, active_partners=partners, now=asked_at)
    assert data["revenue_by_day"] == expected_days(bookings)


async def test_a_booking_made_after_a_read_is_counted_in_the_next(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    bookings = await make_rows(session)
    await assert_dashboard_counts(client, session, admin_auth, partners=1)
    user = await session.get_one(User, bookings[0].user_id)
    address = await session.get_one(UserAddress, bookings[0].address_id)

    await create_booking(
        session,
        user,
        address,
        status=S.COMPLETED,
        payment_status=P.PAID,
        booking_date=today_in_ist(),
        grand_total=Decimal("2222.22"),
    )

    await assert_dashboard_counts(client, session, admin_auth, partners=1)


@pytest.mark.parametrize(
    "change",
    [
        {"status": S.CONFIRMED},
        {"status": S.COMPLETED},
        {"payment_status": P.PAID},
        {"payment_status": P.FAILED},
        {"grand_total": Decimal("99.99")},
        {"status": S.COMPLETED, "payment_status": P.PAID, "grand_total": Decimal("1.01")},
    ],
    ids=["confirmed", "completed", "paid", "payment-failed", "new-total", "all-at-once"],
)
async def test_a_changed_booking_moves_between_the_counts(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin_auth: dict[str, str],
    change: dict[str, Any],
) -> None:
    bookings = await make_rows(session)
    await assert_dashboard_counts(client, session, admin_auth, partners=1)
    pending_today = bookings[0]

    for field, value in change.items():
        setattr(pending_today, field, value)
    await session.commit()

    await assert_dashboard_counts(client, session, admin_auth, partners=1)


async def test_a_booking_moved_to_another_day_moves_in_the_daily_revenue(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    bookings = await make_rows(session)
    await assert_dashboard_counts(client, session, admin_auth, partners=1)
    paid_today = bookings[1]

    paid_today.booking_date = today_in_ist() - timedelta(days=3)
    await session.commit()

    await assert_dashboard_counts(client, session, admin_auth, partners=1)


async def test_a_cancellation_by_staff_is_counted_as_cancelled(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    bookings = await make_rows(session)
    await assert_dashboard_counts(client, session, admin_auth, partners=1)

    response = await client.patch(
        f"/api/v1/admin/bookings/{bookings[0].id}/status",
        json={"status": "cancelled", "reason": "customer called"},
        headers=admin_auth,
    )

    assert response.status_code == 200
    await assert_dashboard_counts(client, session, admin_auth, partners=1)
    stats = (await client.get(DASHBOARD, headers=admin_auth)).json()["data"]["stats"]
    assert (stats["pending"], stats["cancelled"], stats["unassigned_upcoming"]) == (3, 3, 1)


async def test_a_deleted_booking_is_no_longer_counted(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    bookings = await make_rows(session)
    await assert_dashboard_counts(client, session, admin_auth, partners=1)

    await session.delete(bookings[1])
    await session.commit()

    await assert_dashboard_counts(client, session, admin_auth, partners=1)


async def test_the_migration_counts_the_bookings_already_there(empty_database_url: str) -> None:
    engine = create_engine(empty_database_url, poolclass=NullPool)
    try:
        await migrations.upgrade(engine, BEFORE_TOTALS)
        async with create_sessionmaker(engine)() as session:
            bookings = await make_rows(session)
        await migrations.upgrade(engine)
        asked_at = clock.now()
        dashboard = await overview(Reader(create_sessionmaker(engine)), now=asked_at, zone=IST)
    finally:
        await engine.dispose()

    shown = dashboard.model_dump(mode="json")
    assert shown["stats"] == expected_stats(bookings, active_partners=1, now=asked_at)
    assert shown["revenue_by_day"] == expected_days(bookings)


# --- PostgreSQL, with real commits ------------------------------------------------------------


# --- The copy each process keeps -------------------------------------------------------------


async def test_the_dashboard_reads_its_rows_once_then_only_its_version(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin_auth: dict[str, str],
    selects: SelectLog,
) -> None:
    await make_rows(session)
    first = await client.get(DASHBOARD, headers=admin_auth)
    selects.clear()

    second = await client.get(DASHBOARD, headers=admin_auth)

    assert second.status_code == 200 and second.content == first.content
    assert not selects.naming("booking_day_totals")
    assert selects.naming("booking_revisions")


async def test_a_change_through_one_process_is_in_the_next_dashboard_of_another(
    client: httpx.AsyncClient,
    other_process: httpx.AsyncClient,
    session: AsyncSession,
    admin_auth: dict[str, str],
) -> None:
    bookings = await make_rows(session)
    await assert_dashboard_counts(other_process, session, admin_auth, partners=1)

    response = await client.patch(
        f"/api/v1/admin/bookings/{bookings[0].id}/status",
        json={"status": "cancelled", "reason": "customer called"},
        headers=admin_auth,
    )

    assert response.status_code == 200, response.text
    await assert_dashboard_counts(other_process, session, admin_auth, partners=1)


async def test_a_partner_deactivated_in_sql_leaves_the_next_count(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    await make_rows(session)
    await assert_dashboard_counts(client, session, admin_auth, partners=1)

    await session.execute(sa.update(Partner).values(is_active=False))
    await session.commit()

    await assert_dashboard_counts(client, session, admin_auth, partners=0)


async def test_a_counter_that_went_missing_and_came_back_never_revives_an_old_copy(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    await make_rows(session)
    await assert_dashboard_counts(client, session, admin_auth, partners=1)
    counter = sa.select(CacheRevision.revision).where(CacheRevision.name == "partners")
    value = await session.scalar(counter)
    await session.execute(sa.delete(CacheRevision).where(CacheRevision.name == "partners"))
    await session.execute(sa.update(Partner).values(is_active=False))  # bumps nothing now
    await session.commit()
    await assert_dashboard_counts(client, session, admin_auth, partners=0)

    session.add(CacheRevision(name="partners", revision=value))  # a restore, say
    await session.commit()

    await assert_dashboard_counts(client, session, admin_auth, partners=0)


async def test_a_booking_waiting_for_a_partner_leaves_the_count_once_it_starts(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin_auth: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Nothing is written: only the clock moves past the first unassigned booking's start."""
    bookings = await make_rows(session)
    await assert_dashboard_counts(client, session, admin_auth, partners=1)
    later = bookings[0].start_at + timedelta(minutes=1)  # two hours from now, still today
    monkeypatch.setattr(clock, "now", lambda: later)

    stats = (await client.get(DASHBOARD, headers=admin_auth)).json()["data"]["stats"]

    assert stats == expected_stats(await rows_now(session), active_partners=1, now=later)


async def test_the_revenue_days_move_on_when_the_day_turns(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin_auth: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Nothing is written and no booking waits for a partner: only the date changes."""
    user = await create_user(session)
    partner = await create_partner(session)
    await create_booking(session, user, await create_address(session, user), partner_id=partner.id)
    before = (await client.get(DASHBOARD, headers=admin_auth)).json()["data"]
    tomorrow = clock.now() + timedelta(days=1)
    monkeypatch.setattr(clock, "now", lambda: tomorrow)

    after = (await client.get(DASHBOARD, headers=admin_auth)).json()["data"]

    assert after["revenue_by_day"][:-1] == before["revenue_by_day"][1:]
    assert after["revenue_by_day"][-1]["date"] == today_in_ist().isoformat()


@pytest.fixture
async def committed_client(
    engine_kind: str, committing_database: TestDatabase, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    """A staff member's client of an app whose requests commit for real."""
    settings = make_settings(committing_database.url, tmp_path)
    app = create_app(settings, sessionmaker=committing_database.sessionmaker)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.31", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            admin = await create_admin_in(committing_database)
            client.headers.update(bearer(admin_token(settings, admin)))
            yield client


async def create_admin_in(database: TestDatabase) -> AdminUser:
    async with database.sessionmaker() as session:
        return await create_admin(session, role=AdminRole.ADMIN)


RACERS = 12


@pytest.mark.postgresql_only
async def test_racing_bookings_and_changes_of_one_day_are_all_counted(
    committed_client: httpx.AsyncClient, committing_database: TestDatabase
) -> None:
    async with committing_database.sessionmaker() as session:
        bookings = await make_rows(session)
        user = await session.get_one(User, bookings[0].user_id)
        address = await session.get_one(UserAddress, bookings[0].address_id)

    async def book() -> None:
        async with committing_database.sessionmaker() as session:
            await create_booking(session, user, address, booking_date=today_in_ist())

    async def complete(booking: Booking) -> None:
        async with committing_database.sessionmaker() as session:
            fresh = await session.get_one(Booking, booking.id)
            fresh.status, fresh.payment_status = S.COMPLETED, P.PAID
            await session.commit()

    await asyncio.gather(*(book() for _ in range(RACERS)), *(complete(b) for b in bookings[:6]))

    async with committing_database.sessionmaker() as session:
        await assert_dashboard_counts(committed_client, session, {}, partners=1)
        stats = (await committed_client.get(DASHBOARD)).json()["data"]["stats"]
    assert stats["total_bookings"] == len(ROWS) + RACERS


@pytest.mark.postgresql_only
async def test_truncating_the_bookings_empties_the_totals(
    committed_client: httpx.AsyncClient, committing_database: TestDatabase
) -> None:
    async with committing_database.sessionmaker() as session:
        await make_rows(session)
    assert (await committed_client.get(DASHBOARD)).json()["data"]["stats"]["total_bookings"]
    async with committing_database.sessionmaker() as session:
        await session.execute(sa.text("TRUNCATE bookings CASCADE"))
        await session.commit()

    stats = (await committed_client.get(DASHBOARD)).json()["data"]["stats"]

    assert (stats["total_bookings"], stats["revenue"]) == (0, 0.0)

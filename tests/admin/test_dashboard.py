"""The staff dashboard: its numbers must equal what the test counts itself from the rows it made."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.bookings.models import Booking, BookingStatus, PaymentMethod, PaymentStatus
from minuteserv.core import clock
from tests.factories import ago, create_address, create_booking, create_partner, create_user

DASHBOARD = "/api/v1/admin/dashboard"
IST = ZoneInfo("Asia/Kolkata")


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

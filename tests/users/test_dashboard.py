from datetime import date, time
from decimal import Decimal

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.bookings.models import BookingStatus, PaymentMethod, PaymentStatus
from minuteserv.core.config import Settings
from minuteserv.partners.models import Partner
from tests.factories import (
    ago,
    bearer,
    create_address,
    create_booking,
    create_user,
    customer_token,
    next_phone,
    save,
)


async def test_dashboard_requires_a_customer_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/dashboard")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHORIZED"


async def test_dashboard_shows_a_new_customer_with_nothing_yet(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    user = await create_user(session, name="Asha", email="asha@example.com")

    response = await client.get("/api/v1/dashboard", headers=bearer(customer_token(settings, user)))

    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "data": {
            "user": {
                "id": str(user.id),
                "phone_number": user.phone_number,
                "name": "Asha",
                "email": "asha@example.com",
                "is_verified": True,
                "created_at": user.created_at.isoformat().replace("+00:00", "Z"),
            },
            "addresses": [],
            "bookings": [],
        },
    }


async def test_dashboard_lists_live_addresses_default_first(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    user = await create_user(session)
    default = await create_address(session, user, is_default=True, created_at=ago(days=2))
    newer = await create_address(session, user, created_at=ago(days=1))
    await create_address(session, user, deleted_at=ago(hours=1))

    response = await client.get("/api/v1/dashboard", headers=bearer(customer_token(settings, user)))

    addresses = response.json()["data"]["addresses"]
    assert [(a["id"], a["is_default"]) for a in addresses] == [
        (str(default.id), True),
        (str(newer.id), False),
    ]


async def test_dashboard_shows_a_booking_summary(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    user = await create_user(session)
    address = await create_address(session, user, is_default=True)
    partner = Partner(partner_code="P-1", name="Rita", phone_number=next_phone())
    await save(session, partner)
    lines = [{"service_id": "s-1", "name": "Gold Facial", "quantity": 2, "price": 1500}]
    booking = await create_booking(
        session,
        user,
        address,
        booking_number="BK-20300120-ABC123",
        booking_date=date(2030, 1, 20),
        booking_time=time(9, 30),
        services=lines,
        status=BookingStatus.CONFIRMED,
        payment_status=PaymentStatus.PAID,
        payment_method=PaymentMethod.ONLINE,
        total_price=Decimal("3000.00"),
        discount=Decimal("240.00"),
        tax=Decimal("496.80"),
        grand_total=Decimal("3256.80"),
        partner_id=partner.id,
    )

    response = await client.get("/api/v1/dashboard", headers=bearer(customer_token(settings, user)))

    assert response.json()["data"]["bookings"] == [
        {
            "id": str(booking.id),
            "booking_number": "BK-20300120-ABC123",
            "status": "confirmed",
            "payment_status": "paid",
            "payment_method": "online",
            "booking_date": "2030-01-20",
            "booking_time": "09:30 AM",
            "services": lines,
            "grand_total": 3256.8,
            "partner_id": str(partner.id),
            "created_at": booking.created_at.isoformat().replace("+00:00", "Z"),
        }
    ]


async def test_dashboard_shows_the_five_most_recent_bookings_newest_first(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    user = await create_user(session)
    address = await create_address(session, user, is_default=True)
    bookings = [
        await create_booking(session, user, address, created_at=ago(days=days))
        for days in (6, 1, 4, 2, 5, 3)
    ]
    newest_first = sorted(bookings, key=lambda booking: booking.created_at, reverse=True)

    response = await client.get("/api/v1/dashboard", headers=bearer(customer_token(settings, user)))

    assert [b["id"] for b in response.json()["data"]["bookings"]] == [
        str(booking.id) for booking in newest_first[:5]
    ]


async def test_dashboard_never_shows_another_customers_bookings_or_addresses(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    other = await create_user(session)
    await create_booking(session, other, await create_address(session, other, is_default=True))
    user = await create_user(session)

    response = await client.get("/api/v1/dashboard", headers=bearer(customer_token(settings, user)))

    data = response.json()["data"]
    assert (data["user"]["id"], data["addresses"], data["bookings"]) == (str(user.id), [], [])


async def test_dashboard_keeps_a_booking_whose_address_was_deleted(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    user = await create_user(session)
    address = await create_address(session, user, is_default=True)
    booking = await create_booking(session, user, address)
    auth = bearer(customer_token(settings, user))
    await client.delete(f"/api/v1/addresses/{address.id}", headers=auth)

    response = await client.get("/api/v1/dashboard", headers=auth)

    data = response.json()["data"]
    assert (data["addresses"], [b["id"] for b in data["bookings"]]) == ([], [str(booking.id)])

"""GET /bookings: the caller's bookings, newest first, a page at a time."""

from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.bookings.models import Booking, BookingStatus
from minuteserv.core import clock
from minuteserv.core.config import Settings
from tests.checkout.helpers import Customer, signed_in_customer
from tests.factories import bearer, create_booking, deleted_users_token

BOOKINGS = "/api/v1/bookings"


async def _bookings(session: AsyncSession, customer: Customer, *statuses: str) -> list[Booking]:
    """One booking per status, each made a minute after the one before."""
    start = clock.now() - timedelta(hours=1)
    return [
        await create_booking(
            session,
            customer.user,
            customer.address,
            status=BookingStatus(status),
            created_at=start + timedelta(minutes=minute),
        )
        for minute, status in enumerate(statuses)
    ]


async def test_list_is_newest_first_a_page_at_a_time(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    customer = await signed_in_customer(session, settings)
    oldest, middle, newest = await _bookings(session, customer, "pending", "confirmed", "completed")

    first = await client.get(BOOKINGS, params={"limit": 2}, headers=customer.headers)
    second = await client.get(BOOKINGS, params={"limit": 2, "page": 2}, headers=customer.headers)

    assert first.status_code == 200, first.text
    assert [b["id"] for b in first.json()["data"]["bookings"]] == [str(newest.id), str(middle.id)]
    assert first.json()["data"]["pagination"] == {"page": 1, "limit": 2, "total": 3, "pages": 2}
    assert [b["id"] for b in second.json()["data"]["bookings"]] == [str(oldest.id)]
    assert second.json()["data"]["pagination"] == {"page": 2, "limit": 2, "total": 3, "pages": 2}


async def test_list_defaults_to_ten_a_page(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    customer = await signed_in_customer(session, settings)
    await _bookings(session, customer, *["pending"] * 11)

    response = await client.get(BOOKINGS, headers=customer.headers)

    assert len(response.json()["data"]["bookings"]) == 10
    assert response.json()["data"]["pagination"] == {
        "page": 1,
        "limit": 10,
        "total": 11,
        "pages": 2,
    }


async def test_list_filters_by_status(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    customer = await signed_in_customer(session, settings)
    first, _, third = await _bookings(session, customer, "cancelled", "pending", "cancelled")

    response = await client.get(BOOKINGS, params={"status": "cancelled"}, headers=customer.headers)

    data = response.json()["data"]
    assert [b["id"] for b in data["bookings"]] == [str(third.id), str(first.id)]
    assert [b["status"] for b in data["bookings"]] == ["cancelled", "cancelled"]
    assert data["pagination"] == {"page": 1, "limit": 10, "total": 2, "pages": 1}


async def test_list_shows_only_the_callers_bookings(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    customer = await signed_in_customer(session, settings)
    stranger = await signed_in_customer(session, settings)
    await _bookings(session, stranger, "pending", "confirmed")
    [mine] = await _bookings(session, customer, "pending")

    response = await client.get(BOOKINGS, headers=customer.headers)

    assert [b["id"] for b in response.json()["data"]["bookings"]] == [str(mine.id)]
    assert response.json()["data"]["pagination"]["total"] == 1


async def test_empty_list_has_no_pages(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    customer = await signed_in_customer(session, settings)

    response = await client.get(BOOKINGS, headers=customer.headers)

    assert response.json()["data"] == {
        "bookings": [],
        "pagination": {"page": 1, "limit": 10, "total": 0, "pages": 0},
    }


async def test_limit_over_100_is_422(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    customer = await signed_in_customer(session, settings)

    response = await client.get(BOOKINGS, params={"limit": 101}, headers=customer.headers)

    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "limit"


async def test_unknown_status_or_page_zero_is_422(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    customer = await signed_in_customer(session, settings)

    unknown = await client.get(BOOKINGS, params={"status": "lost"}, headers=customer.headers)
    zero = await client.get(BOOKINGS, params={"page": 0}, headers=customer.headers)

    assert (unknown.status_code, zero.status_code) == (422, 422)
    assert unknown.json()["error"]["details"][0]["field"] == "status"
    assert zero.json()["error"]["details"][0]["field"] == "page"


async def test_list_needs_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get(BOOKINGS)

    assert response.status_code == 401


async def test_a_page_past_the_last_still_counts_them_all(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    customer = await signed_in_customer(session, settings)
    await _bookings(session, customer, "pending", "confirmed", "completed")

    response = await client.get(BOOKINGS, params={"limit": 2, "page": 3}, headers=customer.headers)

    assert response.json()["data"] == {
        "bookings": [],
        "pagination": {"page": 3, "limit": 2, "total": 3, "pages": 2},
    }


async def test_a_token_whose_user_was_deleted_is_401(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    """Whatever it asks: a malformed parameter is not reported first."""
    token = await deleted_users_token(session, settings)

    for params in ({}, {"limit": 0}, {"page": "first"}):
        response = await client.get(BOOKINGS, params=params, headers=bearer(token))

        assert response.status_code == 401, params
        assert response.json()["error"]["message"] == "The token's user no longer exists."

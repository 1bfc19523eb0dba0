import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.bookings.models import BookingStatus
from tests.factories import ago, create_address, create_booking, create_user

USERS = "/api/v1/admin/users"


async def test_list_shows_users_newest_first_with_their_booking_counts(
    client: httpx.AsyncClient, session: AsyncSession, support_auth: dict[str, str]
) -> None:
    booker = await create_user(
        session, name="Asha", email="asha@example.com", created_at=ago(days=2)
    )
    newcomer = await create_user(session, created_at=ago(days=1))
    address = await create_address(session, booker)
    await create_booking(session, booker, address)
    await create_booking(session, booker, address, status=BookingStatus.CANCELLED)

    response = await client.get(USERS, headers=support_auth)

    assert response.status_code == 200
    data = response.json()["data"]
    assert [(user["id"], user["bookings_count"]) for user in data["users"]] == [
        (str(newcomer.id), 0),
        (str(booker.id), 2),
    ]
    assert data["users"][1] == {
        "id": str(booker.id),
        "phone_number": booker.phone_number,
        "name": "Asha",
        "email": "asha@example.com",
        "is_verified": True,
        "created_at": booker.created_at.isoformat().replace("+00:00", "Z"),
        "bookings_count": 2,
    }
    assert data["pagination"] == {"page": 1, "limit": 20, "total": 2, "pages": 1}


@pytest.mark.parametrize(
    ("phone", "expected"),
    [
        ("98765 43210", ["+919876543210"]),
        ("+91 98765-43210", ["+919876543210"]),
        ("6543", ["+919876543210", "+919876543211"]),
        ("(987) 654 3211", ["+919876543211"]),
        ("0000", []),
    ],
)
async def test_phone_search_matches_a_whole_number_exactly_or_digits_anywhere(
    client: httpx.AsyncClient,
    session: AsyncSession,
    support_auth: dict[str, str],
    phone: str,
    expected: list[str],
) -> None:
    for number in ("+919876543210", "+919876543211", "+919812345678"):
        await create_user(session, phone_number=number)

    response = await client.get(USERS, params={"phone": phone}, headers=support_auth)

    found = sorted(user["phone_number"] for user in response.json()["data"]["users"])
    assert found == expected


async def test_a_number_that_is_some_digits_of_another_is_not_matched_when_whole(
    client: httpx.AsyncClient, session: AsyncSession, support_auth: dict[str, str]
) -> None:
    await create_user(session, phone_number="+919876543210")
    await create_user(session, phone_number="+447911123456")

    response = await client.get(USERS, params={"phone": "+447911123456"}, headers=support_auth)

    assert [user["phone_number"] for user in response.json()["data"]["users"]] == ["+447911123456"]


@pytest.mark.parametrize(
    ("q", "expected"), [("ash", ["Asha"]), ("EXAMPLE.ORG", ["Ravi"]), ("50%", ["Fifty"])]
)
async def test_q_matches_part_of_the_name_or_email_in_any_case(
    client: httpx.AsyncClient,
    session: AsyncSession,
    support_auth: dict[str, str],
    q: str,
    expected: list[str],
) -> None:
    await create_user(session, name="Asha", email="asha@example.com")
    await create_user(session, name="Ravi", email="ravi@example.org")
    await create_user(session, name="Fifty 50% off")
    await create_user(session, name="Fifty 500")

    response = await client.get(USERS, params={"q": q}, headers=support_auth)

    names = [user["name"].split()[0] for user in response.json()["data"]["users"]]
    assert names == expected


async def test_list_pages_through_users(
    client: httpx.AsyncClient, session: AsyncSession, support_auth: dict[str, str]
) -> None:
    oldest = await create_user(session, created_at=ago(days=3))
    await create_user(session, created_at=ago(days=2))
    await create_user(session, created_at=ago(days=1))

    response = await client.get(f"{USERS}?page=2&limit=2", headers=support_auth)

    data = response.json()["data"]
    assert [user["id"] for user in data["users"]] == [str(oldest.id)]
    assert data["pagination"] == {"page": 2, "limit": 2, "total": 3, "pages": 2}


@pytest.mark.parametrize(("query", "field"), [("phone=abc", "phone"), ("q=", "q")])
async def test_a_search_without_anything_to_match_is_a_422(
    client: httpx.AsyncClient, support_auth: dict[str, str], query: str, field: str
) -> None:
    response = await client.get(f"{USERS}?{query}", headers=support_auth)

    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == field

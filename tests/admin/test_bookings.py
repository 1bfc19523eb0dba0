"""Staff reading bookings: who may, the list with its filters, search and pages, and one
booking in full with its customer, partner, payment and history."""

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.auth.models import AdminUser
from minuteserv.bookings.models import AssignmentStatus, BookingStatus, PaymentStatus
from minuteserv.core.config import Settings
from tests.admin.booking_helpers import (
    BOOKINGS,
    DAY,
    assign,
    customer_booking,
    set_status,
)
from tests.factories import ago, bearer, create_partner, create_user, customer_token
from tests.payments.helpers import book

S = BookingStatus
ANY_ID = "00000000-0000-4000-8000-000000000000"
STAFF_ROUTES = [
    ("GET", "/api/v1/admin/dashboard"),
    ("GET", BOOKINGS),
    ("GET", f"{BOOKINGS}/{ANY_ID}"),
    ("PATCH", f"{BOOKINGS}/{ANY_ID}/status"),
    ("POST", f"{BOOKINGS}/{ANY_ID}/assign-partner"),
]


def ids(response: httpx.Response) -> list[str]:
    return [booking["id"] for booking in response.json()["data"]["bookings"]]


# --- who may call -----------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), STAFF_ROUTES)
async def test_a_customer_token_opens_no_staff_booking_route(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, method: str, path: str
) -> None:
    user = await create_user(session)

    response = await client.request(
        method, path, json={"status": "confirmed"}, headers=bearer(customer_token(settings, user))
    )

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHORIZED"


@pytest.mark.parametrize(("method", "path"), STAFF_ROUTES)
async def test_staff_booking_routes_need_a_token(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await client.request(method, path, json={"status": "confirmed"})

    assert response.status_code == 401


# --- list -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "filters",
    [{}, {"date_from": DAY.isoformat(), "date_to": DAY.isoformat()}],
    ids=["unfiltered", "by-booking-date"],  # the date range sorts by another expression
)
async def test_list_is_newest_first_in_pages(
    client: httpx.AsyncClient,
    session: AsyncSession,
    support_auth: dict[str, str],
    filters: dict[str, str],
) -> None:
    middle = await customer_booking(session, created_at=ago(hours=2))
    oldest = await customer_booking(session, created_at=ago(hours=3))
    newest = await customer_booking(session, created_at=ago(hours=1))

    first = await client.get(BOOKINGS, params={"limit": 2, **filters}, headers=support_auth)
    second = await client.get(
        BOOKINGS, params={"limit": 2, "page": 2, **filters}, headers=support_auth
    )

    assert ids(first) == [str(newest.id), str(middle.id)]
    assert ids(second) == [str(oldest.id)]
    assert second.json()["data"]["pagination"] == {"page": 2, "limit": 2, "total": 3, "pages": 2}


async def test_list_shows_who_booked_and_the_assignment(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    booking = await customer_booking(
        session,
        customer_name="Asha",
        customer_phone="+919812345678",
        assignment_status=AssignmentStatus.ASSIGNED,
    )

    response = await client.get(BOOKINGS, headers=admin_auth)

    [line] = response.json()["data"]["bookings"]
    assert {key: line[key] for key in ("user_id", "customer_name", "customer_phone")} == {
        "user_id": str(booking.user_id),
        "customer_name": "Asha",
        "customer_phone": "+919812345678",
    }
    assert (line["assignment_status"], line["booking_time"]) == ("assigned", "10:00 AM")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "confirmed"}, ["confirmed-paid"]),
        ({"payment_status": "pending"}, ["pending-early", "cancelled-late"]),
        ({"date_from": "2030-01-21"}, ["confirmed-paid", "cancelled-late"]),
        ({"date_to": "2030-01-20"}, ["pending-early"]),
        ({"date_from": "2030-01-21", "date_to": "2030-01-21"}, ["confirmed-paid"]),
        ({"status": "cancelled", "payment_status": "pending"}, ["cancelled-late"]),
        ({"payment_status": "failed"}, []),
    ],
)
async def test_list_filters_by_status_payment_status_and_booking_date(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin_auth: dict[str, str],
    query: dict[str, str],
    expected: list[str],
) -> None:
    made = {
        "pending-early": await customer_booking(session, day=DAY, created_at=ago(hours=3)),
        "confirmed-paid": await customer_booking(
            session,
            day=DAY + timedelta(days=1),
            status=S.CONFIRMED,
            payment_status=PaymentStatus.PAID,
            created_at=ago(hours=2),
        ),
        "cancelled-late": await customer_booking(
            session, day=DAY + timedelta(days=2), status=S.CANCELLED, created_at=ago(hours=1)
        ),
    }

    response = await client.get(BOOKINGS, params=query, headers=admin_auth)

    assert response.status_code == 200
    assert sorted(ids(response)) == sorted(str(made[name].id) for name in expected)


async def test_list_filters_by_partner(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    rita, mona = await create_partner(session), await create_partner(session)
    ritas = await customer_booking(session, partner=rita)
    await customer_booking(session, partner=mona, hour=14)
    await customer_booking(session)

    response = await client.get(BOOKINGS, params={"partner_id": str(rita.id)}, headers=admin_auth)

    assert ids(response) == [str(ritas.id)]


async def test_search_finds_part_of_a_booking_number_in_any_case(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    wanted = await customer_booking(session, booking_number="BK-20300120-XQ7R2A")
    await customer_booking(session, booking_number="BK-20300120-MM3K9Z")

    response = await client.get(BOOKINGS, params={"q": "xq7r"}, headers=admin_auth)

    assert ids(response) == [str(wanted.id)]


async def test_search_finds_the_account_phone_written_the_local_way(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    wanted = await customer_booking(session, user_phone="+919812345678")
    await customer_booking(session, user_phone="+919812345679")

    response = await client.get(BOOKINGS, params={"q": "098123 45678"}, headers=admin_auth)

    assert ids(response) == [str(wanted.id)]


async def test_search_finds_the_contact_phone_given_at_checkout(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    wanted = await customer_booking(session, customer_phone="+919812345678")
    await customer_booking(session, customer_phone="+919812345679")

    response = await client.get(BOOKINGS, params={"q": "+91 98123 45678"}, headers=admin_auth)

    assert ids(response) == [str(wanted.id)]


async def test_search_treats_wildcards_as_plain_characters(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    await customer_booking(session)

    response = await client.get(BOOKINGS, params={"q": "%"}, headers=admin_auth)

    assert ids(response) == []


@pytest.mark.parametrize(
    "query",
    [
        {"date_from": "2030-01-22", "date_to": "2030-01-21"},
        {"status": "lost"},
        {"payment_status": "maybe"},
        {"date_from": "tomorrow"},
        {"partner_id": "not-a-uuid"},
        {"q": ""},
        {"limit": 101},
        {"page": 0},
    ],
)
async def test_bad_list_queries_are_422(
    client: httpx.AsyncClient, admin_auth: dict[str, str], query: dict[str, Any]
) -> None:
    response = await client.get(BOOKINGS, params=query, headers=admin_auth)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


# --- one booking ------------------------------------------------------------------------------


async def test_detail_shows_the_customer_partner_and_the_staffs_changes_oldest_first(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin: AdminUser,
    admin_auth: dict[str, str],
) -> None:
    partner = await create_partner(session, name="Rita")
    booking = await customer_booking(session, user_phone="+919812345600")
    await set_status(client, admin_auth, booking.id, "confirmed", reason="customer called")
    await assign(client, admin_auth, booking.id, partner.id)

    response = await client.get(f"{BOOKINGS}/{booking.id}", headers=admin_auth)

    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["booking"]["id"], data["booking"]["status"], data["booking"]["partner_id"]) == (
        str(booking.id),
        "confirmed",
        str(partner.id),
    )
    assert data["customer"] == {
        "id": str(booking.user_id),
        "phone_number": "+919812345600",
        "name": "Asha Roy",
        "email": None,
    }
    assert data["partner"]["phone_number"] == partner.phone_number
    assert data["partner"]["total_earnings"] == 0.0
    assert data["payment"] is None
    history = [
        {key: event[key] for key in event if key != "created_at"} for event in data["history"]
    ]
    assert history == [
        {
            "actor_type": "admin",
            "actor_id": str(admin.id),
            "field": "status",
            "from": "pending",
            "to": "confirmed",
            "note": "customer called",
        },
        {
            "actor_type": "admin",
            "actor_id": str(admin.id),
            "field": "partner_id",
            "from": None,
            "to": str(partner.id),
            "note": None,
        },
    ]


async def test_detail_shows_the_payment_and_the_customers_own_changes(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    admin_auth: dict[str, str],
) -> None:
    booked = await book(client, session, settings)

    response = await client.get(f"{BOOKINGS}/{booked.booking_id}", headers=admin_auth)

    data = response.json()["data"]
    assert data["customer"]["phone_number"] == booked.customer.user.phone_number
    assert (data["payment"]["razorpay_order_id"], data["payment"]["status"]) == (
        booked.order_id,
        "pending",
    )
    assert [(e["actor_type"], e["field"], e["from"], e["to"]) for e in data["history"]] == [
        ("customer", "status", None, "pending"),
        ("customer", "partner_id", None, booked.partner_id),
    ]


async def test_unknown_booking_is_404(
    client: httpx.AsyncClient, admin_auth: dict[str, str]
) -> None:
    response = await client.get(f"{BOOKINGS}/{uuid.uuid4()}", headers=admin_auth)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "BOOKING_NOT_FOUND"

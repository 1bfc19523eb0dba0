import re
import uuid
from collections.abc import Iterator
from datetime import date, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.auth.models import AdminUser
from minuteserv.bookings.models import AssignmentStatus, Booking, BookingEvent, BookingStatus
from minuteserv.core import clock
from minuteserv.partners import admin_service
from minuteserv.partners.models import Partner
from tests.factories import (
    create_address,
    create_booking,
    create_partner,
    create_service,
    create_user,
    reload,
)

PARTNERS = "/api/v1/admin/partners"
DAY = date(2030, 1, 20)
KOLKATA = (22.5726, 88.3639)
DELHI = (28.6139, 77.2090)
ZONE = ZoneInfo("Asia/Kolkata")


async def book(
    session: AsyncSession,
    partner: Partner | None,
    *,
    day: date = DAY,
    at: time = time(10, 0),
    categories: tuple[str, ...] = ("Facial",),
    **fields: Any,
) -> Booking:
    """A confirmed booking of `partner` at a Kolkata address, one line per category."""
    user = await create_user(session)
    address = await create_address(session, user, lat=KOLKATA[0], lng=KOLKATA[1])
    lines = [
        {"service_id": str(uuid.uuid4()), "name": name, "category": name, "quantity": 1}
        for name in categories
    ]
    fields.setdefault("status", BookingStatus.CONFIRMED)
    fields.setdefault("assignment_status", AssignmentStatus.ACCEPTED)
    return await create_booking(
        session,
        user,
        address,
        partner_id=partner.id if partner else None,
        booking_date=day,
        booking_time=at,
        services=lines,
        **fields,
    )


def partner_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Priya Sharma",
        "phone_number": "98765 43210",
        "service_categories": ["Facial"],
    }
    body.update(overrides)
    return {field: value for field, value in body.items() if value is not None}


async def count_partners(session: AsyncSession) -> int:
    count = await session.scalar(sa.select(sa.func.count()).select_from(Partner))
    await session.commit()
    return count or 0


async def events_of(session: AsyncSession, booking: Booking) -> list[tuple[str, ...]]:
    rows = await session.execute(
        sa.select(
            BookingEvent.actor_type,
            BookingEvent.actor_id,
            BookingEvent.field,
            BookingEvent.from_value,
            BookingEvent.to_value,
        ).where(BookingEvent.booking_id == booking.id)
    )
    await session.commit()
    return [tuple(row) for row in rows]


def today_in_kolkata() -> date:
    return clock.now().astimezone(ZONE).date()


# --- list -----------------------------------------------------------------------------------


async def test_list_shows_partners_by_name_with_the_pagination_block(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    second = await create_partner(session, name="Zoya")
    first = await create_partner(session, name="Anita")

    response = await client.get(PARTNERS, headers=admin_auth)

    assert response.status_code == 200
    data = response.json()["data"]
    assert [partner["id"] for partner in data["partners"]] == [str(first.id), str(second.id)]
    assert data["pagination"] == {"page": 1, "limit": 20, "total": 2, "pages": 1}


async def test_list_shows_every_field_of_a_partner(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    partner = await create_partner(session, email="p@example.com", rating=4.25)

    response = await client.get(PARTNERS, headers=admin_auth)

    assert response.json()["data"]["partners"] == [
        {
            "id": str(partner.id),
            "partner_code": partner.partner_code,
            "name": partner.name,
            "phone_number": partner.phone_number,
            "email": "p@example.com",
            "service_categories": ["Facial"],
            "is_active": True,
            "is_available": True,
            "rating": 4.25,
            "total_bookings": 0,
            "total_earnings": 0.0,
            "pending_payout": 0.0,
            "current_lat": KOLKATA[0],
            "current_lng": KOLKATA[1],
            "created_at": partner.created_at.isoformat().replace("+00:00", "Z"),
            "today_load": 0,
        }
    ]


async def test_today_load_counts_live_bookings_dated_today_only(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    busy, idle = await create_partner(session, name="A"), await create_partner(session, name="B")
    today = today_in_kolkata()
    await book(session, busy, day=today, at=time(9, 0))
    await book(session, busy, day=today, at=time(12, 0), status=BookingStatus.COMPLETED)
    await book(session, busy, day=today, at=time(15, 0), status=BookingStatus.CANCELLED)
    await book(session, busy, day=today + timedelta(days=1))
    await book(session, idle, day=today - timedelta(days=1))

    response = await client.get(PARTNERS, headers=admin_auth)

    loads = [(p["id"], p["today_load"]) for p in response.json()["data"]["partners"]]
    assert loads == [(str(busy.id), 2), (str(idle.id), 0)]


@pytest.fixture
def statements(database: Any) -> Iterator[list[str]]:
    """Every SQL statement the app runs while the test body does."""
    bind = database.sessionmaker.kw["bind"]
    target = bind.sync_engine if hasattr(bind, "sync_engine") else bind.sync_connection
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    sa.event.listen(target, "before_cursor_execute", record)
    yield seen
    sa.event.remove(target, "before_cursor_execute", record)


async def test_list_runs_as_many_queries_for_many_partners_as_for_one(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin_auth: dict[str, str],
    statements: list[str],
) -> None:
    first = await create_partner(session)
    await book(session, first, day=today_in_kolkata())
    statements.clear()
    await client.get(PARTNERS, headers=admin_auth)
    for_one = len(statements)
    for hour in (9, 11, 13, 15):
        await book(session, await create_partner(session), day=today_in_kolkata(), at=time(hour))
    statements.clear()

    response = await client.get(PARTNERS, headers=admin_auth)

    assert len(response.json()["data"]["partners"]) == 5
    assert len(statements) == for_one


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("is_active=false", ["Gone"]),
        ("is_active=true&is_available=false", ["Resting"]),
        ("category=Waxing", ["Both", "Resting"]),
        ("category=Facial&is_available=true", ["Both", "Facial only", "Gone"]),
    ],
)
async def test_list_filters_by_active_available_and_category(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin_auth: dict[str, str],
    query: str,
    expected: list[str],
) -> None:
    await create_partner(session, name="Facial only", service_categories=["Facial"])
    await create_partner(session, name="Both", service_categories=["Facial", "Waxing"])
    await create_partner(session, name="Resting", service_categories=["Waxing"], is_available=False)
    await create_partner(session, name="Gone", is_active=False)
    await create_partner(session, name="Lookalike", service_categories=["Facial Deluxe"])

    response = await client.get(f"{PARTNERS}?{query}", headers=admin_auth)

    names = [partner["name"] for partner in response.json()["data"]["partners"]]
    assert names == expected


async def test_list_pages_through_partners(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    for name in ("A", "B", "C"):
        await create_partner(session, name=name)

    response = await client.get(f"{PARTNERS}?page=2&limit=2", headers=admin_auth)

    data = response.json()["data"]
    assert [partner["name"] for partner in data["partners"]] == ["C"]
    assert data["pagination"] == {"page": 2, "limit": 2, "total": 3, "pages": 2}


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "page=0", "is_active=maybe"])
async def test_list_rejects_bad_query_values(
    client: httpx.AsyncClient, admin_auth: dict[str, str], query: str
) -> None:
    response = await client.get(f"{PARTNERS}?{query}", headers=admin_auth)

    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == query.split("=")[0]


# --- create ---------------------------------------------------------------------------------


async def test_create_stores_the_partner_with_a_generated_code_and_e164_phone(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    await create_service(session, category="Facial")
    await create_service(session, category="Waxing")
    body = partner_body(
        service_categories=["Waxing", "Facial", "Waxing"],
        email="Priya@Example.com",
        rating=4.5,
        current_lat=KOLKATA[0],
        current_lng=KOLKATA[1],
    )

    response = await client.post(PARTNERS, json=body, headers=admin_auth)

    assert response.status_code == 201
    data = response.json()["data"]
    assert re.fullmatch(r"MSP-[A-Z0-9]{6}", data["partner_code"])
    stored = await reload(session, Partner, data["id"])
    assert stored is not None
    assert (
        stored.partner_code,
        stored.name,
        stored.phone_number,
        stored.email,
        stored.service_categories,
        stored.rating,
        (stored.current_lat, stored.current_lng),
        stored.is_active,
        stored.is_available,
    ) == (
        data["partner_code"],
        "Priya Sharma",
        "+919876543210",
        "priya@example.com",
        ["Waxing", "Facial"],
        4.5,
        KOLKATA,
        True,
        True,
    )


async def test_create_retries_when_the_drawn_code_is_taken(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin_auth: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await create_service(session, category="Facial")
    await create_partner(session, partner_code="MSP-AAAAAA")
    codes = iter(["MSP-AAAAAA", "MSP-BBBBBB"])
    monkeypatch.setattr(admin_service, "new_partner_code", lambda: next(codes))

    response = await client.post(PARTNERS, json=partner_body(), headers=admin_auth)

    assert response.status_code == 201
    assert response.json()["data"]["partner_code"] == "MSP-BBBBBB"


async def test_create_with_a_taken_phone_is_a_conflict_and_creates_nothing(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    await create_service(session, category="Facial")
    await create_partner(session, phone_number="+919876543210")

    response = await client.post(PARTNERS, json=partner_body(), headers=admin_auth)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "PARTNER_PHONE_TAKEN"
    assert await count_partners(session) == 1


async def test_create_with_a_category_not_in_the_catalog_is_refused(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    await create_service(session, category="Facial")
    body = partner_body(service_categories=["Facial", "Massage", "facial"])

    response = await client.post(PARTNERS, json=body, headers=admin_auth)

    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["code"], error["details"]) == (
        "UNKNOWN_CATEGORY",
        [
            {"field": "service_categories", "value": "Massage"},
            {"field": "service_categories", "value": "facial"},
        ],
    )
    assert await count_partners(session) == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"service_categories": []}, "service_categories"),
        ({"phone_number": "12345"}, "phone_number"),
        ({"name": "  "}, "name"),
        ({"email": "not-an-email"}, "email"),
        ({"rating": 5.5}, "rating"),
        ({"current_lat": 22.5}, ""),
        ({"current_lat": 91, "current_lng": 88}, "current_lat"),
        ({"partner_code": "MSP-MINE01"}, "partner_code"),
    ],
)
async def test_create_with_invalid_fields_is_a_422_naming_them(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin_auth: dict[str, str],
    overrides: dict[str, Any],
    field: str,
) -> None:
    await create_service(session, category="Facial")

    response = await client.post(PARTNERS, json=partner_body(**overrides), headers=admin_auth)

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert [detail["field"] for detail in error["details"]] == [field or "body"]
    assert await count_partners(session) == 0


# --- update ---------------------------------------------------------------------------------


async def test_update_changes_the_contact_fields_and_location(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    partner = await create_partner(session)
    body = {
        "name": "Meera",
        "email": "meera@example.com",
        "phone_number": "091234 56789",
        "current_lat": DELHI[0],
        "current_lng": DELHI[1],
    }

    response = await client.patch(f"{PARTNERS}/{partner.id}", json=body, headers=admin_auth)

    assert response.status_code == 200
    assert response.json()["data"]["reassigned"] == []
    assert response.json()["data"]["unassigned"] == []
    stored = await reload(session, Partner, partner.id)
    assert stored is not None
    assert (stored.name, stored.email, stored.phone_number, stored.current_lat) == (
        "Meera",
        "meera@example.com",
        "+919123456789",
        DELHI[0],
    )


async def test_update_can_clear_the_email_and_location(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    partner = await create_partner(session, email="p@example.com")
    body = {"email": None, "current_lat": None, "current_lng": None}

    response = await client.patch(f"{PARTNERS}/{partner.id}", json=body, headers=admin_auth)

    assert response.status_code == 200
    stored = await reload(session, Partner, partner.id)
    assert stored is not None
    assert (stored.email, stored.current_lat, stored.current_lng) == (None, None, None)


async def test_update_to_another_partners_phone_is_a_conflict_and_changes_nothing(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    await create_partner(session, phone_number="+919876543210")
    partner = await create_partner(session, name="Kept")
    body = {"phone_number": "9876543210", "name": "Changed"}

    response = await client.patch(f"{PARTNERS}/{partner.id}", json=body, headers=admin_auth)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "PARTNER_PHONE_TAKEN"
    stored = await reload(session, Partner, partner.id)
    assert stored is not None and stored.name == "Kept"


async def test_update_with_its_own_phone_is_allowed(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    partner = await create_partner(session, phone_number="+919876543210")

    response = await client.patch(
        f"{PARTNERS}/{partner.id}", json={"phone_number": "9876543210"}, headers=admin_auth
    )

    assert response.status_code == 200


async def test_update_of_an_unknown_partner_is_a_404(
    client: httpx.AsyncClient, admin_auth: dict[str, str]
) -> None:
    response = await client.patch(
        f"{PARTNERS}/{uuid.uuid4()}", json={"name": "X"}, headers=admin_auth
    )

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "PARTNER_NOT_FOUND"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "body"),
        ({"reassign": True}, "body"),
        ({"name": None}, "name"),
        ({"is_active": None}, "is_active"),
        ({"service_categories": []}, "service_categories"),
        ({"current_lng": 88.0}, "body"),
        ({"rating": 3}, "rating"),
    ],
)
async def test_update_with_invalid_fields_is_a_422_and_changes_nothing(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin_auth: dict[str, str],
    body: dict[str, Any],
    field: str,
) -> None:
    partner = await create_partner(session, name="Kept")

    response = await client.patch(f"{PARTNERS}/{partner.id}", json=body, headers=admin_auth)

    assert response.status_code == 422
    assert [detail["field"] for detail in response.json()["error"]["details"]] == [field]
    stored = await reload(session, Partner, partner.id)
    assert stored is not None and stored.name == "Kept"


async def test_update_categories_to_unknown_ones_is_refused(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    partner = await create_partner(session)

    response = await client.patch(
        f"{PARTNERS}/{partner.id}", json={"service_categories": ["Massage"]}, headers=admin_auth
    )

    assert response.json()["error"]["code"] == "UNKNOWN_CATEGORY"
    stored = await reload(session, Partner, partner.id)
    assert stored is not None and stored.service_categories == ["Facial"]


# --- deactivation and reassignment -----------------------------------------------------------


async def test_deactivating_a_partner_without_upcoming_bookings_just_deactivates(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    partner = await create_partner(session)
    past = await book(session, partner, day=date(2020, 1, 20))
    await book(session, partner, status=BookingStatus.CANCELLED)
    await book(session, partner, at=time(14, 0), status=BookingStatus.COMPLETED)

    response = await client.patch(
        f"{PARTNERS}/{partner.id}", json={"is_active": False}, headers=admin_auth
    )

    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["partner"]["is_active"], data["reassigned"], data["unassigned"]) == (
        False,
        [],
        [],
    )
    kept = await reload(session, Booking, past.id)
    assert kept is not None and kept.partner_id == partner.id


@pytest.mark.parametrize("change", [{"is_active": False}, {"is_available": False}])
async def test_making_a_partner_unable_with_upcoming_bookings_is_a_409_changing_nothing(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin_auth: dict[str, str],
    change: dict[str, bool],
) -> None:
    partner = await create_partner(session)
    await create_partner(session)
    later = await book(session, partner, at=time(14, 0))
    sooner = await book(session, partner, at=time(10, 0))

    response = await client.patch(
        f"{PARTNERS}/{partner.id}", json={**change, "name": "Renamed"}, headers=admin_auth
    )

    assert response.status_code == 409
    error = response.json()["error"]
    assert (error["code"], error["details"]) == (
        "PARTNER_HAS_UPCOMING_BOOKINGS",
        [
            {"booking_id": str(sooner.id), "booking_number": sooner.booking_number},
            {"booking_id": str(later.id), "booking_number": later.booking_number},
        ],
    )
    stored = await reload(session, Partner, partner.id)
    assert stored is not None
    assert (stored.is_active, stored.is_available, stored.name) == (True, True, partner.name)
    for booking in (sooner, later):
        kept = await reload(session, Booking, booking.id)
        assert kept is not None and kept.partner_id == partner.id
        assert await events_of(session, booking) == []


async def test_explicit_reassign_false_is_refused_like_no_flag(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    partner = await create_partner(session)
    await book(session, partner)

    response = await client.patch(
        f"{PARTNERS}/{partner.id}?reassign=false",
        json={"is_active": False, "reassign": False},
        headers=admin_auth,
    )

    assert response.json()["error"]["code"] == "PARTNER_HAS_UPCOMING_BOOKINGS"


@pytest.fixture
async def stranded(session: AsyncSession) -> dict[str, Any]:
    """A partner with two upcoming bookings (10:00 and 14:00) and a past one. The only other
    partner who could take them is free at 10:00 but busy at 14:00; a nearer one lacks the
    category, another is inactive, another unavailable."""
    leaving = await create_partner(session, name="Leaving")
    free_at_ten = await create_partner(session, name="Free")
    await create_partner(session, name="Waxer", service_categories=["Waxing"])
    await create_partner(session, name="Inactive", is_active=False)
    await create_partner(session, name="Away", is_available=False)
    return {
        "leaving": leaving,
        "free": free_at_ten,
        "ten": await book(session, leaving, at=time(10, 0)),
        "two": await book(session, leaving, at=time(14, 0)),
        "past": await book(session, leaving, day=date(2020, 1, 20)),
        "free_busy_at_two": await book(session, free_at_ten, at=time(14, 0)),
    }


@pytest.mark.parametrize(("query", "flag"), [("?reassign=true", {}), ("", {"reassign": True})])
async def test_deactivating_with_reassign_moves_or_unassigns_every_upcoming_booking(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin_auth: dict[str, str],
    stranded: dict[str, Any],
    query: str,
    flag: dict[str, bool],
) -> None:
    leaving, free, ten, two = (stranded[key] for key in ("leaving", "free", "ten", "two"))

    response = await client.patch(
        f"{PARTNERS}/{leaving.id}{query}", json={"is_active": False, **flag}, headers=admin_auth
    )

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["partner"]["is_active"] is False
    assert data["reassigned"] == [
        {
            "booking_id": str(ten.id),
            "booking_number": ten.booking_number,
            "partner_id": str(free.id),
        }
    ]
    assert data["unassigned"] == [{"booking_id": str(two.id), "booking_number": two.booking_number}]
    moved, left = await reload(session, Booking, ten.id), await reload(session, Booking, two.id)
    assert moved is not None and left is not None
    assert (moved.partner_id, moved.assignment_status, moved.status) == (
        free.id,
        AssignmentStatus.ASSIGNED,
        BookingStatus.CONFIRMED,
    )
    assert (left.partner_id, left.assignment_status, left.assigned_at) == (None, None, None)


async def test_reassignment_leaves_no_upcoming_booking_on_the_inactive_partner(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin_auth: dict[str, str],
    stranded: dict[str, Any],
) -> None:
    leaving = stranded["leaving"]

    await client.patch(
        f"{PARTNERS}/{leaving.id}?reassign=true", json={"is_active": False}, headers=admin_auth
    )

    remaining = await session.scalars(
        sa.select(Booking.id).where(Booking.partner_id == leaving.id).order_by(Booking.id)
    )
    assert list(remaining) == [stranded["past"].id]


async def test_every_reassignment_is_recorded_as_the_admins_doing(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin: AdminUser,
    admin_auth: dict[str, str],
    stranded: dict[str, Any],
) -> None:
    leaving, free, ten, two = (stranded[key] for key in ("leaving", "free", "ten", "two"))

    await client.patch(
        f"{PARTNERS}/{leaving.id}?reassign=true", json={"is_active": False}, headers=admin_auth
    )

    assert await events_of(session, ten) == [
        ("admin", str(admin.id), "partner_id", str(leaving.id), str(free.id))
    ]
    assert await events_of(session, two) == [
        ("admin", str(admin.id), "partner_id", str(leaving.id), None)
    ]
    assert await events_of(session, stranded["past"]) == []


async def test_reassignment_picks_the_nearest_free_partner(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    leaving = await create_partner(session)
    await create_partner(session, current_lat=DELHI[0], current_lng=DELHI[1])
    near = await create_partner(session)
    booking = await book(session, leaving)

    response = await client.patch(
        f"{PARTNERS}/{leaving.id}?reassign=true", json={"is_available": False}, headers=admin_auth
    )

    assert response.json()["data"]["reassigned"][0]["partner_id"] == str(near.id)
    moved = await reload(session, Booking, booking.id)
    assert moved is not None and moved.partner_id == near.id


async def test_narrowing_categories_strands_the_bookings_no_longer_covered(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    await create_service(session, category="Facial")
    await create_service(session, category="Waxing")
    partner = await create_partner(session, service_categories=["Facial", "Waxing"])
    await book(session, partner, at=time(10, 0), categories=("Facial",))
    waxing = await book(session, partner, at=time(14, 0), categories=("Facial", "Waxing"))

    response = await client.patch(
        f"{PARTNERS}/{partner.id}", json={"service_categories": ["Facial"]}, headers=admin_auth
    )

    assert response.status_code == 409
    assert response.json()["error"]["details"] == [
        {"booking_id": str(waxing.id), "booking_number": waxing.booking_number}
    ]
    stored = await reload(session, Partner, partner.id)
    assert stored is not None and stored.service_categories == ["Facial", "Waxing"]


async def test_narrowing_categories_with_reassign_moves_only_the_uncovered_bookings(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    await create_service(session, category="Facial")
    await create_service(session, category="Waxing")
    partner = await create_partner(session, service_categories=["Facial", "Waxing"])
    waxer = await create_partner(session, service_categories=["Waxing"])
    facial = await book(session, partner, at=time(10, 0), categories=("Facial",))
    waxing = await book(session, partner, at=time(14, 0), categories=("Waxing",))

    response = await client.patch(
        f"{PARTNERS}/{partner.id}?reassign=true",
        json={"service_categories": ["Facial"]},
        headers=admin_auth,
    )

    assert response.json()["data"]["reassigned"] == [
        {
            "booking_id": str(waxing.id),
            "booking_number": waxing.booking_number,
            "partner_id": str(waxer.id),
        }
    ]
    kept = await reload(session, Booking, facial.id)
    assert kept is not None and kept.partner_id == partner.id


async def test_widening_categories_strands_nothing(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    await create_service(session, category="Facial")
    await create_service(session, category="Waxing")
    partner = await create_partner(session, service_categories=["Facial"])
    await book(session, partner)

    response = await client.patch(
        f"{PARTNERS}/{partner.id}",
        json={"service_categories": ["Facial", "Waxing"]},
        headers=admin_auth,
    )

    assert response.status_code == 200
    assert response.json()["data"]["partner"]["service_categories"] == ["Facial", "Waxing"]

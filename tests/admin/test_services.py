import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.bookings.models import Booking, BookingStatus
from minuteserv.catalog.models import Service
from tests.factories import create_address, create_booking, create_service, create_user, reload

SERVICES = "/api/v1/admin/services"
CATALOG = "/api/v1/services/catalog"


def service_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Facial - Minimal",
        "category": "Facial",
        "tier": "Minimal",
        "product_cost": 1000,
        "market_price": 1200,
        "duration_minutes": 45,
        "image_url": "https://cdn.example.com/facial.png",
    }
    body.update(overrides)
    return body


async def count_services(session: AsyncSession) -> int:
    count = await session.scalar(sa.select(sa.func.count()).select_from(Service))
    await session.commit()
    return count or 0


async def book_lines(session: AsyncSession, *lines: dict[str, Any], **fields: Any) -> Booking:
    user = await create_user(session)
    return await create_booking(
        session, user, await create_address(session, user), services=list(lines), **fields
    )


def line_of(service: Service, **overrides: Any) -> dict[str, Any]:
    line = {
        "service_id": str(service.id),
        "name": service.name,
        "category": service.category,
        "tier": service.tier,
        "unit_price": "1000.00",
        "quantity": 1,
        "line_total": "1000.00",
        "duration_minutes": 60,
    }
    line.update(overrides)
    return line


# --- list -----------------------------------------------------------------------------------


async def test_list_includes_inactive_services_by_category_and_name(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    wax = await create_service(session, name="Arms", category="Waxing")
    hidden = await create_service(session, name="Old Facial", is_active=False)
    facial = await create_service(session, name="Classic Facial")

    response = await client.get(SERVICES, headers=admin_auth)

    data = response.json()["data"]
    assert [(s["id"], s["is_active"]) for s in data["services"]] == [
        (str(facial.id), True),
        (str(hidden.id), False),
        (str(wax.id), True),
    ]
    assert data["pagination"] == {"page": 1, "limit": 20, "total": 3, "pages": 1}


async def test_list_shows_every_field_of_a_service(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    service = await create_service(
        session, market_price=Decimal("1299.50"), image_url="https://cdn.example.com/a.png"
    )

    response = await client.get(SERVICES, headers=admin_auth)

    assert response.json()["data"]["services"] == [
        {
            "id": str(service.id),
            "name": "Classic Facial",
            "category": "Facial",
            "tier": "classic",
            "product_cost": 1000.0,
            "market_price": 1299.5,
            "duration_minutes": 60,
            "image_url": "https://cdn.example.com/a.png",
            "is_active": True,
            "created_at": service.created_at.isoformat().replace("+00:00", "Z"),
        }
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("category=Waxing", ["Arms", "Legs"]),
        ("is_active=false", ["Legs", "Old"]),
        ("category=Waxing&is_active=true", ["Arms"]),
        ("page=2&limit=2", ["Arms", "Legs"]),
    ],
)
async def test_list_filters_and_pages(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin_auth: dict[str, str],
    query: str,
    expected: list[str],
) -> None:
    await create_service(session, name="Arms", category="Waxing")
    await create_service(session, name="Legs", category="Waxing", is_active=False)
    await create_service(session, name="Classic", category="Facial")
    await create_service(session, name="Old", category="Facial", is_active=False)

    response = await client.get(f"{SERVICES}?{query}", headers=admin_auth)

    names = sorted(service["name"] for service in response.json()["data"]["services"])
    assert names == expected


# --- create ---------------------------------------------------------------------------------


async def test_create_stores_an_active_service(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    response = await client.post(SERVICES, json=service_body(), headers=admin_auth)

    assert response.status_code == 201
    data = response.json()["data"]
    stored = await reload(session, Service, data["id"])
    assert stored is not None
    assert (
        stored.name,
        stored.category,
        stored.tier,
        stored.product_cost,
        stored.market_price,
        stored.duration_minutes,
        stored.image_url,
        stored.is_active,
    ) == (
        "Facial - Minimal",
        "Facial",
        "Minimal",
        Decimal("1000.00"),
        Decimal("1200.00"),
        45,
        "https://cdn.example.com/facial.png",
        True,
    )
    assert (data["product_cost"], data["market_price"]) == (1000.0, 1200.0)


async def test_create_without_the_optional_fields_uses_their_defaults(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    body = {"name": "Threading", "category": "Brows", "tier": "basic", "product_cost": "99.5"}

    response = await client.post(SERVICES, json=body, headers=admin_auth)

    stored = await reload(session, Service, response.json()["data"]["id"])
    assert stored is not None
    assert (stored.product_cost, stored.market_price, stored.duration_minutes) == (
        Decimal("99.50"),
        None,
        60,
    )
    assert stored.image_url is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"product_cost": 0}, "product_cost"),
        ({"product_cost": -5}, "product_cost"),
        ({"product_cost": 10.005}, "product_cost"),
        ({"product_cost": 100_000_000}, "product_cost"),
        ({"product_cost": None}, "product_cost"),
        ({"market_price": 0}, "market_price"),
        ({"duration_minutes": 4}, "duration_minutes"),
        ({"duration_minutes": 601}, "duration_minutes"),
        ({"image_url": "ftp://cdn.example.com/a.png"}, "image_url"),
        ({"image_url": "javascript:alert(1)"}, "image_url"),
        ({"name": ""}, "name"),
        ({"category": " "}, "category"),
        ({"tier": "x" * 51}, "tier"),
        ({"is_active": False}, "is_active"),
    ],
)
async def test_create_with_invalid_values_is_a_422_naming_the_field_and_creates_nothing(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin_auth: dict[str, str],
    overrides: dict[str, Any],
    field: str,
) -> None:
    response = await client.post(SERVICES, json=service_body(**overrides), headers=admin_auth)

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert [detail["field"] for detail in error["details"]] == [field]
    assert await count_services(session) == 0


# --- replace --------------------------------------------------------------------------------


async def test_put_replaces_every_field(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    service = await create_service(
        session, market_price=Decimal("1500"), image_url="https://cdn.example.com/old.png"
    )
    body = {
        "name": "Gold Facial",
        "category": "Facial",
        "tier": "gold",
        "product_cost": 1800,
        "duration_minutes": 90,
        "is_active": False,
    }

    response = await client.put(f"{SERVICES}/{service.id}", json=body, headers=admin_auth)

    assert response.status_code == 200
    stored = await reload(session, Service, service.id)
    assert stored is not None
    assert (
        stored.name,
        stored.tier,
        stored.product_cost,
        stored.market_price,
        stored.duration_minutes,
        stored.image_url,
        stored.is_active,
    ) == ("Gold Facial", "gold", Decimal("1800.00"), None, 90, None, False)
    assert response.json()["data"]["is_active"] is False


async def test_put_without_is_active_is_a_422_and_changes_nothing(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    service = await create_service(session)

    response = await client.put(
        f"{SERVICES}/{service.id}", json=service_body(product_cost=5), headers=admin_auth
    )

    assert response.status_code == 422
    assert [d["field"] for d in response.json()["error"]["details"]] == ["is_active"]
    stored = await reload(session, Service, service.id)
    assert stored is not None and stored.product_cost == Decimal("1000.00")


async def test_put_of_an_unknown_service_is_a_404(
    client: httpx.AsyncClient, admin_auth: dict[str, str]
) -> None:
    response = await client.put(
        f"{SERVICES}/{uuid.uuid4()}", json=service_body(is_active=True), headers=admin_auth
    )

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "SERVICE_NOT_FOUND"


async def test_a_new_price_leaves_past_bookings_lines_and_totals_as_they_were(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    service = await create_service(session)
    booking = await book_lines(session, line_of(service), status=BookingStatus.COMPLETED)
    lines_before = booking.services

    await client.put(
        f"{SERVICES}/{service.id}",
        json=service_body(product_cost=1500, is_active=True),
        headers=admin_auth,
    )

    stored = await reload(session, Booking, booking.id)
    assert stored is not None
    assert stored.services == lines_before
    assert (stored.total_price, stored.grand_total) == (Decimal("1000.00"), Decimal("1180.00"))
    repriced = await reload(session, Service, service.id)
    assert repriced is not None and repriced.product_cost == Decimal("1500.00")


# --- delete ---------------------------------------------------------------------------------


async def test_delete_of_a_never_booked_service_deletes_it(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    service = await create_service(session)
    other = await create_service(session, name="Other")
    await book_lines(session, line_of(other))

    response = await client.delete(f"{SERVICES}/{service.id}", headers=admin_auth)

    assert response.status_code == 200
    assert response.json()["data"] == {"id": str(service.id), "deleted": True, "deactivated": False}
    assert await reload(session, Service, service.id) is None


@pytest.mark.parametrize("status", [BookingStatus.COMPLETED, BookingStatus.CANCELLED])
async def test_delete_of_a_booked_service_only_deactivates_it(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin_auth: dict[str, str],
    status: BookingStatus,
) -> None:
    service = await create_service(session)
    other = await create_service(session, name="Other")
    await book_lines(session, line_of(other), line_of(service, quantity=2), status=status)

    response = await client.delete(f"{SERVICES}/{service.id}", headers=admin_auth)

    assert response.json()["data"] == {"id": str(service.id), "deleted": False, "deactivated": True}
    stored = await reload(session, Service, service.id)
    assert stored is not None and stored.is_active is False


async def test_a_booking_line_merely_mentioning_the_id_elsewhere_does_not_count(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    service = await create_service(session)
    other = await create_service(session, name="Other")
    await book_lines(session, line_of(other, name=f"replaces {service.id}"))

    response = await client.delete(f"{SERVICES}/{service.id}", headers=admin_auth)

    assert response.json()["data"]["deleted"] is True


async def test_delete_of_an_unknown_service_is_a_404(
    client: httpx.AsyncClient, admin_auth: dict[str, str]
) -> None:
    response = await client.delete(f"{SERVICES}/{uuid.uuid4()}", headers=admin_auth)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "SERVICE_NOT_FOUND"


async def test_a_deactivated_service_leaves_the_public_catalog(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    service = await create_service(session)
    await book_lines(session, line_of(service))

    await client.delete(f"{SERVICES}/{service.id}", headers=admin_auth)

    catalog = await client.get("/api/v1/services/catalog")
    assert catalog.json()["data"]["categories"] == {}


# --- the public catalog's cache, across app processes ---------------------------------------


async def test_a_price_change_shows_in_the_next_catalog_read_of_every_process(
    client: httpx.AsyncClient,
    other_process: httpx.AsyncClient,
    session: AsyncSession,
    admin_auth: dict[str, str],
) -> None:
    service = await create_service(session, name="Gold Facial", product_cost=Decimal("1000"))
    for cached in (client, other_process):
        assert (await cached.get(CATALOG)).json()["data"]["categories"]["Facial"][0][
            "product_cost"
        ] == 1000

    await client.put(
        f"{SERVICES}/{service.id}",
        json=service_body(name="Gold Facial", product_cost=1250, is_active=True),
        headers=admin_auth,
    )

    for reader in (other_process, client):
        facials = (await reader.get(CATALOG)).json()["data"]["categories"]["Facial"]
        assert [(s["name"], s["product_cost"]) for s in facials] == [("Gold Facial", 1250)]


async def test_a_service_removed_through_one_process_leaves_the_others_catalog(
    client: httpx.AsyncClient,
    other_process: httpx.AsyncClient,
    session: AsyncSession,
    admin_auth: dict[str, str],
) -> None:
    service = await create_service(session)
    assert (await other_process.get(CATALOG)).json()["data"]["categories"] != {}

    await client.delete(f"{SERVICES}/{service.id}", headers=admin_auth)

    assert (await other_process.get(CATALOG)).json()["data"]["categories"] == {}

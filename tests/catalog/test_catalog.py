from decimal import Decimal

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.catalog.models import Service
from minuteserv.core.revisions import CacheRevision
from tests.conftest import SelectLog
from tests.factories import create_service

CATALOG = "/api/v1/services/catalog"


def names_by_category(response: httpx.Response) -> dict[str, list[str]]:
    categories = response.json()["data"]["categories"]
    return {category: [s["name"] for s in services] for category, services in categories.items()}


async def test_catalog_needs_no_token_and_is_empty_without_services(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(CATALOG)

    assert response.status_code == 200
    assert response.json() == {"success": True, "data": {"categories": {}}}


async def test_catalog_sends_every_field_of_a_service_in_rupees(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    service = await create_service(
        session,
        name="Gold Facial",
        category="Facial",
        tier="premium",
        product_cost=Decimal("1499.50"),
        market_price=Decimal("2000.00"),
        duration_minutes=75,
        image_url="https://cdn.example.com/gold.jpg",
    )
    plain = await create_service(session, name="Basic Facial", product_cost=Decimal("331.20"))

    response = await client.get(CATALOG)

    assert response.json()["data"]["categories"] == {
        "Facial": [
            {
                "id": str(plain.id),
                "name": "Basic Facial",
                "category": "Facial",
                "tier": "classic",
                "product_cost": 331.2,
                "market_price": None,
                "duration_minutes": 60,
                "image_url": None,
            },
            {
                "id": str(service.id),
                "name": "Gold Facial",
                "category": "Facial",
                "tier": "premium",
                "product_cost": 1499.5,
                "market_price": 2000.0,
                "duration_minutes": 75,
                "image_url": "https://cdn.example.com/gold.jpg",
            },
        ]
    }


async def test_catalog_groups_by_category_in_alphabetical_order(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    for category in ("Waxing", "facial cleanup", "Bleach", "Manicure"):
        await create_service(session, name=f"{category} service", category=category)

    response = await client.get(CATALOG)

    assert list(response.json()["data"]["categories"]) == [
        "Bleach",
        "facial cleanup",
        "Manicure",
        "Waxing",
    ]


async def test_catalog_orders_a_category_by_cost_then_name_then_id(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await create_service(session, name="Zeta", product_cost=Decimal("500"))
    await create_service(session, name="beta", product_cost=Decimal("900"))
    await create_service(session, name="Alpha", product_cost=Decimal("900"))
    twins = [await create_service(session, name="Twin", product_cost=Decimal("900")) for _ in "ab"]

    response = await client.get(CATALOG)

    services = response.json()["data"]["categories"]["Facial"]
    assert [s["name"] for s in services] == ["Zeta", "Alpha", "beta", "Twin", "Twin"]
    assert [s["id"] for s in services[3:]] == sorted(str(twin.id) for twin in twins)


async def test_catalog_leaves_out_inactive_services_and_their_empty_categories(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await create_service(session, name="Active", category="Facial")
    await create_service(session, name="Retired", category="Facial", is_active=False)
    await create_service(session, name="Gone", category="Threading", is_active=False)

    response = await client.get(CATALOG)

    assert names_by_category(response) == {"Facial": ["Active"]}


async def test_catalog_reads_services_once_then_only_their_revision(
    client: httpx.AsyncClient, session: AsyncSession, selects: SelectLog
) -> None:
    for category in ("Facial", "Waxing", "Bleach"):
        for cost in (100, 200):
            await create_service(session, category=category, product_cost=Decimal(cost))
    selects.clear()

    first = await client.get(CATALOG)
    first_selects = list(selects)
    selects.clear()
    second = await client.get(CATALOG)

    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert len(first_selects) == 2
    assert "services" in first_selects[1]
    assert len(selects) == 1
    assert "cache_revisions" in selects[0]


async def test_a_change_made_in_sql_shows_in_the_next_read(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """The triggers, not the admin routes, keep the cache honest: any write path counts."""
    kept = await create_service(session, name="Kept", category="Facial")
    dropped = await create_service(session, name="Dropped", category="Facial")
    await client.get(CATALOG)

    await session.execute(
        sa.update(Service).where(Service.id == kept.id).values(product_cost=Decimal("777.00"))
    )
    await session.execute(sa.delete(Service).where(Service.id == dropped.id))
    await session.commit()
    await create_service(session, name="Added", category="Waxing")
    response = await client.get(CATALOG)

    categories = response.json()["data"]["categories"]
    assert [(s["name"], s["product_cost"]) for s in categories["Facial"]] == [("Kept", 777.0)]
    assert [s["name"] for s in categories["Waxing"]] == ["Added"]


async def test_a_counter_that_went_missing_and_came_back_never_revives_an_old_copy(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    service = await create_service(session, name="Kept", category="Facial")
    await client.get(CATALOG)  # cached under the counter's value
    counter = sa.select(CacheRevision.revision).where(CacheRevision.name == "catalog")
    value = await session.scalar(counter)
    await session.execute(sa.delete(CacheRevision))
    await session.execute(
        sa.update(Service).where(Service.id == service.id).values(product_cost=Decimal("555.00"))
    )
    await session.commit()
    while_missing = await client.get(CATALOG)

    session.add(CacheRevision(name="catalog", revision=value))  # a restore, say
    await session.commit()
    after = await client.get(CATALOG)

    for response in (while_missing, after):
        assert response.json()["data"]["categories"]["Facial"][0]["product_cost"] == 555

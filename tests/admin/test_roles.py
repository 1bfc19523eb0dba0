"""Who may call the admin routes of partners, services, promo codes, contact and users."""

from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.catalog.models import Service
from minuteserv.partners.models import Partner
from minuteserv.promos.models import PromoCode
from tests.factories import create_partner, create_promo, create_service, reload

ADMIN = "/api/v1/admin"
ANY_ID = "00000000-0000-4000-8000-000000000000"
LISTS = ["partners", "services", "promo-codes", "contact-submissions", "users"]
ROUTES = [
    ("GET", "partners"),
    ("POST", "partners"),
    ("PATCH", f"partners/{ANY_ID}"),
    ("GET", "services"),
    ("POST", "services"),
    ("PUT", f"services/{ANY_ID}"),
    ("DELETE", f"services/{ANY_ID}"),
    ("GET", "promo-codes"),
    ("POST", "promo-codes"),
    ("PATCH", f"promo-codes/{ANY_ID}"),
    ("DELETE", f"promo-codes/{ANY_ID}"),
    ("GET", "contact-submissions"),
    ("PATCH", f"contact-submissions/{ANY_ID}"),
    ("GET", "users"),
]
CREATES = {
    "partners": (
        Partner,
        {"name": "Priya", "phone_number": "9876543210", "service_categories": ["Facial"]},
    ),
    "services": (
        Service,
        {"name": "Gold", "category": "Facial", "tier": "gold", "product_cost": 1500},
    ),
    "promo-codes": (
        PromoCode,
        {"code": "NEW20", "discount_type": "percentage", "discount_value": 20},
    ),
}


async def count(session: AsyncSession, model: type[Any]) -> int:
    total = await session.scalar(sa.select(sa.func.count()).select_from(model))
    await session.commit()
    return total or 0


@pytest.mark.parametrize("section", LISTS)
async def test_support_can_list_everything(
    client: httpx.AsyncClient, support_auth: dict[str, str], section: str
) -> None:
    response = await client.get(f"{ADMIN}/{section}", headers=support_auth)

    assert response.status_code == 200
    assert response.json()["data"]["pagination"]["page"] == 1


@pytest.mark.parametrize("section", sorted(CREATES))
async def test_support_cannot_create_and_nothing_is_created(
    client: httpx.AsyncClient, session: AsyncSession, support_auth: dict[str, str], section: str
) -> None:
    await create_service(session, category="Facial")
    model, body = CREATES[section]
    before = await count(session, model)

    response = await client.post(f"{ADMIN}/{section}", json=body, headers=support_auth)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "FORBIDDEN"
    assert await count(session, model) == before


@pytest.mark.parametrize("section", sorted(CREATES))
async def test_admin_can_create_what_support_cannot(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str], section: str
) -> None:
    await create_service(session, category="Facial")

    response = await client.post(f"{ADMIN}/{section}", json=CREATES[section][1], headers=admin_auth)

    assert response.status_code == 201


async def test_support_cannot_change_a_partner(
    client: httpx.AsyncClient, session: AsyncSession, support_auth: dict[str, str]
) -> None:
    partner = await create_partner(session)

    response = await client.patch(
        f"{ADMIN}/partners/{partner.id}", json={"is_active": False}, headers=support_auth
    )

    assert response.status_code == 403
    stored = await reload(session, Partner, partner.id)
    assert stored is not None and stored.is_active is True


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
async def test_support_cannot_change_or_delete_a_service(
    client: httpx.AsyncClient, session: AsyncSession, support_auth: dict[str, str], method: str
) -> None:
    service = await create_service(session)
    body = {**CREATES["services"][1], "is_active": False} if method == "PUT" else None

    response = await client.request(
        method, f"{ADMIN}/services/{service.id}", json=body, headers=support_auth
    )

    assert response.status_code == 403
    stored = await reload(session, Service, service.id)
    assert stored is not None and (stored.name, stored.is_active) == ("Classic Facial", True)


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
async def test_support_cannot_change_or_deactivate_a_promo(
    client: httpx.AsyncClient, session: AsyncSession, support_auth: dict[str, str], method: str
) -> None:
    promo = await create_promo(session)
    body = {"is_active": False} if method == "PATCH" else None

    response = await client.request(
        method, f"{ADMIN}/promo-codes/{promo.id}", json=body, headers=support_auth
    )

    assert response.status_code == 403
    stored = await reload(session, PromoCode, promo.id)
    assert stored is not None and stored.is_active is True


@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_a_customer_token_opens_no_admin_route(
    client: httpx.AsyncClient, customer_auth: dict[str, str], method: str, path: str
) -> None:
    response = await client.request(method, f"{ADMIN}/{path}", json={}, headers=customer_auth)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHORIZED"


@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_no_token_opens_no_admin_route(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await client.request(method, f"{ADMIN}/{path}", json={})

    assert response.status_code == 401

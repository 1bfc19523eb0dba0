from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.core.config import Settings
from minuteserv.users.models import User
from tests.factories import bearer, create_user, customer_token, reload


@pytest.fixture
async def user(session: AsyncSession) -> User:
    return await create_user(session, name="Asha", email="asha@example.com")


@pytest.fixture
def auth(settings: Settings, user: User) -> dict[str, str]:
    return bearer(customer_token(settings, user))


async def profile_of(session: AsyncSession, user: User) -> tuple[str | None, str | None, str]:
    stored = await reload(session, User, user.id)
    assert stored is not None
    return stored.name, stored.email, stored.phone_number


async def test_profile_update_sets_name_and_lower_cased_email(
    client: httpx.AsyncClient, session: AsyncSession, user: User, auth: dict[str, str]
) -> None:
    body = {"name": "  Asha Roy ", "email": "Asha.Roy@Example.COM"}

    response = await client.patch("/api/v1/profile", json=body, headers=auth)

    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "data": {
            "id": str(user.id),
            "phone_number": user.phone_number,
            "name": "Asha Roy",
            "email": "asha.roy@example.com",
            "is_verified": True,
            "created_at": user.created_at.isoformat().replace("+00:00", "Z"),
        },
    }
    assert await profile_of(session, user) == (
        "Asha Roy",
        "asha.roy@example.com",
        user.phone_number,
    )


async def test_profile_update_changes_only_the_fields_sent(
    client: httpx.AsyncClient, session: AsyncSession, user: User, auth: dict[str, str]
) -> None:
    await client.patch("/api/v1/profile", json={"email": "new@example.com"}, headers=auth)

    assert await profile_of(session, user) == ("Asha", "new@example.com", user.phone_number)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({}, "body", id="empty-body"),
        pytest.param({"name": "   "}, "name", id="blank-name"),
        pytest.param({"name": "x" * 256}, "name", id="name-too-long"),
        pytest.param({"name": 42}, "name", id="name-a-number"),
        pytest.param({"name": None}, "name", id="name-null"),
        pytest.param({"email": "not-an-email"}, "email", id="invalid-email"),
        pytest.param({"email": None}, "email", id="email-null"),
        pytest.param({"phone_number": "+919876543210"}, "phone_number", id="phone-not-editable"),
        pytest.param({"name": "Ok", "role": "admin"}, "role", id="unknown-field"),
    ],
)
async def test_profile_update_with_an_invalid_body_is_422_and_changes_nothing(
    client: httpx.AsyncClient,
    session: AsyncSession,
    user: User,
    auth: dict[str, str],
    body: dict[str, Any],
    field: str,
) -> None:
    response = await client.patch("/api/v1/profile", json=body, headers=auth)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert field in {detail["field"] for detail in response.json()["error"]["details"]}
    assert await profile_of(session, user) == ("Asha", "asha@example.com", user.phone_number)


async def test_profile_update_requires_a_customer_token(
    client: httpx.AsyncClient, session: AsyncSession, user: User
) -> None:
    response = await client.patch("/api/v1/profile", json={"name": "Intruder"})

    assert response.status_code == 401
    assert await profile_of(session, user) == ("Asha", "asha@example.com", user.phone_number)

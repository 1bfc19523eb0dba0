"""Admin sign-in: argon2id passwords, one answer for every failure, attempts rate limited per
email and per IP, and tokens of an audience that customer routes refuse (and vice versa)."""

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.auth.models import AdminRole, AdminUser
from minuteserv.core.config import Settings
from minuteserv.core.passwords import hash_password
from minuteserv.core.security import Audience
from tests.factories import admin_token, bearer, create_admin, create_user, customer_token

LOGIN = "/api/v1/admin/auth/login"
PASSWORD = "correct horse battery staple"
ATTEMPTS_ALLOWED = 10  # RATE_LIMIT_ADMIN_LOGIN's default, 10/15minutes

ClientAt = Callable[[str], AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
async def support_agent(session: AsyncSession) -> AdminUser:
    """A support agent who can really sign in (their password is hashed for real)."""
    return await create_admin(
        session,
        role=AdminRole.SUPPORT,
        email="asha@minuteserv.example.com",
        name="Asha",
        password_hash=hash_password(PASSWORD),
    )


@pytest.fixture
def client_at(app: FastAPI) -> ClientAt:
    """A client whose requests come from the given IP address."""

    @asynccontextmanager
    async def connect(ip: str) -> AsyncIterator[httpx.AsyncClient]:
        transport = httpx.ASGITransport(app=app, client=(ip, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client

    return connect


async def login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post(LOGIN, json={"email": email, "password": password})


def without_request_id(body: dict[str, Any]) -> dict[str, Any]:
    error = {key: value for key, value in body["error"].items() if key != "request_id"}
    return {**body, "error": error}


async def test_right_credentials_give_an_admin_audience_token_with_the_role(
    client: httpx.AsyncClient, settings: Settings, support_agent: AdminUser
) -> None:
    response = await login(client, "asha@minuteserv.example.com", PASSWORD)

    assert response.status_code == 200
    data = response.json()["data"]
    claims = jwt.decode(
        data["token"],
        settings.jwt_secret,
        algorithms=["HS256"],
        audience=Audience.ADMIN.value,
        issuer=settings.jwt_issuer,
    )
    assert (claims["sub"], claims["role"], claims["aud"]) == (
        str(support_agent.id),
        "support",
        "minuteserv:admin",
    )
    assert claims["exp"] - claims["iat"] == settings.jwt_ttl_seconds
    assert (data["token_type"], data["expires_in"]) == ("bearer", settings.jwt_ttl_seconds)
    assert data["admin"] == {
        "id": str(support_agent.id),
        "email": "asha@minuteserv.example.com",
        "name": "Asha",
        "role": "support",
        "created_at": support_agent.created_at.isoformat().replace("+00:00", "Z"),
    }


async def test_email_is_matched_whatever_its_case(
    client: httpx.AsyncClient, support_agent: AdminUser
) -> None:
    response = await login(client, "Asha@MinuteServ.Example.com", PASSWORD)

    assert response.status_code == 200
    assert response.json()["data"]["admin"]["id"] == str(support_agent.id)


async def test_the_token_opens_admin_routes(
    client: httpx.AsyncClient, support_agent: AdminUser
) -> None:
    token = (await login(client, "asha@minuteserv.example.com", PASSWORD)).json()["data"]["token"]

    response = await client.get("/api/v1/admin/dashboard", headers=bearer(token))

    assert response.status_code == 200


async def test_wrong_password_and_unknown_email_answer_identically(
    client: httpx.AsyncClient, support_agent: AdminUser
) -> None:
    wrong_password = await login(client, "asha@minuteserv.example.com", "not the password")
    unknown_email = await login(client, "nobody@minuteserv.example.com", PASSWORD)

    assert wrong_password.status_code == unknown_email.status_code == 401
    assert without_request_id(wrong_password.json()) == without_request_id(unknown_email.json())
    assert without_request_id(wrong_password.json()) == {
        "success": False,
        "error": {
            "code": "INVALID_CREDENTIALS",
            "message": "The email or password is wrong.",
            "details": [],
        },
    }


async def test_a_deactivated_admin_cannot_sign_in(
    client: httpx.AsyncClient, session: AsyncSession, support_agent: AdminUser
) -> None:
    support_agent.is_active = False
    await session.commit()

    response = await login(client, "asha@minuteserv.example.com", PASSWORD)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "INVALID_CREDENTIALS"


async def test_login_body_must_hold_an_email_and_a_password(client: httpx.AsyncClient) -> None:
    response = await client.post(LOGIN, json={"email": "not-an-email", "password": ""})

    assert response.status_code == 422
    fields = {detail["field"] for detail in response.json()["error"]["details"]}
    assert fields == {"email", "password"}


async def test_eleventh_attempt_for_one_email_is_refused_from_any_address(
    client_at: ClientAt,
) -> None:
    for attempt in range(ATTEMPTS_ALLOWED):
        async with client_at(f"198.51.100.{attempt + 1}") as client:
            assert (await login(client, "asha@minuteserv.example.com", "guess")).status_code == 401

    async with client_at("198.51.100.200") as client:
        refused = await login(client, "asha@minuteserv.example.com", PASSWORD)

    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "RATE_LIMITED"
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60


async def test_eleventh_attempt_from_one_address_is_refused_for_any_email(
    client: httpx.AsyncClient,
) -> None:
    for attempt in range(ATTEMPTS_ALLOWED):
        assert (
            await login(client, f"guess{attempt}@minuteserv.example.com", "guess")
        ).status_code == 401

    refused = await login(client, "asha@minuteserv.example.com", PASSWORD)

    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "RATE_LIMITED"
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60


@pytest.mark.parametrize(
    "settings_overrides", [{"rate_limit_admin_login": "2/15minutes"}], indirect=True
)
async def test_other_emails_and_addresses_are_not_held_back_by_one_spent_limit(
    client_at: ClientAt, support_agent: AdminUser
) -> None:
    async with client_at("198.51.100.1") as client:
        for _ in range(3):
            await login(client, "target@minuteserv.example.com", "guess")

    async with client_at("198.51.100.2") as client:
        response = await login(client, "asha@minuteserv.example.com", PASSWORD)

    assert response.status_code == 200


async def test_an_admin_token_does_not_open_customer_routes(
    client: httpx.AsyncClient, settings: Settings, session: AsyncSession
) -> None:
    admin = await create_admin(session)

    response = await client.get("/api/v1/dashboard", headers=bearer(admin_token(settings, admin)))

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHORIZED"


async def test_a_customer_token_does_not_open_admin_routes(
    client: httpx.AsyncClient, settings: Settings, session: AsyncSession
) -> None:
    user = await create_user(session)

    response = await client.get(
        "/api/v1/admin/dashboard", headers=bearer(customer_token(settings, user))
    )

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHORIZED"


async def test_a_deactivated_admins_token_stops_working(
    client: httpx.AsyncClient, settings: Settings, session: AsyncSession
) -> None:
    admin = await create_admin(session)
    token = admin_token(settings, admin)
    before = await client.get("/api/v1/admin/dashboard", headers=bearer(token))
    admin.is_active = False
    await session.commit()

    response = await client.get("/api/v1/admin/dashboard", headers=bearer(token))

    assert before.status_code == 200
    assert response.status_code == 401


async def test_a_role_taken_away_applies_to_the_next_request(
    client: httpx.AsyncClient, settings: Settings, session: AsyncSession
) -> None:
    admin = await create_admin(session, role=AdminRole.ADMIN)
    token = bearer(admin_token(settings, admin))
    before = await client.post("/api/v1/admin/promo-codes", json={}, headers=token)
    admin.role = AdminRole.SUPPORT
    await session.commit()

    response = await client.post("/api/v1/admin/promo-codes", json={}, headers=token)

    assert before.status_code == 422  # an admin may: only the empty body is refused
    assert response.status_code == 403

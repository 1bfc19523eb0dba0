"""Every shape in which a database turns out unreachable is a 503 SERVICE_UNAVAILABLE, never a
500: connection errors SQLAlchemy does not wrap, server codes of a restart, a full pool."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.pool import NullPool

from minuteserv.app import create_app
from minuteserv.core.config import Settings
from minuteserv.core.db import create_engine, create_sessionmaker
from minuteserv.users.models import User
from tests.conftest import make_settings, terminate_backends
from tests.factories import bearer, customer_token


class ServerCode(Exception):
    """What a driver error carries: the server's SQLSTATE."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"server said {sqlstate}")
        self.sqlstate = sqlstate


async def answer_to(app: FastAPI, client: httpx.AsyncClient, error: Exception) -> httpx.Response:
    async def failing() -> None:
        raise error

    app.add_api_route("/failing", failing)
    return await client.get("/failing")


def unavailable(response: httpx.Response) -> tuple[int, str, str | None]:
    code = response.json()["error"]["code"]
    return response.status_code, code, response.headers.get("Retry-After")


@pytest.mark.parametrize(
    "sqlstate",
    ["57P01", "57P03", "08006", "53300"],
    ids=["admin-shutdown", "starting-up", "connection-failure", "too-many-connections"],
)
async def test_server_codes_of_an_unreachable_database_answer_503(
    app: FastAPI, client: httpx.AsyncClient, sqlstate: str
) -> None:
    error = sa.exc.DBAPIError("SELECT 1", {}, ServerCode(sqlstate))

    response = await answer_to(app, client, error)

    assert unavailable(response) == (503, "SERVICE_UNAVAILABLE", "2")


async def test_other_driver_errors_still_answer_500(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    error = sa.exc.DBAPIError("SELECT 1", {}, ServerCode("XX000"))

    response = await answer_to(app, client, error)

    assert unavailable(response) == (500, "INTERNAL_ERROR", None)


async def test_full_connection_pool_answers_503(app: FastAPI, client: httpx.AsyncClient) -> None:
    error = sa.exc.TimeoutError("QueuePool limit of size 10 overflow 10 reached")

    response = await answer_to(app, client, error)

    assert unavailable(response) == (503, "SERVICE_UNAVAILABLE", "2")


@pytest.fixture
def missing_socket_settings(tmp_path: Path) -> Settings:
    """PostgreSQL behind a socket folder that does not exist: asyncpg raises a bare OSError."""
    url = f"postgresql+asyncpg://postgres@/minuteserv?host={tmp_path / 'no-such-folder'}"
    return make_settings(url, tmp_path)


@pytest.fixture
async def client_of_missing_socket(
    missing_socket_settings: Settings,
) -> AsyncIterator[httpx.AsyncClient]:
    engine = create_engine(missing_socket_settings.database_url, poolclass=NullPool)
    app = create_app(missing_socket_settings, sessionmaker=create_sessionmaker(engine))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
    await engine.dispose()


async def test_bare_os_error_when_connecting_answers_503(
    client_of_missing_socket: httpx.AsyncClient,
) -> None:
    response = await client_of_missing_socket.get("/api/v1/services/catalog")

    assert unavailable(response) == (503, "SERVICE_UNAVAILABLE", "2")


async def test_reads_on_the_drivers_own_pool_answer_503_when_it_cannot_connect(
    client_of_missing_socket: httpx.AsyncClient, missing_socket_settings: Settings
) -> None:
    """The bookings list and detail read through `Reader`'s asyncpg pool, not SQLAlchemy's;
    the check of the caller that a malformed parameter owes before its 422 goes through the
    Reader too, and answers 503 as well rather than a 422 or a 500."""
    token = customer_token(missing_socket_settings, User(id=uuid.uuid4()))
    paths = [
        "/api/v1/bookings",
        f"/api/v1/bookings/{uuid.uuid4()}",
        "/api/v1/bookings?limit=0",
        "/api/v1/bookings/not-a-uuid",
    ]

    responses = [await client_of_missing_socket.get(p, headers=bearer(token)) for p in paths]

    assert [unavailable(response) for response in responses] == [
        (503, "SERVICE_UNAVAILABLE", "2")
    ] * 4


@pytest.mark.postgresql_only
async def test_connections_the_server_closed_are_replaced_without_failing_a_request(
    postgresql_url: str, tmp_path: Path
) -> None:
    """What a PostgreSQL restart leaves in the pool: every connection closed by the server.
    The next requests must not pay for it (the contract's 503 is for while it is down)."""
    name = f"stale-{uuid.uuid4().hex[:8]}"
    engine = create_engine(
        postgresql_url, connect_args={"server_settings": {"application_name": name}}
    )
    app = create_app(
        make_settings(postgresql_url, tmp_path), sessionmaker=create_sessionmaker(engine)
    )
    transport = httpx.ASGITransport(app=app)
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
        ):
            warm = await asyncio.gather(*(client.get("/readyz") for _ in range(3)))
            assert await terminate_backends(postgresql_url, name), "the app held no connection"
            await asyncio.sleep(0.2)  # the event loop reads the closed sockets

            after = [await client.get(path) for path in ("/readyz", "/api/v1/services/catalog")]
    finally:
        await engine.dispose()

    assert [r.status_code for r in warm] == [200, 200, 200]
    assert [r.status_code for r in after] == [200, 200]

"""Every shape in which a database turns out unreachable is a 503 SERVICE_UNAVAILABLE, never a
500: connection errors SQLAlchemy does not wrap, server codes of a restart, a full pool."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.pool import NullPool

from minuteserv.app import create_app
from minuteserv.core.db import create_engine, create_sessionmaker
from tests.conftest import make_settings


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
async def client_of_missing_socket(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """An app whose PostgreSQL socket folder does not exist: asyncpg raises a bare OSError."""
    url = f"postgresql+asyncpg://postgres@/minuteserv?host={tmp_path / 'no-such-folder'}"
    engine = create_engine(url, poolclass=NullPool)
    app = create_app(make_settings(url, tmp_path), sessionmaker=create_sessionmaker(engine))
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

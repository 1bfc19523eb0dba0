"""App-wide behaviour: error envelopes, body cap, request ids, metrics, docs, CORS, 500 and 503."""

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.pool import NullPool

from minuteserv.app import create_app
from minuteserv.contact.models import ContactSubmission
from minuteserv.core.db import create_engine, create_sessionmaker
from tests.conftest import make_settings

CONTACT = "/api/v1/contact"
JSON = {"content-type": "application/json"}
ALLOWED_ORIGIN = "https://minuteserv.in"


async def contact_count(session: AsyncSession) -> int:
    """Rows in contact_submissions; the read transaction is closed so no SQLite lock is kept."""
    count = await session.scalar(sa.select(sa.func.count()).select_from(ContactSubmission))
    await session.commit()
    return count or 0


def error_of(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert body["success"] is False
    assert body["error"]["request_id"] == response.headers["X-Request-ID"]
    error: dict[str, Any] = body["error"]
    return error


# --- Error envelopes ------------------------------------------------------------------------


async def test_unknown_route_answers_not_found_envelope(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/nowhere")
    assert response.status_code == 404
    assert error_of(response) | {"request_id": None} == {
        "code": "NOT_FOUND",
        "message": "Not found.",
        "details": [],
        "request_id": None,
    }


async def test_wrong_method_answers_method_not_allowed_with_allow(
    client: httpx.AsyncClient,
) -> None:
    response = await client.delete("/healthz")
    assert response.status_code == 405
    assert error_of(response)["code"] == "METHOD_NOT_ALLOWED"
    assert response.headers["Allow"] == "GET"


async def test_malformed_json_answers_400_and_stores_nothing(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    response = await client.post(CONTACT, content=b'{"name": "Asha",', headers=JSON)
    assert response.status_code == 400
    assert error_of(response)["code"] == "MALFORMED_JSON"
    assert await contact_count(session) == 0


async def test_wrong_types_answer_422_with_field_details(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    response = await client.post(CONTACT, json={"name": 5, "email": "asha@example.com"})
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "VALIDATION_ERROR"
    assert error["details"] == [
        {
            "field": "name",
            "location": "body",
            "message": "Input should be a valid string",
            "type": "string_type",
        },
        {"field": "message", "location": "body", "message": "Field required", "type": "missing"},
    ]
    assert await contact_count(session) == 0


# --- Body size cap ----------------------------------------------------------------------------


async def test_declared_body_over_the_cap_answers_413(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    response = await client.post(CONTACT, content=b" " * 65537, headers=JSON)
    assert response.status_code == 413
    assert error_of(response)["code"] == "PAYLOAD_TOO_LARGE"
    assert await contact_count(session) == 0


async def test_streamed_body_over_the_cap_answers_413(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(7):
            yield b" " * 10_000

    response = await client.post(CONTACT, content=chunks(), headers=JSON)
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert error_of(response)["code"] == "PAYLOAD_TOO_LARGE"
    assert await contact_count(session) == 0


async def test_body_at_the_cap_is_read(client: httpx.AsyncClient) -> None:
    body = b'{"name": "Asha", "email": "asha@example.com", "message": "hi"}'
    response = await client.post(CONTACT, content=body.ljust(65536), headers=JSON)
    assert response.status_code == 201


# --- Request ids --------------------------------------------------------------------------------


async def test_request_id_is_generated_when_absent(client: httpx.AsyncClient) -> None:
    first = await client.get("/healthz")
    second = await client.get("/healthz")
    ids = [first.headers["X-Request-ID"], second.headers["X-Request-ID"]]
    assert all(len(request_id) == 32 and int(request_id, 16) >= 0 for request_id in ids)
    assert ids[0] != ids[1]


async def test_sane_request_id_is_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.42_x"})
    assert response.headers["X-Request-ID"] == "lb-7f3a.42_x"


@pytest.mark.parametrize("unsafe", ["has spaces", "semi;colon", "<script>", "x" * 65])
async def test_unsafe_request_id_is_replaced(client: httpx.AsyncClient, unsafe: str) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": unsafe})
    assert response.headers["X-Request-ID"] != unsafe
    assert len(response.headers["X-Request-ID"]) == 32


# --- Metrics and docs ---------------------------------------------------------------------------


async def requests_counted(client: httpx.AsyncClient, *, route: str, status: str) -> float:
    labels = {"method": "GET", "route": route, "status": status}
    for family in text_string_to_metric_families((await client.get("/metrics")).text):
        for sample in family.samples:
            if sample.name == "minuteserv_http_requests_total" and sample.labels == labels:
                return sample.value
    return 0.0


async def test_metrics_serve_prometheus_text(client: httpx.AsyncClient) -> None:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    assert "# TYPE minuteserv_http_requests_total counter" in response.text


async def test_metrics_count_each_request(client: httpx.AsyncClient) -> None:
    before = await requests_counted(client, route="/healthz", status="200")
    await client.get("/healthz")
    assert await requests_counted(client, route="/healthz", status="200") == before + 1


async def test_metrics_label_api_requests_by_route_template(client: httpx.AsyncClient) -> None:
    template = "/addresses/{address_id}"
    before = await requests_counted(client, route=template, status="401")
    await client.get(f"/api/v1/addresses/{uuid.uuid4()}")
    assert await requests_counted(client, route=template, status="401") == before + 1


async def test_openapi_document_lists_the_api(client: httpx.AsyncClient) -> None:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "Minuteserv API"
    assert CONTACT in document["paths"]


async def test_docs_page_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")


# --- CORS ------------------------------------------------------------------------------------


@pytest.mark.parametrize("settings_overrides", [{"cors_origins": [ALLOWED_ORIGIN]}])
async def test_cors_allows_a_configured_origin(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"Origin": ALLOWED_ORIGIN})
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert response.headers["Access-Control-Expose-Headers"] == "X-Request-ID"


@pytest.mark.parametrize("settings_overrides", [{"cors_origins": [ALLOWED_ORIGIN]}])
async def test_cors_preflight_for_a_configured_origin(client: httpx.AsyncClient) -> None:
    response = await client.options(
        CONTACT, headers={"Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "POST"}
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN


@pytest.mark.parametrize("settings_overrides", [{"cors_origins": [ALLOWED_ORIGIN]}])
async def test_cors_ignores_other_origins(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in response.headers


async def test_cors_is_off_without_configured_origins(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"Origin": ALLOWED_ORIGIN})
    assert "Access-Control-Allow-Origin" not in response.headers


# --- 500 and 503 ----------------------------------------------------------------------------


async def test_unexpected_error_answers_500_with_request_id_and_no_trace(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    async def broken() -> None:
        raise RuntimeError("secret internals at line 42")

    app.add_api_route("/broken", broken)
    response = await client.get("/broken", headers={"X-Request-ID": "crash-1"})
    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == "crash-1"
    assert response.json() == {
        "success": False,
        "error": {
            "code": "INTERNAL_ERROR",
            "message": "Something went wrong on our side; quote the request id when reporting it.",
            "details": [],
            "request_id": "crash-1",
        },
    }
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text


async def test_lost_database_connection_answers_503(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    async def connection_lost() -> None:
        raise sa.exc.OperationalError("SELECT 1", {}, ConnectionResetError("connection lost"))

    app.add_api_route("/connection-lost", connection_lost)
    response = await client.get("/connection-lost")
    assert response.status_code == 503
    assert error_of(response)["code"] == "SERVICE_UNAVAILABLE"
    assert response.headers["Retry-After"] == "2"


DEAD_DATABASES = {
    "sqlite": "sqlite+aiosqlite:///{tmp}/missing-folder/nowhere.db",
    "postgresql": "postgresql+asyncpg://postgres@127.0.0.1:1/nowhere",
}


@pytest.fixture(params=sorted(DEAD_DATABASES))
def dead_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return DEAD_DATABASES[request.param].format(tmp=tmp_path)


@pytest.fixture
async def client_of_dead_database(
    dead_database_url: str, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    engine = create_engine(dead_database_url, poolclass=NullPool)
    settings = make_settings(dead_database_url, tmp_path)
    app = create_app(settings, sessionmaker=create_sessionmaker(engine))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
    await engine.dispose()


async def test_readyz_answers_503_when_the_database_is_unreachable(
    client_of_dead_database: httpx.AsyncClient,
) -> None:
    response = await client_of_dead_database.get("/readyz")
    assert response.status_code == 503
    assert error_of(response)["message"] == "The database is unreachable."


async def test_healthz_stays_up_when_the_database_is_unreachable(
    client_of_dead_database: httpx.AsyncClient,
) -> None:
    response = await client_of_dead_database.get("/healthz")
    assert response.status_code == 200

"""Requests that only read run their statements one by one on PostgreSQL (no BEGIN and COMMIT
round trips); everything else keeps its one transaction."""

import asyncio
import uuid
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from minuteserv.app import create_app
from minuteserv.catalog.models import Service
from minuteserv.core.db import create_engine, create_sessionmaker
from minuteserv.core.db import reading_sessionmaker as reading
from minuteserv.core.reader import Reader
from tests.checkout.helpers import signed_in_customer
from tests.conftest import TestDatabase, make_settings, terminate_backends
from tests.factories import admin_token, bearer, create_admin, create_booking, create_service

LISTS_BOOKINGS = "%booking.booking_number%"
"""What only the list's and the detail's statements select, as pg_stat_activity shows them."""
TRANSACTION_ID = sa.text("SELECT txid_current()")
"""The same for every statement of one transaction, a new one for each statement that is a
transaction of its own."""


@pytest.mark.postgresql_only
async def test_a_reading_session_runs_each_statement_as_its_own_transaction(
    committing_database: TestDatabase,
) -> None:
    async with reading(committing_database.sessionmaker)() as session:
        reading_ids = {await session.scalar(TRANSACTION_ID) for _ in range(3)}
    async with committing_database.sessionmaker() as session:
        writing_ids = {await session.scalar(TRANSACTION_ID) for _ in range(3)}

    assert len(reading_ids) == 3
    assert len(writing_ids) == 1


@pytest.mark.postgresql_only
async def test_a_reader_runs_each_statement_as_its_own_transaction(
    committing_database: TestDatabase,
) -> None:
    reader = Reader(committing_database.sessionmaker)
    try:
        async with reader.connection() as connection:
            on_one_connection = {await connection.scalar(TRANSACTION_ID) for _ in range(3)}
        one_by_one = {(await reader.rows(TRANSACTION_ID))[0]["txid_current"] for _ in range(3)}
    finally:
        await reader.close()

    assert len(on_one_connection) == 3
    assert len(one_by_one) == 3


async def test_a_reader_on_a_connection_reads_inside_its_transaction(
    database: TestDatabase,
) -> None:
    """Tests on PostgreSQL bind the app to one connection in a transaction they roll back:
    the reader must see what was written in it."""
    async with database.sessionmaker() as session:
        await create_service(session, name="Gold Facial", category="Facial")
    rows = await Reader(database.sessionmaker).rows(sa.text("SELECT name FROM services"))

    assert [row["name"] for row in rows] == ["Gold Facial"]


@pytest.mark.postgresql_only
async def test_a_reader_refuses_statements_rendered_anew_at_each_execution(
    database: TestDatabase,
) -> None:
    """On PostgreSQL a statement is compiled once and run by the driver as compiled: an IN
    list, which SQLAlchemy renders at each execution, would otherwise fail obscurely."""
    in_a_list = sa.select(Service.name).where(Service.id.in_(sa.bindparam("ids", expanding=True)))

    with pytest.raises(ValueError, match="literal_execute or IN"):
        await Reader(database.sessionmaker).rows(in_a_list, {"ids": [uuid.uuid4()]})


@pytest.mark.postgresql_only
async def test_reads_and_writes_through_an_app_on_its_own_engine(
    committing_database: TestDatabase, tmp_path: Path
) -> None:
    """The app as `serve` runs it: GETs on the reading sessionmaker see what was committed,
    a POST still commits."""
    app = create_app(
        make_settings(committing_database.url, tmp_path),
        sessionmaker=committing_database.sessionmaker,
    )
    async with committing_database.sessionmaker() as session:
        await create_service(session, name="Gold Facial", category="Facial")
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://app") as client,
    ):
        catalog = await client.get("/api/v1/services/catalog")
        contact = await client.post(
            "/api/v1/contact",
            json={"name": "Asha", "email": "asha@example.com", "message": "Hello"},
        )
        ready = await client.get("/readyz")

    assert [s["name"] for s in catalog.json()["data"]["categories"]["Facial"]] == ["Gold Facial"]
    assert (contact.status_code, ready.status_code) == (201, 200)
    assert app.state.reading_sessionmaker is not app.state.sessionmaker


@pytest.mark.postgresql_only
async def test_the_readers_routes_through_an_app_on_its_own_engine(
    committing_database: TestDatabase, tmp_path: Path
) -> None:
    """As `serve` runs them: bookings, a booking and the dashboard (with its staff check) each
    on pooled connections of their own, which see what was committed."""
    settings = make_settings(committing_database.url, tmp_path)
    app = create_app(settings, sessionmaker=committing_database.sessionmaker)
    async with committing_database.sessionmaker() as session:
        customer = await signed_in_customer(session, settings)
        booking = await create_booking(session, customer.user, customer.address)
        staff = bearer(admin_token(settings, await create_admin(session)))
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://app") as client,
    ):
        listed = await client.get("/api/v1/bookings", headers=customer.headers)
        detail = await client.get(f"/api/v1/bookings/{booking.id}", headers=customer.headers)
        dashboard = await client.get("/api/v1/admin/dashboard", headers=staff)

    assert [found["id"] for found in listed.json()["data"]["bookings"]] == [str(booking.id)]
    assert detail.json()["data"]["booking"]["id"] == str(booking.id)
    overview = dashboard.json()["data"]
    assert overview["stats"]["total_bookings"] == 1
    assert [found["id"] for found in overview["recent_bookings"]] == [str(booking.id)]


@pytest.mark.postgresql_only
async def test_the_readers_pool_connects_as_its_engine_does(
    committing_database: TestDatabase, tmp_path: Path
) -> None:
    """The driver's pool takes the engine's URL options, less SQLAlchemy's own (its statement
    cache size, which asyncpg would refuse), and the engine's `connect_args`."""
    name = f"reader-{uuid.uuid4().hex[:8]}"
    url = f"{committing_database.url}?prepared_statement_cache_size=0"
    engine = create_engine(url, connect_args={"server_settings": {"application_name": name}})
    settings = make_settings(url, tmp_path)
    app = create_app(settings, sessionmaker=create_sessionmaker(engine))
    async with committing_database.sessionmaker() as session:
        customer = await signed_in_customer(session, settings)
    transport = httpx.ASGITransport(app=app)
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://app") as client,
        ):
            listed = await client.get("/api/v1/bookings", headers=customer.headers)
            async with committing_database.sessionmaker() as session:
                readers = await session.scalar(
                    sa.text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE application_name = :name AND query LIKE :lists"
                    ),
                    {"name": name, "lists": LISTS_BOOKINGS},
                )
    finally:
        await engine.dispose()

    assert listed.status_code == 200, listed.text
    assert readers == 1


@pytest.mark.postgresql_only
async def test_reader_connections_the_server_closed_are_replaced_without_failing_a_request(
    committing_database: TestDatabase, tmp_path: Path
) -> None:
    """What a PostgreSQL restart leaves in the reader's own pool: connections the server
    closed. The next reads must not fail on them."""
    name = f"closed-{uuid.uuid4().hex[:8]}"
    engine = create_engine(
        committing_database.url, connect_args={"server_settings": {"application_name": name}}
    )
    settings = make_settings(committing_database.url, tmp_path)
    app = create_app(settings, sessionmaker=create_sessionmaker(engine))
    async with committing_database.sessionmaker() as session:
        customer = await signed_in_customer(session, settings)
        await create_booking(session, customer.user, customer.address)
    transport = httpx.ASGITransport(app=app)
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://app") as client,
        ):
            warm = await asyncio.gather(
                *(client.get("/api/v1/bookings", headers=customer.headers) for _ in range(3))
            )
            ended = await terminate_backends(committing_database.url, name)
            await asyncio.sleep(0.2)  # the event loop reads the closed sockets
            after = [
                await client.get("/api/v1/bookings", headers=customer.headers) for _ in range(3)
            ]
    finally:
        await engine.dispose()

    assert ended
    assert [r.status_code for r in warm] == [200, 200, 200]
    assert [len(r.json()["data"]["bookings"]) for r in after] == [1, 1, 1]


async def test_sqlite_and_connection_bound_sessionmakers_read_as_they_are(
    database: TestDatabase, tmp_path: Path
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'reading.db'}")
    on_sqlite = create_sessionmaker(engine)
    try:
        assert reading(on_sqlite) is on_sqlite
        assert reading(database.sessionmaker) is database.sessionmaker
    finally:
        await engine.dispose()

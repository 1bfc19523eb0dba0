"""Shared fixtures: every test that touches the database runs on SQLite and on PostgreSQL.

- SQLite: a fresh copy of a migrated template file per test.
- PostgreSQL: one migrated database per run; each test runs inside a transaction that is rolled
  back (the app's commits become savepoint releases). Tests marked `postgresql_only` that need
  real commits across connections use `committing_database` instead.

`TEST_ENGINES=sqlite` (or `postgresql`) narrows the run while iterating locally. Under `CI=true`
an unreachable PostgreSQL fails the run instead of skipping its half.
"""

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.pool import NullPool

from minuteserv.app import create_app
from minuteserv.bookings.revisions import BookingRevision
from minuteserv.core import migrations
from minuteserv.core.config import Settings, load_settings
from minuteserv.core.db import create_engine, create_sessionmaker
from minuteserv.core.revisions import CacheRevision
from minuteserv.models import Base

pytest_plugins = ["tests.fakes.razorpay"]

ADMIN_URL = os.environ.get(
    "TEST_DATABASE_ADMIN_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
ENGINES = [kind for kind in os.environ.get("TEST_ENGINES", "sqlite,postgresql").split(",") if kind]
TEST_JWT_SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"
EMPTY_DATA_TABLES = sa.text(
    "TRUNCATE {} CASCADE".format(
        ", ".join(
            table.name
            for table in Base.metadata.sorted_tables
            # the counters outlive the rows: they only ever grow
            if table.name not in (CacheRevision.__tablename__, BookingRevision.__tablename__)
        )
    )
)
"""Every row of PostgreSQL's tables but the cache revision counters (the truncation of
`services` bumps the catalog's, and that of `bookings` the schedules', so no process keeps
serving a copy of what was emptied)."""


@dataclass
class TestDatabase:
    __test__ = False  # a fixture's value, not a test class
    kind: str
    url: str
    sessionmaker: async_sessionmaker[AsyncSession]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "engine_kind" not in metafunc.fixturenames:
        return
    only_pg = metafunc.definition.get_closest_marker("postgresql_only") is not None
    kinds = [kind for kind in ENGINES if kind == "postgresql" or not only_pg]
    metafunc.parametrize("engine_kind", kinds, indirect=True)


@pytest.fixture
def engine_kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


# --- SQLite -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
async def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}", poolclass=NullPool)
    await migrations.upgrade(engine)
    await engine.dispose()
    return path


# --- PostgreSQL ---------------------------------------------------------------------------


async def _admin_execute(statement: str) -> None:
    engine = create_engine(ADMIN_URL, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(sa.text(statement))
    finally:
        await engine.dispose()


async def _create_postgresql_database() -> tuple[str, str]:
    """A new empty database's name and URL; skips the test (fails it under CI) if unreachable."""
    name = f"minuteserv_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        await _admin_execute(f'CREATE DATABASE "{name}"')
    except (OSError, sa.exc.DBAPIError) as error:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required under CI and is unreachable: {error}")
        pytest.skip(f"PostgreSQL unreachable at {ADMIN_URL}: {error}")
    url = sa.make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    return name, url


@pytest.fixture(scope="session")
async def postgresql_url() -> AsyncIterator[str]:
    """A database of this run's own, migrated to head, dropped at the end."""
    name, url = await _create_postgresql_database()
    engine = create_engine(url, poolclass=NullPool)
    await migrations.upgrade(engine)
    await engine.dispose()
    yield url
    await _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def empty_database_url(engine_kind: str, tmp_path: Path) -> AsyncIterator[str]:
    """A database of the test's own with no tables at all (migration and CLI tests)."""
    if engine_kind == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        return
    name, url = await _create_postgresql_database()
    yield url
    await _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
async def postgresql_engine(postgresql_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(postgresql_url, pool_size=25, max_overflow=25)
    yield engine
    await engine.dispose()


# --- The database a test runs against ------------------------------------------------------


@pytest.fixture
async def sqlite_database(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[TestDatabase]:
    path = tmp_path / "test.db"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite+aiosqlite:///{path}"
    engine = create_engine(url)
    yield TestDatabase("sqlite", url, create_sessionmaker(engine))
    await engine.dispose()


@pytest.fixture
async def postgresql_database(
    postgresql_engine: AsyncEngine, postgresql_url: str
) -> AsyncIterator[TestDatabase]:
    async with postgresql_engine.connect() as connection:
        transaction = await connection.begin()
        # The app's commits are savepoint releases here: run the triggers deferred to commit
        # at once, as those commits would have run them.
        await connection.execute(sa.text("SET CONSTRAINTS ALL IMMEDIATE"))
        sessionmaker = create_sessionmaker(connection, join_transaction_mode="create_savepoint")
        yield TestDatabase("postgresql", postgresql_url, sessionmaker)
        await transaction.rollback()


@pytest.fixture
def database(engine_kind: str, request: pytest.FixtureRequest) -> TestDatabase:
    """The test's database: SQLite or PostgreSQL, by the `engine_kind` parameter."""
    chosen: TestDatabase = request.getfixturevalue(f"{engine_kind}_database")
    return chosen


@pytest.fixture
async def committing_database(
    postgresql_engine: AsyncEngine, postgresql_url: str
) -> AsyncIterator[TestDatabase]:
    """PostgreSQL with real commits on separate connections, emptied afterwards (concurrency)."""
    engine = postgresql_engine
    yield TestDatabase("postgresql", postgresql_url, create_sessionmaker(engine))
    async with engine.begin() as connection:
        await connection.execute(EMPTY_DATA_TABLES)


@pytest.fixture
async def session(database: TestDatabase) -> AsyncIterator[AsyncSession]:
    """A session for arranging and checking rows; factories commit through it."""
    async with database.sessionmaker() as session:
        yield session


# --- The app ------------------------------------------------------------------------------


def make_settings(database_url: str, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "_env_file": None,
        "app_env": "test",
        "database_url": database_url,
        "jwt_secret": TEST_JWT_SECRET,
        "sms_provider": "file",
        "sms_outbox": str(tmp_path / "sms-outbox.jsonl"),
        "payment_gateway": "simulated",
        "redis_url": "",
        "seed_demo_data": False,
        "embedded_worker": False,
    }
    values.update(overrides)
    return load_settings(**values)


@pytest.fixture
def settings_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Override in a test module, or parametrize (directly or indirectly) to change app
    settings; an indirect parameter arrives here."""
    overrides: dict[str, Any] = getattr(request, "param", {})
    return overrides


@pytest.fixture
def settings(
    database: TestDatabase, tmp_path: Path, settings_overrides: dict[str, Any]
) -> Settings:
    return make_settings(database.url, tmp_path, **settings_overrides)


@pytest.fixture
async def app(settings: Settings, database: TestDatabase) -> AsyncIterator[FastAPI]:
    app = create_app(settings, sessionmaker=database.sessionmaker)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
async def other_process(
    settings: Settings, database: TestDatabase
) -> AsyncIterator[httpx.AsyncClient]:
    """A second app on the same database, with catalog and schedule caches of its own (as
    another `minuteserv serve` process has; tests/system runs two real ones)."""
    other = create_app(settings, sessionmaker=database.sessionmaker)
    async with other.router.lifespan_context(other):
        transport = httpx.ASGITransport(app=other)
        async with httpx.AsyncClient(transport=transport, base_url="http://other") as client:
            yield client


class SelectLog(list[str]):
    """The SELECT statements sent, in order."""

    def naming(self, fragment: str) -> list[str]:
        return [statement for statement in self if fragment in statement]


@pytest.fixture
def selects(database: TestDatabase) -> Iterator[SelectLog]:
    """The SELECT statements the app sends while the test runs."""
    engine = database.sessionmaker.kw["bind"].sync_engine
    seen = SelectLog()

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


async def terminate_backends(url: str, application_name: str) -> int:
    """End the server side of every connection with that `application_name`, as a restart
    does; how many there were."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            ended = await connection.scalar(
                sa.text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = :name"
                ),
                {"name": application_name},
            )
    finally:
        await engine.dispose()
    return int(ended or 0)

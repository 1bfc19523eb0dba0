"""Fixtures of the system tests: a PostgreSQL instance the test may stop, a database of the
module's own on the shared cluster, and a Redis database nobody else is using.

These tests start real `minuteserv serve` processes; all of them are marked `slow`. Without
the PostgreSQL binaries or Redis they skip, and under `CI=true` they fail instead.
"""

from collections.abc import AsyncIterator
from typing import NoReturn

import coredis
import pytest
from coredis.exceptions import ConnectionError as RedisConnectionError
from coredis.tokens import PureToken

from minuteserv.core import migrations
from minuteserv.core.db import create_engine
from tests.conftest import IN_CI, _admin_execute, _create_postgresql_database
from tests.system.private_postgres import PG_BIN, PrivatePostgres, binaries_missing

REDIS_SERVER = "redis://127.0.0.1:6379"
REDIS_CLAIM_KEY = "minuteserv-system-test-claim"
REDIS_CLAIM_SECONDS = 600
REDIS_TEST_DATABASES = range(1, 16)  # database 0 is left to whatever else runs here


def unavailable(reason: str) -> NoReturn:
    if IN_CI:
        pytest.fail(f"{reason} (required under CI)")
    pytest.skip(reason)


async def migrate(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrations.upgrade(engine)
    finally:
        await engine.dispose()


@pytest.fixture
async def private_postgres() -> AsyncIterator[PrivatePostgres]:
    """A running, migrated PostgreSQL of the test's own; destroyed afterwards."""
    if missing := binaries_missing():
        unavailable(f"PostgreSQL binaries missing under {PG_BIN}: {', '.join(missing)}")
    postgres = PrivatePostgres()
    try:
        postgres.create()
        await migrate(postgres.url)
        yield postgres
    finally:
        postgres.destroy()


@pytest.fixture(scope="module")
async def shared_cluster_database() -> AsyncIterator[str]:
    """A migrated database of this module's own on the shared cluster, dropped afterwards."""
    name, url = await _create_postgresql_database()
    try:
        await migrate(url)
        yield url
    finally:
        await _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _claim_database(client: coredis.Redis[bytes]) -> bool:
    """Take an empty Redis database by setting the claim key in it first."""
    if not await client.set(REDIS_CLAIM_KEY, "1", condition=PureToken.NX, ex=REDIS_CLAIM_SECONDS):
        return False
    if await client.dbsize() == 1:
        return True
    await client.delete([REDIS_CLAIM_KEY])
    return False


async def _claimed_database() -> tuple[str, coredis.Redis[bytes]]:
    for number in REDIS_TEST_DATABASES:
        url = f"{REDIS_SERVER}/{number}"
        client: coredis.Redis[bytes] = coredis.Redis.from_url(url)
        try:
            claimed = await _claim_database(client)
        except RedisConnectionError as error:
            client.connection_pool.disconnect()
            unavailable(f"Redis unreachable at {REDIS_SERVER}: {error}")
        if claimed:
            return url, client
        client.connection_pool.disconnect()
    unavailable("no empty Redis database to claim")


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    """The URL of a Redis database that was empty and is now claimed for this test, so that
    parallel runs never share rate-limit counters (the app's keys carry no per-run prefix);
    flushed afterwards."""
    url, client = await _claimed_database()
    try:
        yield url
    finally:
        await client.flushdb()
        client.connection_pool.disconnect()

"""Schemathesis against the app's own OpenAPI, over ASGI: every operation, signed in where it
needs a token, on both engines. No 5xx, and every answer is one the document declares.

The app runs on schemathesis's event-loop thread and opens its own engine there, so each engine
gets a migrated database of this module's own, shared by all operations in document order
(what one operation's examples leave behind is more input for the next)."""

import copy
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import checks
from schemathesis.python import asgi
from sqlalchemy.pool import NullPool

from minuteserv.app import create_app
from minuteserv.core import migrations
from minuteserv.core.config import Settings
from minuteserv.core.db import create_engine, create_sessionmaker
from tests.conftest import _admin_execute, _create_postgresql_database, make_settings
from tests.security.document import openapi
from tests.security.world import SEEDED_IDS, World, seed_world

BASE_URL = "http://testserver"


@schemathesis.check
def every_answer_is_an_envelope(ctx: Any, response: Any, case: Any) -> None:
    """Even answers the document cannot describe (405, 413) are the envelope."""
    body = response.json()
    assert isinstance(body, dict), body
    assert body.get("success") is True or isinstance(body.get("error"), dict), body


CHECKS = [
    checks.not_a_server_error,
    checks.response_schema_conformance,
    checks.status_code_conformance,
    every_answer_is_an_envelope,
]
# The document only; the app that answers is `fuzz_app`, on the engine's own database.
schema = schemathesis.openapi.from_dict(copy.deepcopy(openapi()))


@schema.hook
def flatmap_path_parameters(
    context: Any, path_parameters: dict[str, Any] | None
) -> st.SearchStrategy[dict[str, Any] | None]:
    """Half the time aim at a seeded row, so updates and transitions reach the database."""
    seeded = {name: str(SEEDED_IDS[name]) for name in path_parameters or {} if name in SEEDED_IDS}
    if not seeded:
        return st.just(path_parameters)
    return st.sampled_from([path_parameters, {**(path_parameters or {}), **seeded}])


@pytest.fixture(scope="module")
def engine_kind(request: pytest.FixtureRequest) -> str:
    """Module-scoped here, so each engine's database is made and migrated once."""
    kind: str = request.param
    return kind


async def _migrate(url: str) -> None:
    engine = create_engine(url, poolclass=NullPool)
    await migrations.upgrade(engine)
    await engine.dispose()


@pytest.fixture(scope="module")
async def fuzz_database_url(
    engine_kind: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    if engine_kind == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}"
        await _migrate(url)
        yield url
        return
    name, url = await _create_postgresql_database()
    await _migrate(url)
    yield url
    await _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def fuzz_settings(fuzz_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """No rate limit or OTP cooldown: a 429 would hide what the request itself does."""
    return make_settings(
        fuzz_database_url,
        tmp_path_factory.mktemp("fuzz-sms"),
        rate_limit_api="",
        rate_limit_otp_per_ip="",
        rate_limit_otp_per_phone="",
        rate_limit_admin_login="",
        otp_resend_cooldown_seconds=0,
    )


@pytest.fixture(scope="module")
async def fuzz_world(fuzz_settings: Settings) -> World:
    engine = create_engine(fuzz_settings.database_url, poolclass=NullPool)
    async with create_sessionmaker(engine)() as session:
        world = await seed_world(session, fuzz_settings)
    await engine.dispose()
    return world


@pytest.fixture(scope="module")
def fuzz_app(fuzz_settings: Settings, fuzz_world: World) -> Iterator[FastAPI]:
    yield create_app(fuzz_settings)
    asgi.shutdown_lifespans()  # closes the app's engine before its database is dropped


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_every_request_as_documented(
    case: Any, fuzz_app: FastAPI, fuzz_world: World
) -> None:
    case.call_and_validate(
        app=fuzz_app,
        base_url=BASE_URL,
        headers=fuzz_world.auth_for((case.operation.method.upper(), case.operation.path)),
        checks=CHECKS,
    )

"""One app over PostgreSQL whose requests commit for real, each on its own pooled connection,
so that `asyncio.gather` makes them truly race; payments go to the fake Razorpay server."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.app import create_app
from minuteserv.core.config import Settings
from tests.conftest import TestDatabase, make_settings
from tests.fakes.razorpay import FakeRazorpay


@pytest.fixture
def racing_settings(
    engine_kind: str,
    committing_database: TestDatabase,
    tmp_path: Path,
    fake_razorpay: FakeRazorpay,
) -> Settings:
    # The per-IP API limit is off: every racing request comes from the same test client.
    return make_settings(
        committing_database.url,
        tmp_path,
        rate_limit_api="",
        **fake_razorpay.settings_overrides(),
    )


@pytest.fixture
async def racing_client(
    racing_settings: Settings, committing_database: TestDatabase
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(racing_settings, sessionmaker=committing_database.sessionmaker)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.21", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


@pytest.fixture
async def committed_session(committing_database: TestDatabase) -> AsyncIterator[AsyncSession]:
    """A session for arranging rows; the factories commit through it."""
    async with committing_database.sessionmaker() as session:
        yield session

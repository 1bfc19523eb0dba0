"""The security tests' world, and no per-IP limit: they send hundreds of calls from one address
(the limit itself is tested in test_resource_limits.py, which turns it back on)."""

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.core.config import Settings
from tests.security.world import World, seed_world


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"rate_limit_api": ""}


@pytest.fixture
async def world(session: AsyncSession, settings: Settings) -> World:
    return await seed_world(session, settings)

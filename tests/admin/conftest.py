"""Staff and customer credentials for the admin API tests."""

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.auth.models import AdminRole, AdminUser
from minuteserv.core.config import Settings
from tests.factories import admin_token, bearer, create_admin, create_user, customer_token


@pytest.fixture
async def admin(session: AsyncSession) -> AdminUser:
    return await create_admin(session, role=AdminRole.ADMIN)


@pytest.fixture
def admin_auth(settings: Settings, admin: AdminUser) -> dict[str, str]:
    """The bearer header of an admin."""
    return bearer(admin_token(settings, admin))


@pytest.fixture
async def support_auth(settings: Settings, session: AsyncSession) -> dict[str, str]:
    """The bearer header of a support agent."""
    return bearer(admin_token(settings, await create_admin(session, role=AdminRole.SUPPORT)))


@pytest.fixture
async def customer_auth(settings: Settings, session: AsyncSession) -> dict[str, str]:
    """The bearer header of a customer (a different audience: never opens an admin route)."""
    return bearer(customer_token(settings, await create_user(session)))

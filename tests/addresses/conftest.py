import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.core.config import Settings
from minuteserv.users.models import User
from tests.factories import bearer, create_user, customer_token


@pytest.fixture
async def user(session: AsyncSession) -> User:
    return await create_user(session)


@pytest.fixture
def auth(settings: Settings, user: User) -> dict[str, str]:
    """The bearer header of `user`."""
    return bearer(customer_token(settings, user))

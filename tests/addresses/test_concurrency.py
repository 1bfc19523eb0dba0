"""Racing address changes of one customer on real, separately committing PostgreSQL
connections: the owner's row lock keeps exactly one default."""

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.addresses.models import UserAddress
from minuteserv.app import create_app
from minuteserv.users.models import User
from tests import conftest
from tests.factories import address_body, bearer, create_address, create_user, customer_token

pytestmark = pytest.mark.postgresql_only


@pytest.fixture
async def committed_session(
    engine_kind: str, committing_database: conftest.TestDatabase
) -> AsyncIterator[AsyncSession]:
    async with committing_database.sessionmaker() as session:
        yield session


@pytest.fixture
async def racer(committed_session: AsyncSession) -> User:
    return await create_user(committed_session)


@pytest.fixture
async def racing_client(
    committing_database: conftest.TestDatabase, tmp_path: Path, racer: User
) -> AsyncIterator[httpx.AsyncClient]:
    settings = conftest.make_settings(committing_database.url, tmp_path)
    app = create_app(settings, sessionmaker=committing_database.sessionmaker)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 40000))
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://testserver",
            headers=bearer(customer_token(settings, racer)),
        ) as client:
            yield client


async def defaults_of(session: AsyncSession, user: User) -> list[UserAddress]:
    rows = await session.scalars(
        sa.select(UserAddress).where(UserAddress.user_id == user.id, UserAddress.is_default)
    )
    return list(rows)


async def test_racing_first_addresses_make_exactly_one_default(
    racing_client: httpx.AsyncClient, committed_session: AsyncSession, racer: User
) -> None:
    answers = await asyncio.gather(
        *(racing_client.post("/api/v1/addresses", json=address_body()) for _ in range(8))
    )

    assert Counter(answer.status_code for answer in answers) == {201: 8}
    assert [answer.json()["data"]["is_default"] for answer in answers].count(True) == 1
    assert len(await defaults_of(committed_session, racer)) == 1


async def test_racing_default_changes_leave_exactly_one_default(
    racing_client: httpx.AsyncClient, committed_session: AsyncSession, racer: User
) -> None:
    await create_address(committed_session, racer, is_default=True)
    others = [await create_address(committed_session, racer) for _ in range(6)]

    answers = await asyncio.gather(
        *(
            racing_client.put(f"/api/v1/addresses/{other.id}", json=address_body(is_default=True))
            for other in others
        )
    )

    assert Counter(answer.status_code for answer in answers) == {200: 6}
    assert len(await defaults_of(committed_session, racer)) == 1

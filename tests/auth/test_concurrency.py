"""Racing requests on real, separately committing PostgreSQL connections."""

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.app import create_app
from minuteserv.auth import service
from minuteserv.core.config import Settings
from tests import conftest
from tests.auth.helpers import (
    error_code,
    fresh_code,
    send_otp,
    stored_codes,
    users_with_phone,
    verify_otp,
    wrong_code,
)
from tests.factories import next_phone

pytestmark = pytest.mark.postgresql_only


@pytest.fixture
def racing_settings(
    engine_kind: str, committing_database: conftest.TestDatabase, tmp_path: Path
) -> Settings:
    return conftest.make_settings(committing_database.url, tmp_path)


@pytest.fixture
async def racing_client(
    racing_settings: Settings, committing_database: conftest.TestDatabase
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(racing_settings, sessionmaker=committing_database.sessionmaker)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


@pytest.fixture
async def committed_session(
    committing_database: conftest.TestDatabase,
) -> AsyncIterator[AsyncSession]:
    async with committing_database.sessionmaker() as session:
        yield session


async def test_ten_racing_verifies_with_the_right_code_give_one_token(
    racing_client: httpx.AsyncClient, racing_settings: Settings, committed_session: AsyncSession
) -> None:
    phone = next_phone()
    code = await fresh_code(racing_client, racing_settings, phone)

    answers = await asyncio.gather(*(verify_otp(racing_client, phone, code) for _ in range(10)))

    assert Counter(answer.status_code for answer in answers) == {200: 1, 409: 9}
    assert {error_code(answer) for answer in answers if answer.status_code == 409} == {
        "OTP_ALREADY_USED"
    }
    assert len(await users_with_phone(committed_session, phone)) == 1


async def test_racing_wrong_tries_never_count_past_the_limit(
    racing_client: httpx.AsyncClient, racing_settings: Settings, committed_session: AsyncSession
) -> None:
    phone = next_phone()
    wrong = wrong_code(await fresh_code(racing_client, racing_settings, phone))

    answers = await asyncio.gather(*(verify_otp(racing_client, phone, wrong) for _ in range(10)))

    assert Counter(error_code(answer) for answer in answers) == {
        "OTP_INVALID": 5,
        "OTP_TOO_MANY_ATTEMPTS": 5,
    }
    [row] = await stored_codes(committed_session, phone)
    assert row.attempts == 5


async def test_racing_sends_to_one_phone_text_one_code(
    racing_client: httpx.AsyncClient, committed_session: AsyncSession
) -> None:
    phone = next_phone()

    answers = await asyncio.gather(*(send_otp(racing_client, phone) for _ in range(5)))

    assert Counter(answer.status_code for answer in answers) == {200: 1, 429: 4}
    assert len(await stored_codes(committed_session, phone)) == 1


async def test_racing_first_sign_ins_create_one_customer(
    engine_kind: str, committing_database: conftest.TestDatabase
) -> None:
    phone = next_phone()
    async with (
        committing_database.sessionmaker() as first,
        committing_database.sessionmaker() as second,
    ):
        created = await service.verified_customer(first, phone=phone)
        # The second insert waits on the first one's uncommitted row, then hits the unique key.
        racing = asyncio.create_task(service.verified_customer(second, phone=phone))
        await asyncio.sleep(0.2)
        await first.commit()
        found = await racing
        await second.commit()

    assert found.id == created.id

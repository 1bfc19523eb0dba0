"""Database errors a client can provoke or that a race produces are answered, never a 500:
an unstorable value is a 422, a lost deadlock or serialization race a 409."""

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.contact.models import ContactSubmission
from tests.conftest import TestDatabase
from tests.core.test_database_unavailable import ServerCode, answer_to


@pytest.mark.parametrize("sqlstate", ["40P01", "40001"], ids=["deadlock", "serialization"])
async def test_a_lost_race_answers_409_concurrent_update(
    app: FastAPI, client: httpx.AsyncClient, sqlstate: str
) -> None:
    response = await answer_to(app, client, sa.exc.DBAPIError("UPDATE", {}, ServerCode(sqlstate)))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "CONCURRENT_UPDATE"


async def test_nul_in_text_is_never_a_500_and_postgresql_stores_nothing(
    client: httpx.AsyncClient, session: AsyncSession, database: TestDatabase
) -> None:
    body = {"name": "Asha\u0000", "email": "asha@example.com", "message": "Hi\u0000there"}

    response = await client.post("/api/v1/contact", json=body)

    stored = await session.scalar(sa.select(sa.func.count()).select_from(ContactSubmission))
    if database.kind == "postgresql":  # PostgreSQL text cannot hold NUL; SQLite's can
        assert (response.status_code, response.json()["error"]["code"]) == (422, "INVALID_VALUE")
        assert stored == 0
    else:
        assert response.status_code == 201
        assert stored == 1

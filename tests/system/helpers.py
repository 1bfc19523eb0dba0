"""What the system tests share: a session on a served app's database, and the invariants that
must hold however requests raced or failed."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.pool import NullPool

from minuteserv.bookings.models import Booking, BookingStatus
from minuteserv.core.db import create_engine, create_sessionmaker
from tests.conftest import EMPTY_DATA_TABLES


@asynccontextmanager
async def database_session(url: str) -> AsyncIterator[AsyncSession]:
    """A session holding no pooled connection between uses (the database may be restarted)."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        async with create_sessionmaker(engine)() as session:
            yield session
    finally:
        await engine.dispose()


async def read(url: str, statement: sa.Select[Any]) -> list[Any]:
    """What is committed now."""
    async with database_session(url) as session:
        return list(await session.scalars(statement))


async def empty_tables(url: str) -> None:
    async with database_session(url) as session:
        await session.execute(EMPTY_DATA_TABLES)
        await session.commit()


async def overlapping_live_bookings(url: str) -> list[tuple[str, str]]:
    """Pairs of live bookings of one partner whose visits overlap (there must be none)."""
    first, second = aliased(Booking), aliased(Booking)
    statement = sa.select(first.booking_number, second.booking_number).where(
        first.partner_id == second.partner_id,
        first.id < second.id,
        first.status != BookingStatus.CANCELLED,
        second.status != BookingStatus.CANCELLED,
        first.start_at < second.end_at,
        second.start_at < first.end_at,
    )
    async with database_session(url) as session:
        return [(row[0], row[1]) for row in await session.execute(statement)]


def error_code(response: httpx.Response) -> str | None:
    """The envelope's error code; None for a success."""
    body = response.json()
    return None if body["success"] else str(body["error"]["code"])

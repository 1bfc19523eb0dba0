"""Revision counters that database triggers bump on every write to a cached table, and the
watch a process keeps on one of them to know whether its cached copy is still current."""

import asyncio

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from minuteserv.core.db import Base


class CacheRevision(Base):
    __tablename__ = "cache_revisions"

    name: Mapped[str] = mapped_column(sa.String(50), primary_key=True)
    revision: Mapped[int] = mapped_column(sa.BigInteger, server_default="0")


class RevisionWatch:
    """The current value of one counter, read from the database for every caller but with one
    query serving all the callers that arrived while the previous query was in flight.

    Each caller gets a value read by a query that started after it called, so a write that
    committed before a request arrived (say, the admin's price change whose answer the client
    has already seen) is always visible to that request, in this process or any other.
    """

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], name: str) -> None:
        self._sessionmaker = sessionmaker
        self._query = sa.select(CacheRevision.revision).where(CacheRevision.name == name)
        self._next_batch: asyncio.Future[int] | None = None
        self._reader: asyncio.Task[None] | None = None

    async def current(self) -> int:
        if self._next_batch is None:
            self._next_batch = asyncio.get_running_loop().create_future()
            # Nobody observes a batch whose callers all went away; its error is not news.
            self._next_batch.add_done_callback(_consume_error)
        batch = self._next_batch
        if self._reader is None:
            self._reader = asyncio.create_task(self._read_batches())
        return await asyncio.shield(batch)

    async def _read_batches(self) -> None:
        try:
            while self._next_batch is not None:
                batch, self._next_batch = self._next_batch, None
                try:
                    batch.set_result(await self._read())
                except Exception as error:  # noqa: BLE001 - it goes to the callers waiting
                    batch.set_exception(error)
        finally:
            self._reader = None

    async def _read(self) -> int:
        async with self._sessionmaker() as session:
            revision = await session.scalar(self._query)
        if revision is None:
            raise LookupError(f"no cache revision row for {self._query}")
        return revision


def _consume_error(batch: asyncio.Future[int]) -> None:
    if not batch.cancelled():
        batch.exception()

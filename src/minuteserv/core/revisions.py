"""Revision counters that database triggers bump on every write to a cached table, and the
watch a process keeps on one of them to know whether its cached copy is still current."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from minuteserv.core.db import Base

T = TypeVar("T")
V = TypeVar("V")


class CacheRevision(Base):
    __tablename__ = "cache_revisions"

    name: Mapped[str] = mapped_column(sa.String(50), primary_key=True)
    revision: Mapped[int] = mapped_column(sa.BigInteger, server_default="0")


class RevisionWatch(Generic[T]):
    """The current value of one counter (or of what a read returns), read afresh for every
    caller, but with one read serving all the callers that arrived while the previous read was
    in flight.

    Each caller gets a value read by a query that started after it called, so a write that
    committed before a request arrived (say, the admin's price change whose answer the client
    has already seen) is always visible to that request, in this process or any other.
    """

    def __init__(self, read: Callable[[], Awaitable[T]]) -> None:
        self._read = read
        self._next_batch: asyncio.Future[T] | None = None
        self._reader: asyncio.Task[None] | None = None

    async def current(self) -> T:
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
                await self._answer(batch)
        finally:
            self._reader = None

    async def _answer(self, batch: asyncio.Future[T]) -> None:
        try:
            batch.set_result(await self._read())
        except Exception as error:  # the callers waiting get it
            batch.set_exception(error)
        except BaseException:
            batch.cancel()  # shut down mid-read: its callers must not wait forever
            raise


class VersionedBody(Generic[V]):
    """A response body filed under the version of the data it was built from, rebuilt once
    however many requests find it stale. Without a version (its counter is gone) no body can
    be trusted, now or later: it is built afresh and none is kept."""

    def __init__(self, build: Callable[[], Awaitable[bytes]]) -> None:
        self._build = build
        self._cached: tuple[V, bytes] | None = None
        self._rebuilding = asyncio.Lock()

    async def at(self, version: V | None) -> bytes:
        # The build reads after the version was: the body is at least as new as the version
        # it is filed under, never older (at worst the next request rebuilds it once more).
        if version is None:
            self._cached = None
            return await self._build()
        if self._cached is None or self._cached[0] != version:
            async with self._rebuilding:
                if self._cached is None or self._cached[0] != version:
                    self._cached = (version, await self._build())
        return self._cached[1]


def revision_reader(
    sessionmaker: async_sessionmaker[AsyncSession], name: str
) -> Callable[[], Awaitable[int | None]]:
    """The query for a RevisionWatch: the counter `name`, or None without its row (the watcher
    then never trusts a copy)."""
    query = sa.select(CacheRevision.revision).where(CacheRevision.name == name)

    async def read() -> int | None:
        async with sessionmaker() as session:
            return await session.scalar(query)

    return read


def _consume_error(batch: asyncio.Future[Any]) -> None:
    if not batch.cancelled():
        batch.exception()

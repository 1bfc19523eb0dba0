"""The hottest reads, run without an ORM session and, on PostgreSQL, without SQLAlchemy's
execution layer.

Booking detail spent 260 µs of CPU on a statement that asyncpg alone runs in 95: the
statement's cache key, the greenlet hand-offs, the pool's checkout events and the result's
type processing, none of which a read of plain columns needs. So on PostgreSQL `Reader.rows`
compiles each statement once, with the engine's own dialect, and runs it on a pool of the
driver's own connections; on SQLite it goes through SQLAlchemy, whose types turn the stored
text and paise back into datetimes and rupees.
"""

import asyncio
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Annotated, Any, cast

import asyncpg
import sqlalchemy as sa
from fastapi import Depends, Request
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from minuteserv.core.db import (
    CONNECT_TIMEOUT_SECONDS,
    POOL_RECYCLE_SECONDS,
    POOL_SIZE,
    DatabaseUnreachable,
    means_unavailable,
    reading_bind,
)

Row = Mapping[str, Any]
Statement = sa.Select[*tuple[Any, ...]] | sa.TextClause

ACQUIRE_TIMEOUT_SECONDS = 30
"""As long as SQLAlchemy's pool waits for a free connection before the 503."""


@dataclass(frozen=True, slots=True)
class _DriverQuery:
    """A statement as asyncpg runs it: SQL with numbered parameters, the names of its bound
    parameters in that order, and the values the statement itself binds (`LIMIT 1`)."""

    sql: str
    names: tuple[str, ...]
    constants: dict[str, Any]

    @classmethod
    def of(cls, statement: Statement, dialect: Dialect) -> "_DriverQuery":
        compiled = statement.compile(dialect=dialect)
        if compiled.post_compile_params:  # rendered per execution, which the driver cannot do
            raise ValueError("a Reader statement cannot take literal_execute or IN parameters")
        constants = {name: bind.value for name, bind in compiled.binds.items() if not bind.required}
        return cls(str(compiled), tuple(compiled.positiontup or ()), constants)

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        return [params[name] if name in params else self.constants[name] for name in self.names]


async def _keep_as_is(_connection: asyncpg.Connection) -> None:
    """The driver pool's reset: its connections only ever run single reads in autocommit,
    which leave nothing behind, so they are not reset by a round trip at each release."""


@contextmanager
def _driver_errors_as_unreachable() -> Iterator[None]:
    """The driver's own errors for a database that is down or restarting, as SQLAlchemy's
    would be seen: `DatabaseUnreachable`, answered 503."""
    try:
        yield
    except (OSError, asyncpg.InterfaceError) as error:  # refused, timed out, closed under us
        raise DatabaseUnreachable(str(error)) from error
    except asyncpg.PostgresError as error:
        if not means_unavailable(str(error.sqlstate or "")):
            raise
        raise DatabaseUnreachable(str(error)) from error


class Reader:
    """Read-only statements that select plain columns, for the hottest GET routes, each on its
    own (autocommit) without an ORM session. Rows are mappings of column label to value as
    the driver decodes it: on PostgreSQL an enum column comes back as its string value and
    JSON as text. Parameters go to the driver as they are: uuids, numbers and strings.

    Bound to a connection (tests), it reads inside that connection's transaction."""

    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], *, pool_size: int = POOL_SIZE
    ) -> None:
        self._bind = reading_bind(sessionmaker.kw["bind"])
        self._pool_size = pool_size
        self._on_driver = self._bind.dialect.name == "postgresql"
        self._queries: dict[Statement, _DriverQuery] = {}
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection]:
        """A SQLAlchemy connection for several statements, each still its own snapshot on
        PostgreSQL, when the rows need SQLAlchemy's types."""
        if isinstance(self._bind, AsyncConnection):  # a test's, in its own transaction
            yield self._bind
            return
        async with self._bind.connect() as connection:
            yield connection

    async def rows(self, statement: Statement, params: Row | None = None) -> Sequence[Row]:
        if not self._on_driver:
            async with self.connection() as connection:
                found = (await connection.execute(statement, params)).mappings().all()
                return cast(Sequence[Row], found)
        query = self._queries.get(statement)
        if query is None:
            query = self._queries[statement] = _DriverQuery.of(statement, self._bind.dialect)
        with _driver_errors_as_unreachable():
            async with self._driver_connection() as connection:
                rows: Sequence[Row] = await connection.fetch(
                    query.sql, *query.arguments(params or {})
                )
                return rows

    @asynccontextmanager
    async def _driver_connection(self) -> AsyncIterator[asyncpg.Connection]:
        if isinstance(self._bind, AsyncConnection):
            yield (await self._bind.get_raw_connection()).driver_connection
            return
        pool = self._pool or await self._open_pool(self._bind)
        async with pool.acquire(timeout=ACQUIRE_TIMEOUT_SECONDS) as connection:
            yield connection

    async def _open_pool(self, engine: AsyncEngine) -> asyncpg.Pool:
        """The driver's pool, opened at the first read. It connects with the engine's URL;
        connections the server closed (a restart) it replaces when they are next lent."""
        async with self._opening:
            if self._pool is None:
                _, params = engine.dialect.create_connect_args(engine.url)
                self._pool = await asyncpg.create_pool(
                    **params,
                    timeout=CONNECT_TIMEOUT_SECONDS,
                    min_size=0,
                    max_size=self._pool_size,
                    max_inactive_connection_lifetime=POOL_RECYCLE_SECONDS,
                    reset=_keep_as_is,
                )
            return self._pool


async def get_reader(request: Request) -> Reader:
    reader: Reader = request.app.state.reader
    return reader


ReaderDep = Annotated[Reader, Depends(get_reader)]
"""For GET routes that only select columns: see `Reader`."""

"""The hottest statements, run without an ORM session and, on PostgreSQL, without SQLAlchemy's
execution layer.

Booking detail spent 260 µs of CPU on a statement that asyncpg alone runs in 95: the
statement's cache key, the greenlet hand-offs, the pool's checkout events and the result's
type processing, none of which a read of plain columns needs. So on PostgreSQL `Reader.rows`
compiles each statement once, with the engine's own dialect, and runs it on a pool of the
driver's own connections; on SQLite it goes through SQLAlchemy, whose types turn the stored
text and paise back into datetimes and rupees. Parameters are processed as SQLAlchemy would
(JSON to text, an enum to its value), so a statement takes the same values on either database.

`driver_rows` runs a statement the same way on a connection the caller already holds, inside
its transaction: prepare's look-ups and insert, and every statement of confirm, whose ORM loads
and flush had cost it more CPU than the statements themselves (`insert_records`).
"""

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any, cast

import asyncpg
import sqlalchemy as sa
from fastapi import Depends, Request
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from minuteserv.core.db import (
    POOL_RECYCLE_SECONDS,
    POOL_SIZE,
    Base,
    DatabaseUnreachable,
    driver_arguments,
    means_unavailable,
    reading_bind,
)

Row = Mapping[str, Any]
Statement = sa.Select[*tuple[Any, ...]] | sa.TextClause | sa.Insert | sa.Update

ACQUIRE_TIMEOUT_SECONDS = 30
"""As long as SQLAlchemy's pool waits for a free connection before the 503."""
CLOSE_TIMEOUT_SECONDS = 10


@dataclass(frozen=True, slots=True)
class _DriverQuery:
    """A statement as asyncpg runs it: SQL with numbered parameters, the names of its bound
    parameters in that order with the dialect's processing of each (JSON to text, an enum to
    its value), and the values the statement itself binds (`LIMIT 1`), processed once."""

    sql: str
    names: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]
    constants: dict[str, Any]

    @classmethod
    def of(cls, statement: Statement, dialect: Dialect) -> "_DriverQuery":
        compiled = statement.compile(dialect=dialect)
        if compiled.post_compile_params:  # rendered per execution, which the driver cannot do
            raise ValueError("a driver statement cannot take literal_execute or IN parameters")
        names = tuple(compiled.positiontup or ())
        processing = compiled._bind_processors  # what SQLAlchemy's own execution applies
        processors = tuple(cast(Callable[[Any], Any] | None, processing.get(n)) for n in names)
        constants = {}
        for name, bind in compiled.binds.items():
            if not bind.required:
                process = processing.get(name)
                constants[name] = process(bind.value) if callable(process) else bind.value
        return cls(str(compiled), names, processors, constants)

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        return [
            (process(params[name]) if process else params[name])
            if name in params
            else self.constants[name]
            for name, process in zip(self.names, self.processors, strict=True)
        ]


async def _keep_as_is(_connection: asyncpg.Connection) -> None:
    """The driver pool's reset: its connections only ever run single reads in autocommit,
    which leave nothing behind, so they are not reset by a round trip at each release."""


CLOSED_CONNECTION = ("connection is closed", "pool is closing")
"""asyncpg's InterfaceErrors for a connection lost under a request; its others (a bad value,
a misconfiguration) are bugs, and stay 500s."""


def _lost(error: Exception, driver: asyncpg.Connection | None) -> bool:
    """Whether `error` says the database, or the connection to it, is gone."""
    if isinstance(error, OSError):  # refused, timed out, no such host or socket
        return True
    if driver is not None and driver.is_closed():  # as SQLAlchemy's asyncpg dialect judges
        return True
    if isinstance(error, asyncpg.exceptions.InternalClientError):
        return True  # the connection is left mid-operation, as a cut-off one is
    if isinstance(error, asyncpg.InterfaceError):
        return str(error).startswith(CLOSED_CONNECTION)
    if isinstance(error, asyncpg.PostgresError):
        return means_unavailable(str(error.sqlstate or ""))
    return False


@contextmanager
def _driver_errors_as_unreachable(driver: asyncpg.Connection | None = None) -> Iterator[None]:
    """The driver's own errors for a database that is down or restarting, as SQLAlchemy's
    would be seen: `DatabaseUnreachable`, answered 503."""
    try:
        yield
    except Exception as error:
        if not _lost(error, driver):
            raise
        raise DatabaseUnreachable(f"{type(error).__name__}: {error}") from error


MAX_COMPILED = 1024
"""Statements are built once, at import or once for each set of categories; a caller building
them anew would otherwise grow the cache of compiled ones without bound."""

_compiled: dict[Statement, _DriverQuery] = {}


def _driver_query(statement: Statement, dialect: Dialect) -> _DriverQuery:
    query = _compiled.get(statement)
    if query is None:
        if len(_compiled) >= MAX_COMPILED:
            _compiled.clear()
        query = _compiled[statement] = _DriverQuery.of(statement, dialect)
    return query


def _refused(error: asyncpg.PostgresError, query: _DriverQuery, arguments: list[Any]) -> Exception:
    """A statement the server refused, as SQLAlchemy's own execution raises it, so the app's
    handlers answer it by its SQLSTATE (a value PostgreSQL cannot store: 422; a lost race:
    409); the connection is sound, its transaction aborted."""
    if isinstance(error, asyncpg.IntegrityConstraintViolationError):
        return sa.exc.IntegrityError(query.sql, arguments, error)
    if isinstance(error, asyncpg.DataError):
        return sa.exc.DataError(query.sql, arguments, error)
    return sa.exc.DBAPIError(query.sql, arguments, error)


async def _fetch(
    driver: asyncpg.Connection, query: _DriverQuery, arguments: list[Any]
) -> Sequence[Row]:
    try:
        rows: Sequence[Row] = await driver.fetch(query.sql, *arguments)
    except asyncpg.PostgresError as error:
        if driver.is_closed() or means_unavailable(str(error.sqlstate or "")):
            raise  # the database is going away: `_driver_errors_as_unreachable` says so
        raise _refused(error, query, arguments) from error
    return rows


async def driver_rows(
    connection: AsyncConnection, statement: Statement, params: Row | None = None
) -> Sequence[Row]:
    """A statement of plain columns and values on `connection`, in its transaction (begun
    here if it was not), as `Reader.rows` runs it (the same rows, the same parameters). On
    PostgreSQL the driver runs it on the connection itself, without SQLAlchemy's execution
    layer; what the server refuses is raised as SQLAlchemy would raise it."""
    if connection.dialect.name != "postgresql":
        result = await connection.execute(statement, params)
        return cast(Sequence[Row], result.mappings().all() if result.returns_rows else [])
    if not connection.in_transaction():
        await connection.begin()
    query = _driver_query(statement, connection.dialect)
    arguments = query.arguments(params or {})
    raw = await connection.get_raw_connection()
    adapted = cast(AsyncAdapt_asyncpg_connection, raw.dbapi_connection)
    driver = adapted.driver_connection
    try:
        with _driver_errors_as_unreachable(driver):
            if adapted._transaction is None:  # SQLAlchemy sends BEGIN lazily: send it now
                await adapted._start_transaction()  # type: ignore[no-untyped-call]
            return await _fetch(driver, query, arguments)
    except sa.exc.DBAPIError:
        raise
    except BaseException:
        # SQLAlchemy did not see the error, and would lend the connection again as sound: one
        # cut off mid-statement (a restart) then fails every statement sent on it.
        await connection.invalidate()
        raise


def _every_column(table: sa.Table, prefix: str = "") -> dict[str, sa.BindParameter[Any]]:
    return {
        column.key: sa.bindparam(f"{prefix}{column.key}", type_=column.type)
        for column in table.columns
    }


@lru_cache(maxsize=64)
def _insert_every_column(table: sa.Table) -> sa.Insert:
    return sa.insert(table).values(_every_column(table))


@dataclass(frozen=True, slots=True)
class Inserts:
    """The shape of what `insert_records` writes, for a statement of the caller's own to carry
    (`inserted`): a row into each of `tables`, then the update `then`. The columns in
    `chosen_into`, (record index, column key), are filled by the statement with the `id` it
    chose; `arbiter` is the constraint that, should the first row break it, leaves it and all
    the rest unwritten (ON CONFLICT DO NOTHING), rather than failing the statement."""

    tables: tuple[sa.Table, ...]
    then: sa.Update | None = None
    chosen_into: frozenset[tuple[int, str]] = frozenset()
    arbiter: str | None = None

    @classmethod
    def of(cls, records: Sequence[Base], **shape: Any) -> "Inserts":
        return cls(tuple(_table(record) for record in records), **shape)


def inserted(
    shape: Inserts,
    *,
    only_if: sa.ColumnElement[bool] | None = None,
    chosen: sa.CTE | None = None,
) -> tuple[list[sa.CTE], sa.ColumnElement[bool]]:
    """The CTEs that insert a row into each of `shape.tables`, and run its `then`, all only if
    `only_if` holds and, given `chosen`, a CTE of one row or none, only if it has its row;
    with whether they wrote. The parameters of the n-th insert are named `rn_<column>`
    (`record_arguments`). The first insert checks the conditions and the rest follow it, so
    they are read once."""
    assert chosen is not None or not shape.chosen_into, "nothing chosen to fill them with"
    first, *rest = shape.tables
    rows = _every_value(first, "r0_", _filled(shape, 0, chosen))
    if chosen is not None:
        rows = rows.select_from(chosen)
    if only_if is not None:
        rows = rows.where(only_if)
    insert = postgresql.insert(first).from_select(list(first.columns.keys()), rows)
    if shape.arbiter is not None:
        insert = insert.on_conflict_do_nothing(constraint=shape.arbiter)
    guarded = insert.returning(*first.primary_key.columns).cte("r0")
    written = sa.exists(guarded.select())
    inserts = [guarded]
    for n, table in enumerate(rest, start=1):
        rows = _every_value(table, f"r{n}_", _filled(shape, n, chosen)).where(written)
        inserts.append(sa.insert(table).from_select(list(table.columns.keys()), rows).cte(f"r{n}"))
    if shape.then is not None:
        inserts.append(shape.then.where(written).cte("then"))
    return inserts, written


def _filled(shape: Inserts, n: int, chosen: sa.CTE | None) -> dict[str, sa.ColumnElement[Any]]:
    """The n-th row's columns that hold the id `chosen` has, in place of parameters."""
    if chosen is None:
        return {}
    return {key: chosen.c.id for index, key in shape.chosen_into if index == n}


@lru_cache(maxsize=64)
def _insert_together(shape: Inserts, only_if: sa.ColumnElement[bool]) -> sa.Select[Any]:
    """One statement of `inserted`'s CTEs (foreign keys between them are checked once it has
    run them all): its one column, `written`, says whether it wrote."""
    inserts, written = inserted(shape, only_if=only_if)
    return sa.select(written.label("written")).add_cte(*inserts)


def _every_value(
    table: sa.Table, prefix: str, filled: Mapping[str, sa.ColumnElement[Any]]
) -> sa.Select[Any]:
    """A row of `table`'s columns from parameters (or, for the columns in `filled`, those
    expressions), each cast to its column's type: an INSERT ... SELECT, unlike VALUES, does not
    give a parameter the type of its column. Text is cast without its length, which an
    explicit cast would cut to; the insert's own check then refuses a value too long, as VALUES
    would."""
    return sa.select(
        *(
            sa.cast(filled.get(key, bind), _unbounded(bind.type))
            for key, bind in _every_column(table, prefix).items()
        )
    )


def _unbounded(column_type: sa.types.TypeEngine[Any]) -> sa.types.TypeEngine[Any]:
    return sa.String() if isinstance(column_type, sa.String) else column_type


def _table(record: Base) -> sa.Table:
    return cast(sa.Table, record.__table__)


def _values(record: Base, prefix: str = "") -> dict[str, Any]:
    return {
        f"{prefix}{column.key}": getattr(record, column.key) for column in _table(record).columns
    }


def record_arguments(records: Sequence[Base]) -> dict[str, Any]:
    """The parameters of `inserted`'s inserts of `records`."""
    arguments: dict[str, Any] = {}
    for n, record in enumerate(records):
        arguments.update(_values(record, f"r{n}_"))
    return arguments


async def insert_record(connection: AsyncConnection, record: Base) -> None:
    """Insert `record`'s row as one plain statement through `driver_rows`: the session's unit
    of work costs a hot write more CPU than the insert itself. The record stays out of the
    session, a record of the row; every column is written as it is set (no defaults apply)."""
    await driver_rows(connection, _insert_every_column(_table(record)), _values(record))


async def insert_records(
    connection: AsyncConnection,
    records: Sequence[Base],
    *,
    only_if: sa.ColumnElement[bool],
    then: sa.Update | None = None,
    params: Row | None = None,
) -> bool:
    """`insert_record` for each of `records`, then the update `then`, all only if `only_if`
    holds; whether they were written. On PostgreSQL, one round trip: a statement of one CTE a
    row (foreign keys between them are checked once it has run them all), whose snapshot the
    condition is read in. `params` are those of `then` and `only_if`; their names must not
    start with `r<digit>_`; `only_if` and `then` are built once (statements are cached by
    them)."""
    if connection.dialect.name != "postgresql":
        if not await connection.scalar(sa.select(only_if), params):
            return False
        for record in records:
            await insert_record(connection, record)
        if then is not None:  # given only its own parameters: others would add to its SET
            own = then.compile().params
            await connection.execute(then, {k: v for k, v in (params or {}).items() if k in own})
        return True
    statement = _insert_together(Inserts.of(records, then=then), only_if)
    arguments = {**(params or {}), **record_arguments(records)}
    [row] = await driver_rows(connection, statement, arguments)
    return bool(row["written"])


class Reader:
    """Read-only statements that select plain columns, for the hottest GET routes, each on its
    own (autocommit) without an ORM session. Rows are mappings of column label to value as
    the driver decodes it: on PostgreSQL an enum column comes back as its string value and
    JSON as text. Parameters are processed as SQLAlchemy's own execution would (JSON to
    text, an enum to its value), and go to the driver as uuids, numbers and strings.

    Bound to a connection (tests), it reads inside that connection's transaction."""

    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], *, pool_size: int = POOL_SIZE
    ) -> None:
        self._bind = reading_bind(sessionmaker.kw["bind"])
        self._pool_size = pool_size
        self._on_driver = self._bind.dialect.name == "postgresql"
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()
        self._closed = False

    async def close(self) -> None:
        """Close the driver's pool for good (the app is stopping): reads still running get
        CLOSE_TIMEOUT_SECONDS to finish, and later ones a 503."""
        async with self._opening:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is None:
            return
        try:
            await asyncio.wait_for(pool.close(), CLOSE_TIMEOUT_SECONDS)
        except TimeoutError:
            pool.terminate()

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
        if not self._on_driver or isinstance(self._bind, AsyncConnection):
            async with self.connection() as connection:
                return await driver_rows(connection, statement, params)
        query = _driver_query(statement, self._bind.dialect)
        arguments = query.arguments(params or {})
        pool = self._pool or await self._open_pool(self._bind)
        with _driver_errors_as_unreachable():
            async with pool.acquire(timeout=ACQUIRE_TIMEOUT_SECONDS) as driver:
                try:
                    with _driver_errors_as_unreachable(driver):
                        return await _fetch(driver, query, arguments)
                except DatabaseUnreachable:
                    driver.terminate()  # the pool replaces it; it would fail the next read
                    raise

    async def _open_pool(self, engine: AsyncEngine) -> asyncpg.Pool:
        """The driver's pool, opened at the first read. It connects with the engine's URL;
        connections the server closed (a restart) it replaces when they are next lent."""
        async with self._opening:
            if self._closed:
                raise DatabaseUnreachable("the app is stopping")
            if self._pool is None:
                self._pool = await asyncpg.create_pool(
                    **driver_arguments(engine),
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

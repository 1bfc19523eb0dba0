"""Database plumbing: declarative base, portable column types, engines and sessions."""

import math
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any
from weakref import WeakKeyDictionary

import orjson
import sqlalchemy as sa
from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal

from minuteserv.core import clock
from minuteserv.core.money import from_paise, to_paise

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_BUSY_TIMEOUT_MS = 10_000
CONNECT_TIMEOUT_SECONDS = 10
POOL_RECYCLE_SECONDS = 300
POOL_SIZE = 20
AUTOCOMMIT = "AUTOCOMMIT"


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Timezone-aware UTC instants on both engines (SQLite would hand back naive values)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        if dialect.driver == "asyncpg":
            return None  # asyncpg already hands timestamptz back as aware UTC datetimes
        return super().result_processor(dialect, coltype)


class Money(sa.TypeDecorator[Decimal]):
    """Rupees as NUMERIC(10,2) on PostgreSQL; integer paise on SQLite, which has no decimals."""

    impl = sa.Numeric(10, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.BigInteger())
        return dialect.type_descriptor(sa.Numeric(10, 2, asdecimal=True))

    def process_bind_param(self, value: Decimal | int | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return to_paise(value) if dialect.name == "sqlite" else Decimal(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return from_paise(int(value)) if dialect.name == "sqlite" else Decimal(value)


JSONDocument = sa.JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: UTCDateTime(),
        Decimal: Money(),
        dict[str, Any]: JSONDocument,
        list[Any]: JSONDocument,
    }


class UUIDPrimaryKey:
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)


class CreatedAt:
    created_at: Mapped[datetime] = mapped_column(default=clock.now, server_default=sa.func.now())


SQLITE_MATH: dict[str, Callable[[float], float]] = {
    "radians": math.radians,
    "sin": math.sin,
    "cos": math.cos,
    "asin": math.asin,
    "sqrt": math.sqrt,
}
"""The functions the assignment score takes, which SQLite has only when built with them."""


def _null_safe(function: Callable[[float], float]) -> Callable[[float | None], float | None]:
    return lambda value: None if value is None else function(value)


def _tune_sqlite(engine: AsyncEngine) -> None:
    """Foreign keys, WAL and a busy timeout; every transaction takes the write lock up front,
    so a check-then-insert inside one cannot interleave with another writer."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let the "begin" hook below emit BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()
        for name, function in SQLITE_MATH.items():
            dbapi_connection.create_function(name, 1, _null_safe(function), deterministic=True)

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


# A server that is shutting down or starting up (`pg_ctl stop/start`), or full, refuses or
# drops connections with these codes; any class 08 code is a connection exception too.
UNAVAILABLE_SQLSTATES = {"57P01", "57P02", "57P03", "53300"}


def means_unavailable(sqlstate: str) -> bool:
    """Whether a server's SQLSTATE says the database is unavailable, not the statement wrong."""
    return sqlstate.startswith("08") or sqlstate in UNAVAILABLE_SQLSTATES


class DatabaseUnreachable(ConnectionError):
    """The database server could not be reached at all (refused, reset, timed out, a name that
    does not resolve); the error handlers answer 503 for it, as for any lost connection."""


def _socket_errors_as_unreachable(engine: AsyncEngine) -> None:
    """asyncpg raises plain OSErrors when connecting fails (`Multiple exceptions: ...` when the
    host has several addresses, `TimeoutError`, `gaierror`), which SQLAlchemy does not wrap."""

    @event.listens_for(engine.sync_engine, "do_connect")
    def _connect(dialect: Dialect, _record: Any, cargs: Any, cparams: Any) -> Any:
        try:
            return dialect.connect(*cargs, **cparams)
        except OSError as error:
            raise DatabaseUnreachable(*error.args) from error


def _replace_closed_connections(engine: AsyncEngine) -> None:
    """Lend no connection the server has closed (a restart closes them all): asyncpg knows
    without asking, so this takes the place of a pre-ping, which on asyncpg is a BEGIN, a
    `;` and a ROLLBACK before every request. The pool then connects afresh, and the request
    does not fail."""

    @event.listens_for(engine.sync_engine, "checkout")
    def _checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if dbapi_connection.driver_connection.is_closed():
            raise sa.exc.DisconnectionError("the server closed this connection")


def create_engine(url: str, *, pool_size: int = POOL_SIZE, **options: Any) -> AsyncEngine:
    """An async engine for `url`, with the per-engine settings both databases need."""
    options.setdefault("json_deserializer", orjson.loads)  # JSON columns: bookings' services
    if url.startswith("sqlite"):
        engine = create_async_engine(url, **options)
        _tune_sqlite(engine)
        return engine
    # Recycling keeps idle connections from going stale behind a proxy's idle timeout.
    options.setdefault("pool_recycle", POOL_RECYCLE_SECONDS)
    # A silent host would otherwise hold a request for asyncpg's default 60 s before the 503.
    options.setdefault("connect_args", {"timeout": CONNECT_TIMEOUT_SECONDS})
    if "poolclass" not in options:
        # Connections beyond the pool are closed as soon as they are returned, and reopened
        # at a cost: the pool is sized for the concurrent requests (DATABASE_POOL_SIZE).
        options.setdefault("pool_size", pool_size)
        options.setdefault("max_overflow", pool_size // 2)
    engine = create_async_engine(url, **options)
    _socket_errors_as_unreachable(engine)
    _replace_closed_connections(engine)
    _connect_args[engine.pool] = options["connect_args"]
    return engine


_connect_args: WeakKeyDictionary[sa.Pool, dict[str, Any]] = WeakKeyDictionary()
"""The `connect_args` each PostgreSQL engine was made with, by its pool (which the engine's
option-bearing copies share)."""


def driver_arguments(engine: AsyncEngine) -> dict[str, Any]:
    """What `asyncpg.connect` takes for a connection like `engine`'s, as SQLAlchemy's dialect
    passes it: the URL's options less SQLAlchemy's own (its statement cache size becoming
    asyncpg's), then the engine's `connect_args` over them."""
    _, arguments = engine.dialect.create_connect_args(engine.url)
    arguments.pop("prepared_statement_name_func", None)
    cache_size = arguments.pop("prepared_statement_cache_size", None)
    if cache_size is not None:
        arguments["statement_cache_size"] = cache_size
    default = {"timeout": CONNECT_TIMEOUT_SECONDS}
    return {**arguments, **_connect_args.get(engine.pool, default)}


def create_sessionmaker(
    bind: AsyncEngine | AsyncConnection, **options: Any
) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(bind, expire_on_commit=False, autoflush=False, **options)


@asynccontextmanager
async def session_scope(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """One unit of work outside a request (CLI, worker): commit on success, roll back on error."""
    async with sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


def reading_bind(bind: AsyncEngine | AsyncConnection) -> AsyncEngine | AsyncConnection:
    """What requests that only read (GET and HEAD) run on. On PostgreSQL it sends each
    statement on its own, without the BEGIN and COMMIT round trips: the isolation is the same,
    since in a READ COMMITTED transaction every statement takes its own snapshot anyway.
    SQLite's engine, and a connection (tests), serve as they are."""
    if not isinstance(bind, AsyncEngine) or bind.dialect.name != "postgresql":
        return bind
    return bind.execution_options(isolation_level=AUTOCOMMIT)


def reading_sessionmaker(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> async_sessionmaker[AsyncSession]:
    """The sessionmaker for requests that only read, on `reading_bind`."""
    bind = sessionmaker.kw.get("bind")
    if bind is None or reading_bind(bind) is bind:
        return sessionmaker
    return create_sessionmaker(reading_bind(bind))


READING_METHODS = frozenset({"GET", "HEAD"})


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's one transaction, committed here before the response is sent; for a
    request that only reads, a session without one."""
    state = request.app.state
    reading = request.method in READING_METHODS
    async with session_scope(
        state.reading_sessionmaker if reading else state.sessionmaker
    ) as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


def enum_type(enum_class: type[StrEnum]) -> sa.Enum:
    """A StrEnum stored as its value in a VARCHAR (no native enum, so adding a value is cheap)."""
    return sa.Enum(
        enum_class,
        native_enum=False,
        length=20,
        validate_strings=True,
        values_callable=lambda members: [member.value for member in members],
    )


Coordinate = sa.Numeric(11, 8, asdecimal=False).with_variant(sa.Float(), "sqlite")
"""Latitude/longitude: NUMERIC on PostgreSQL, REAL on SQLite; a float in Python."""


def dialect_name(session: AsyncSession) -> str:
    """`postgresql` or `sqlite`: what the engine-specific expressions below are built for."""
    return session.get_bind().dialect.name


class WrittenJSON(sa.sql.expression.ColumnElement[Any]):
    """A JSONB constant written into the SQL, quoted by the compiling dialect as SQLAlchemy's
    `literal_binds` would, rather than bound: a prepared statement's generic plan then
    estimates a condition on it from the column's statistics as a custom plan would, where
    a bound value gets a fixed guess."""

    __visit_name__ = "written_json"
    inherit_cache = True
    _traverse_internals = [("text", InternalTraversal.dp_string)]
    type = JSONB()

    def __init__(self, value: Any) -> None:
        self.text = orjson.dumps(value).decode()


@compiles(WrittenJSON)
def _write_json(element: WrittenJSON, compiler: SQLCompiler, **_kw: Any) -> str:
    return f"{compiler.render_literal_value(element.text, sa.Text())}::jsonb"


def json_array_contains(
    dialect: str,
    array: sa.ColumnExpressionArgument[Any],
    element: str | dict[str, str],
    *,
    written_in: bool = False,
) -> sa.ColumnElement[bool]:
    """Whether the JSON array `array` holds `element` (a string, or an object having at least
    these keys and values): JSONB containment on PostgreSQL, `json_each` on SQLite. With
    `written_in`, PostgreSQL's statement carries `element` as a constant (`WrittenJSON`):
    for statements built once for each value."""
    if dialect == "postgresql":
        coerced = sa.type_coerce(array, JSONB)
        return coerced.contains(WrittenJSON([element]) if written_in else [element])
    items = sa.func.json_each(array).table_valued("value")
    if isinstance(element, str):
        matches = [items.c.value == element]
    else:
        matches = [
            sa.func.json_extract(items.c.value, f"$.{key}") == value
            for key, value in element.items()
        ]
    return sa.exists().select_from(items).where(*matches)


def seconds_aggregated(
    dialect: str,
    instant: sa.ColumnExpressionArgument[datetime],
    *,
    where: sa.ColumnElement[bool],
    round_up: bool = False,
) -> sa.ColumnElement[Any]:
    """The group's `instant`s, of the rows where `where` holds, as a list of whole seconds
    since the epoch, rounded down or up (None or an empty list without any): `array_agg` on
    PostgreSQL, `json_group_array` on SQLite, which keeps these columns as UTC text ending in
    microseconds. Two of these in one query list their rows in the same order."""
    seconds: sa.ColumnElement[int]
    if dialect == "postgresql":
        # date_part's double precision, not extract's numeric: a tenth less of the query's CPU
        epoch = sa.func.date_part("epoch", instant)
        seconds = sa.cast(sa.func.ceil(epoch) if round_up else sa.func.floor(epoch), sa.BigInteger)
        # NullType: asyncpg's list as it comes, without ARRAY's pass over every element.
        return sa.type_coerce(sa.func.array_agg(seconds).filter(where), sa.types.NullType())
    seconds = sa.cast(sa.func.strftime("%s", instant), sa.Integer)
    if round_up:  # a fraction of a second after `.000000` adds one
        seconds = seconds + sa.cast(sa.func.substr(instant, 21) > "000000", sa.Integer)
    return sa.type_coerce(sa.func.json_group_array(seconds).filter(where), sa.JSON)

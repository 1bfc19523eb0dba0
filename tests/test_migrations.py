"""The Alembic history on an empty database of each engine: head matches the models, it goes down
to nothing and back up, and PostgreSQL gets its safety nets (RLS, the no-overlap constraint)."""

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.pool import NullPool

from minuteserv.bookings.models import Booking, BookingStatus
from minuteserv.core import migrations
from minuteserv.core.db import create_engine, create_sessionmaker
from minuteserv.models import Base
from tests.factories import create_address, create_booking, create_partner, create_user


@pytest.fixture
async def engine(empty_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(empty_database_url, poolclass=NullPool)
    yield engine
    await engine.dispose()


@pytest.fixture
async def upgraded(engine: AsyncEngine) -> AsyncEngine:
    await migrations.upgrade(engine)
    return engine


def _autogenerate_diff(connection: Connection) -> list[Any]:
    """What `alembic check` would find, with the options migrations/env.py uses."""
    context = MigrationContext.configure(
        connection,
        opts={
            "target_metadata": Base.metadata,
            "render_as_batch": connection.dialect.name == "sqlite",
            "compare_type": True,
        },
    )
    return compare_metadata(context, Base.metadata)


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def run(engine: AsyncEngine, inspect: Any) -> Any:
    async with engine.connect() as connection:
        return await connection.run_sync(inspect)


def table_names(connection: Connection) -> set[str]:
    return set(sa.inspect(connection).get_table_names())


HEAD = ScriptDirectory.from_config(migrations.alembic_config()).get_current_head()


# --- Both engines ---------------------------------------------------------------------------


async def test_upgrade_from_empty_reaches_head(upgraded: AsyncEngine) -> None:
    assert await run(upgraded, _current_revision) == HEAD


async def test_upgraded_schema_matches_the_models(upgraded: AsyncEngine) -> None:
    assert await run(upgraded, _autogenerate_diff) == []


async def test_upgrade_creates_every_model_table(upgraded: AsyncEngine) -> None:
    assert await run(upgraded, table_names) == {*Base.metadata.tables, "alembic_version"}


async def test_downgrade_to_base_leaves_no_tables(upgraded: AsyncEngine) -> None:
    await migrations.downgrade(upgraded, "base")
    assert await run(upgraded, table_names) == {"alembic_version"}
    assert await run(upgraded, _current_revision) is None


async def test_upgrade_after_downgrade_matches_the_models_again(upgraded: AsyncEngine) -> None:
    await migrations.downgrade(upgraded, "base")
    await migrations.upgrade(upgraded)
    assert await run(upgraded, _current_revision) == HEAD
    assert await run(upgraded, _autogenerate_diff) == []


async def test_upgrade_at_head_changes_nothing(upgraded: AsyncEngine) -> None:
    await migrations.upgrade(upgraded)
    assert await run(upgraded, _current_revision) == HEAD


# --- PostgreSQL safety nets -------------------------------------------------------------------


def tables_without_row_level_security(connection: Connection) -> list[str]:
    rows = connection.execute(
        sa.text(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind = 'r' AND NOT c.relrowsecurity "
            "ORDER BY c.relname"
        )
    )
    return list(rows.scalars())


def overlap_constraint(connection: Connection) -> str | None:
    return connection.execute(
        sa.text(
            "SELECT contype::text FROM pg_constraint WHERE conname = 'ex_bookings_partner_overlap'"
        )
    ).scalar()


@pytest.mark.postgresql_only
async def test_every_table_has_row_level_security(upgraded: AsyncEngine) -> None:
    assert await run(upgraded, table_names) >= {"alembic_version", "bookings", "users"}
    assert await run(upgraded, tables_without_row_level_security) == []


@pytest.mark.postgresql_only
async def test_partner_overlap_exclusion_constraint_exists(upgraded: AsyncEngine) -> None:
    assert await run(upgraded, overlap_constraint) == "x"


@pytest.fixture
async def session(upgraded: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session on this test's own freshly migrated database (not the shared one)."""
    async with create_sessionmaker(upgraded)() as session:
        yield session


async def booking_of(session: AsyncSession, **fields: Any) -> Booking:
    """A booking of a fresh customer at their fresh address."""
    user = await create_user(session)
    return await create_booking(session, user, await create_address(session, user), **fields)


async def booking_count(session: AsyncSession) -> int:
    count = await session.scalar(sa.select(sa.func.count()).select_from(Booking))
    await session.commit()
    return count or 0


@pytest.mark.postgresql_only
async def test_overlapping_live_bookings_of_one_partner_are_rejected(
    session: AsyncSession,
) -> None:
    partner = await create_partner(session)
    first = await booking_of(session, partner_id=partner.id, status=BookingStatus.CONFIRMED)
    with pytest.raises(sa.exc.IntegrityError, match="ex_bookings_partner_overlap"):
        await booking_of(
            session,
            partner_id=partner.id,
            start_at=first.start_at + timedelta(minutes=30),
            end_at=first.end_at + timedelta(minutes=30),
        )
    await session.rollback()
    assert await booking_count(session) == 1


@pytest.mark.postgresql_only
async def test_a_cancelled_booking_may_overlap(session: AsyncSession) -> None:
    partner = await create_partner(session)
    cancelled = await booking_of(session, partner_id=partner.id, status=BookingStatus.CANCELLED)
    await booking_of(session, partner_id=partner.id, start_at=cancelled.start_at)
    assert await booking_count(session) == 2


@pytest.mark.postgresql_only
async def test_back_to_back_bookings_of_one_partner_are_allowed(session: AsyncSession) -> None:
    partner = await create_partner(session)
    first = await booking_of(session, partner_id=partner.id)
    await booking_of(
        session,
        partner_id=partner.id,
        start_at=first.end_at,
        end_at=first.end_at + (first.end_at - first.start_at),
    )
    assert await booking_count(session) == 2

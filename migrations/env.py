"""Alembic environment: one history for SQLite (batch mode) and PostgreSQL."""

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from minuteserv.core.config import load_settings
from minuteserv.core.db import create_engine
from minuteserv.models import Base

target_metadata = Base.metadata


def run_with(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_online() -> None:
    url = context.config.attributes.get("database_url") or load_settings().database_url
    engine = create_engine(url)
    async with engine.connect() as connection:
        await connection.run_sync(run_with)
        await connection.commit()
    await engine.dispose()


given = context.config.attributes.get("connection")
if given is not None:
    run_with(given)
else:
    asyncio.run(run_online())

"""The partner rankings carry their categories as constants in the SQL (PostgreSQL): quoted so
any name matches as it is, and seen by the planner, so a prepared statement's generic plan
estimates the eligible partners from the statistics rather than guessing one."""

from datetime import date, timedelta
from typing import Any, cast

import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.bookings.availability import eligible, slot_rules
from minuteserv.bookings.reservation import ranked_free_partners
from minuteserv.bookings.slots import BusyRange
from minuteserv.core.config import Settings
from minuteserv.partners.models import Partner
from tests.checkout.helpers import at_ist
from tests.factories import create_partner

pytestmark = pytest.mark.postgresql_only

DAY = date(2030, 2, 11)
AWKWARD = ["O'Brien's \"Glow\"", "back\\slash", "Ünïcode 美容", "'; DROP TABLE partners; --"]


async def ranking(session: AsyncSession, settings: Settings, categories: set[str]) -> list[Any]:
    return await ranked_free_partners(
        session,
        slot_rules(settings),
        day=DAY,
        visit=BusyRange(at_ist(DAY, 10), at_ist(DAY, 10) + timedelta(minutes=60)),
        categories=categories,
        lat=22.55,
        lng=88.35,
    )


async def test_categories_that_need_quoting_match_exactly_the_partners_covering_them(
    session: AsyncSession, settings: Settings
) -> None:
    partners = [await create_partner(session, service_categories=[name]) for name in AWKWARD]
    both = await create_partner(session, service_categories=AWKWARD[:2])

    for name, partner in zip(AWKWARD, partners, strict=True):
        expected = {partner.id, both.id} if name in AWKWARD[:2] else {partner.id}
        assert set(await ranking(session, settings, {name})) == expected
    assert await ranking(session, settings, set(AWKWARD[:2])) == [both.id]
    assert await session.scalar(sa.select(sa.func.count()).select_from(Partner)) == 5


async def generic_estimate(session: AsyncSession, statement: sa.Select[Any]) -> int:
    """The rows the generic plan of `statement`, prepared as the driver prepares it, expects."""
    connection = await session.connection()
    compiled = statement.compile(dialect=connection.dialect)
    values = [compiled.params[name] for name in compiled.positiontup or ()]
    arguments = [orjson.dumps(v).decode() if isinstance(v, list) else v for v in values]
    raw = await connection.get_raw_connection()
    driver = cast(AsyncAdapt_asyncpg_connection, raw.dbapi_connection).driver_connection
    await driver.execute("SET LOCAL plan_cache_mode = force_generic_plan")
    await driver.execute(f"PREPARE estimated AS {compiled}")
    passed = f"({', '.join(f'$v${value}$v$' for value in arguments)})" if arguments else ""
    found = await driver.fetchval(f"EXPLAIN (FORMAT JSON) EXECUTE estimated{passed}")
    await driver.execute("DEALLOCATE estimated")
    [plan] = orjson.loads(found) if isinstance(found, str) else found  # the dialect's codec
    return int(plan["Plan"]["Plan Rows"])


async def test_a_generic_plan_expects_as_many_eligible_partners_as_the_statistics_say(
    session: AsyncSession,
) -> None:
    for n in range(60):
        await create_partner(session, service_categories=["Facial" if n % 4 else "Massage"])
    await session.execute(sa.text("ANALYZE partners"))

    statement = sa.select(Partner.id).where(*eligible("postgresql", frozenset({"Facial"})))

    assert 30 <= await generic_estimate(session, statement) <= 60

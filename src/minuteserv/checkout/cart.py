"""Turning requested service ids into priced catalog lines."""

import uuid
from collections import Counter
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.catalog.models import Service
from minuteserv.checkout.errors import UnknownServices
from minuteserv.checkout.pricing import CartLine

CATALOG_LINES = sa.select(
    Service.id,
    Service.name,
    Service.category,
    Service.tier,
    Service.product_cost,
    Service.duration_minutes,
).where(Service.id.in_(sa.bindparam("ids", expanding=True)), Service.is_active)


async def priced_lines(session: AsyncSession, quantities: Counter[uuid.UUID]) -> list[CartLine]:
    """Catalog lines at today's prices, in the order asked; unknown or inactive ids are a 422.
    Plain columns: every prepare reads them."""
    connection = await session.connection()
    rows = await connection.execute(CATALOG_LINES, {"ids": list(quantities)})
    services = {row.id: row for row in rows}
    missing = [str(service_id) for service_id in quantities if service_id not in services]
    if missing:
        raise UnknownServices(
            details=[{"field": "service_id", "value": value} for value in missing]
        )
    return [_line(services[service_id], quantity) for service_id, quantity in quantities.items()]


def _line(service: sa.Row[*tuple[Any, ...]], quantity: int) -> CartLine:
    return CartLine(
        service_id=str(service.id),
        name=service.name,
        category=service.category,
        tier=service.tier,
        unit_price=service.product_cost,
        quantity=quantity,
        duration_minutes=service.duration_minutes,
    )


def total_duration(lines: Sequence[CartLine]) -> int:
    return sum(line.duration_minutes * line.quantity for line in lines)


def categories(lines: Sequence[CartLine]) -> list[str]:
    return sorted({line.category for line in lines})

"""The catalog customers browse: read on every visit, so one query, built once, one validation."""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.catalog.models import Service
from minuteserv.catalog.schemas import Catalog

CatalogRow = sa.Row[*tuple[Any, ...]]

ACTIVE_SERVICES = sa.select(
    Service.id,
    Service.name,
    Service.category,
    Service.tier,
    Service.product_cost,
    Service.market_price,
    Service.duration_minutes,
    Service.image_url,
).where(Service.is_active)


def _catalog_order(row: CatalogRow) -> tuple[Any, ...]:
    """Categories alphabetically, then price, name and id: the same on every engine and
    collation, which is why the sort happens here and not in SQL."""
    return (row.category.casefold(), row.category, row.product_cost, row.name.casefold(), row.id)


def _group(rows: Sequence[CatalogRow]) -> Catalog:
    categories: dict[str, list[sa.RowMapping]] = {}
    for row in sorted(rows, key=_catalog_order):
        categories.setdefault(row.category, []).append(row._mapping)
    return Catalog.model_validate({"categories": categories})


async def active_catalog(session: AsyncSession) -> Catalog:
    """Every active service, grouped by category, in one query."""
    return _group((await session.execute(ACTIVE_SERVICES)).all())

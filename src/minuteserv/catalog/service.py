"""The catalog customers browse: read on every visit, so it is served from a copy each process
keeps, already serialized, and rebuilt only when the services table has changed."""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from minuteserv.catalog.models import Service
from minuteserv.catalog.schemas import Catalog
from minuteserv.core.envelope import Envelope
from minuteserv.core.revisions import RevisionWatch, VersionedBody, revision_reader

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


class CatalogCache:
    """The catalog response body as of a revision of the services table (the triggers of the
    `cache_revisions` migration bump it on every write), checked against the database before
    each answer."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker
        self._revision = RevisionWatch(revision_reader(sessionmaker, "catalog"))
        self._body: VersionedBody[int] = VersionedBody(self._build)

    async def response_body(self) -> bytes:
        return await self._body.at(await self._revision.current())

    async def _build(self) -> bytes:
        async with self._sessionmaker() as session:
            catalog = await active_catalog(session)
        return Envelope[Catalog](data=catalog).model_dump_json().encode()

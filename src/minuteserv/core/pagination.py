"""Pages of a list: `page` and `limit` in, the `pagination` block out."""

import math
from dataclasses import dataclass
from typing import Annotated, Any, Self, TypeVar

import sqlalchemy as sa
from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_PAGE = 100_000

SelectT = TypeVar("SelectT", bound=sa.Select[Any])


class Pagination(BaseModel):
    page: int
    limit: int
    total: int
    pages: int

    @classmethod
    def of(cls, *, page: int, limit: int, total: int) -> Self:
        return cls(page=page, limit=limit, total=total, pages=math.ceil(total / limit))


@dataclass(frozen=True, slots=True)
class PageRequest:
    page: int = 1
    limit: int = DEFAULT_LIMIT

    def slice(self, statement: SelectT) -> SelectT:
        """`statement` cut down to this page (it must already be ordered)."""
        return statement.limit(self.limit).offset((self.page - 1) * self.limit)

    def pagination(self, total: int) -> Pagination:
        return Pagination.of(page=self.page, limit=self.limit, total=total)


async def count_rows(session: AsyncSession, statement: sa.Select[Any]) -> int:
    """How many rows `statement` selects, paging aside."""
    counted = sa.select(sa.func.count()).select_from(statement.order_by(None).subquery())
    return await session.scalar(counted) or 0


async def page_request(
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> PageRequest:
    return PageRequest(page=page, limit=limit)


PageQuery = Annotated[PageRequest, Depends(page_request)]
"""`?page=` (from 1) and `?limit=` (1 to 100, default 20)."""

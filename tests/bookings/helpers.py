"""What the `partner_days` tests share: the table as kept, and as a count of the bookings."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

KEPT = sa.text(
    """
SELECT booking_date, partner_id, booking_count, busy FROM partner_days
ORDER BY booking_date, partner_id
"""
)
"""The rows the triggers keep."""

RECOUNTED = sa.text(
    """
SELECT booking_date, partner_id, count(*), range_agg(tstzrange(start_at, end_at, '[)'))
FROM bookings WHERE partner_id IS NOT NULL AND status <> 'cancelled'
GROUP BY booking_date, partner_id
ORDER BY booking_date, partner_id
"""
)
"""What they should hold: every partner's live bookings of each date, counted and merged."""


async def kept_and_recounted(session: AsyncSession) -> tuple[list[Any], list[Any]]:
    kept = [tuple(row) for row in await session.execute(KEPT)]
    recounted = [tuple(row) for row in await session.execute(RECOUNTED)]
    return kept, recounted

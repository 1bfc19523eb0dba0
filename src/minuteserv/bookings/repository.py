"""Booking queries."""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.bookings.models import Booking

RECENT_BOOKINGS = 5


async def recent_for_user(
    session: AsyncSession, *, user_id: uuid.UUID, limit: int = RECENT_BOOKINGS
) -> Sequence[Booking]:
    """The user's latest bookings, newest first."""
    statement = (
        sa.select(Booking)
        .where(Booking.user_id == user_id)
        .order_by(Booking.created_at.desc(), Booking.id.desc())
        .limit(limit)
    )
    return (await session.scalars(statement)).all()

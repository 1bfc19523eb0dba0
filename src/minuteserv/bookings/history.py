"""Every change of a booking's status, payment status or partner leaves a `booking_events` row."""

import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.bookings.models import ActorType, Booking, BookingEvent
from minuteserv.core import clock

TRACKED_FIELDS = ("status", "payment_status", "partner_id")


@dataclass(frozen=True, slots=True)
class Actor:
    type: ActorType
    id: str | None = None


WORKER = Actor(ActorType.WORKER)
GATEWAY = Actor(ActorType.GATEWAY)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.value if isinstance(value, StrEnum) else str(value)


def change(
    session: AsyncSession,
    booking: Booking,
    *,
    actor: Actor,
    note: str | None = None,
    **new_values: Any,
) -> None:
    """Set tracked fields on `booking`, recording each one that actually changes."""
    session.add_all(changes(booking, actor=actor, note=note, **new_values))


def changes(
    booking: Booking, *, actor: Actor, note: str | None = None, **new_values: Any
) -> list[BookingEvent]:
    """Set tracked fields on `booking` and return an event for each one that actually
    changes, its every column set, for a caller that writes them itself."""
    events = []
    for field, value in new_values.items():
        assert field in TRACKED_FIELDS, field
        old = getattr(booking, field)
        if old == value:
            continue
        setattr(booking, field, value)
        events.append(
            BookingEvent(
                id=uuid.uuid4(),
                created_at=clock.now(),
                booking_id=booking.id,
                actor_type=actor.type,
                actor_id=actor.id,
                field=field,
                from_value=_text(old),
                to_value=_text(value),
                note=note,
            )
        )
    return events

"""Moving bookings off a partner who can no longer serve them: each goes to the best other
free eligible partner (the checkout's scoring and locking), or is left unassigned."""

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.addresses.models import UserAddress
from minuteserv.bookings import history
from minuteserv.bookings.admin_service import categories_of
from minuteserv.bookings.history import Actor
from minuteserv.bookings.models import AssignmentStatus, Booking
from minuteserv.bookings.reservation import lock_if_free, ranked_free_partners
from minuteserv.bookings.slots import BusyRange, SlotRules
from minuteserv.partners.models import Partner
from minuteserv.partners.schemas import MovedBooking, UnassignedBooking

REASSIGN_NOTE = "moved off a partner who can no longer serve it"

Location = tuple[float | None, float | None]


async def move_away(
    session: AsyncSession,
    *,
    bookings: Sequence[Booking],
    partner_id: uuid.UUID,
    actor: Actor,
    rules: SlotRules,
    now: datetime,
) -> tuple[list[MovedBooking], list[UnassignedBooking]]:
    """Give each booking to the best other free partner, or to nobody; record every move."""
    if not bookings:
        return [], []
    locations = await _locations(session, bookings)
    moved: list[MovedBooking] = []
    unassigned: list[UnassignedBooking] = []
    for booking in bookings:
        partner = await _best_other_partner(
            session, booking, excluded=partner_id, rules=rules, location=locations[booking.id]
        )
        _assign(session, booking, partner, actor=actor, now=now)
        await session.flush()  # the next booking's ranking must see this one's new partner
        if partner is None:
            unassigned.append(
                UnassignedBooking(booking_id=booking.id, booking_number=booking.booking_number)
            )
        else:
            moved.append(
                MovedBooking(
                    booking_id=booking.id,
                    booking_number=booking.booking_number,
                    partner_id=partner.id,
                )
            )
    return moved, unassigned


async def _locations(
    session: AsyncSession, bookings: Sequence[Booking]
) -> dict[uuid.UUID, Location]:
    """Each booking's address coordinates, in one query."""
    rows = await session.execute(
        sa.select(Booking.id, UserAddress.lat, UserAddress.lng)
        .join(UserAddress, UserAddress.id == Booking.address_id)
        .where(Booking.id.in_([booking.id for booking in bookings]))
    )
    return {booking_id: (lat, lng) for booking_id, lat, lng in rows}


async def _best_other_partner(
    session: AsyncSession,
    booking: Booking,
    *,
    excluded: uuid.UUID,
    rules: SlotRules,
    location: Location,
) -> Partner | None:
    visit = BusyRange(booking.start_at, booking.end_at)
    categories = await categories_of(session, booking)
    ranked = await ranked_free_partners(
        session,
        rules,
        day=booking.booking_date,
        visit=visit,
        categories=categories,
        lat=location[0],
        lng=location[1],
    )
    for candidate in ranked:
        if candidate == excluded:
            continue
        partner = await lock_if_free(
            session, candidate, visit, categories=categories, ignore_booking=booking.id
        )
        if partner is not None:
            return partner
    return None


def _assign(
    session: AsyncSession, booking: Booking, partner: Partner | None, *, actor: Actor, now: datetime
) -> None:
    """Hand the booking to `partner` (None: unassigned), waiting for the new partner to accept."""
    history.change(
        session,
        booking,
        actor=actor,
        partner_id=partner.id if partner else None,
        note=REASSIGN_NOTE,
    )
    booking.assignment_status = AssignmentStatus.ASSIGNED if partner else None
    booking.assigned_at = now if partner else None
    booking.accepted_at = None

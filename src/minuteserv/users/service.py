"""The customer's account (dashboard, profile changes) and the staff's user search."""

import re

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.addresses import service as addresses_service
from minuteserv.addresses.schemas import AddressOut
from minuteserv.bookings import repository as bookings_repository
from minuteserv.bookings.models import Booking
from minuteserv.bookings.schemas import BookingSummary
from minuteserv.core.pagination import PageRequest, count_rows
from minuteserv.core.phone import normalise_phone
from minuteserv.users.models import User
from minuteserv.users.schemas import Dashboard, ProfileUpdate, UserListItem, UserOut, UserPage


async def dashboard(session: AsyncSession, *, user: User) -> Dashboard:
    """The user, their live addresses and their most recent bookings, in one answer."""
    addresses = await addresses_service.list_live(session, user_id=user.id)
    bookings = await bookings_repository.recent_for_user(session, user_id=user.id)
    return Dashboard(
        user=UserOut.model_validate(user),
        addresses=[AddressOut.model_validate(address) for address in addresses],
        bookings=[BookingSummary.model_validate(booking) for booking in bookings],
    )


async def update_profile(session: AsyncSession, *, user: User, changes: ProfileUpdate) -> User:
    """Set the name and/or email the customer sent."""
    for field, value in changes.model_dump(exclude_unset=True).items():
        setattr(user, field, value)
    await session.flush()
    return user


async def list_users(
    session: AsyncSession, *, phone: str | None, q: str | None, page: PageRequest
) -> UserPage:
    """One page of users, newest first, each with their number of bookings."""
    where: list[sa.ColumnElement[bool]] = []
    if phone is not None:
        where.append(_phone_matches(phone))
    if q is not None:
        where.append(
            sa.or_(
                User.name.icontains(q, autoescape=True), User.email.icontains(q, autoescape=True)
            )
        )
    total = await count_rows(session, sa.select(User.id).where(*where))
    counts = (
        sa.select(Booking.user_id, sa.func.count().label("bookings"))
        .group_by(Booking.user_id)
        .subquery()
    )
    rows = await session.execute(
        page.slice(
            sa.select(
                User.__table__, sa.func.coalesce(counts.c.bookings, 0).label("bookings_count")
            )
            .outerjoin(counts, counts.c.user_id == User.id)
            .where(*where)
            .order_by(User.created_at.desc(), User.id.desc())
        )
    )
    return UserPage(
        users=[UserListItem.model_validate(dict(row._mapping)) for row in rows],
        pagination=page.pagination(total),
    )


def _phone_matches(phone: str) -> sa.ColumnElement[bool]:
    """A whole number matches exactly (in E.164); anything else by its digits, anywhere."""
    try:
        return User.phone_number == normalise_phone(phone)
    except ValueError:
        return User.phone_number.contains(re.sub(r"\D", "", phone))

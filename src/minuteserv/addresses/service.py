"""A customer's addresses: one default at a time, and never a booking left without its address.

Every change takes a row lock on the owner first, so two requests of the same customer cannot
both pick a default (on SQLite the write transaction is serialized already)."""

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.addresses.models import UserAddress
from minuteserv.addresses.schemas import AddressIn
from minuteserv.core.errors import NotFound
from minuteserv.core.reader import driver_rows
from minuteserv.users.models import User


class AddressNotFound(NotFound):
    code = "ADDRESS_NOT_FOUND"
    message = "Address not found."


def _live(user_id: uuid.UUID) -> sa.ColumnElement[bool]:
    return sa.and_(UserAddress.user_id == user_id, UserAddress.deleted_at.is_(None))


async def list_live(session: AsyncSession, *, user_id: uuid.UUID) -> Sequence[UserAddress]:
    """The user's addresses that are not deleted: the default first, then the newest."""
    statement = (
        sa.select(UserAddress)
        .where(_live(user_id))
        .order_by(
            UserAddress.is_default.desc(), UserAddress.created_at.desc(), UserAddress.id.desc()
        )
    )
    return (await session.scalars(statement)).all()


def _parse_id(address_id: uuid.UUID | str) -> uuid.UUID:
    if isinstance(address_id, uuid.UUID):
        return address_id
    try:
        return uuid.UUID(address_id)
    except ValueError:
        raise AddressNotFound() from None


async def get_owned(
    session: AsyncSession, *, user_id: uuid.UUID, address_id: uuid.UUID | str
) -> UserAddress:
    """The user's live address with this id; AddressNotFound if malformed, gone or not theirs."""
    statement = sa.select(UserAddress).where(
        UserAddress.id == _parse_id(address_id), _live(user_id)
    )
    address = await session.scalar(statement)
    if address is None:
        raise AddressNotFound()
    return address


OWNED_ADDRESS = sa.select(UserAddress.id).where(
    UserAddress.id == sa.bindparam("address_id"),
    UserAddress.user_id == sa.bindparam("user_id"),
    UserAddress.deleted_at.is_(None),
)


async def require_owned(
    session: AsyncSession, *, user_id: uuid.UUID, address_id: uuid.UUID | str
) -> None:
    """`get_owned`'s check alone, as one plain statement (every prepare makes it)."""
    params = {"address_id": _parse_id(address_id), "user_id": user_id}
    if not await driver_rows(await session.connection(), OWNED_ADDRESS, params):
        raise AddressNotFound()


async def _lock_owner(session: AsyncSession, user_id: uuid.UUID) -> None:
    await session.execute(sa.select(User.id).where(User.id == user_id).with_for_update())


async def _clear_default(session: AsyncSession, *, user_id: uuid.UUID) -> None:
    """Unset the current default, in the database, before another row may take it."""
    await session.execute(
        sa.update(UserAddress)
        .where(_live(user_id), UserAddress.is_default)
        .values(is_default=False)
    )


async def _has_live_address(session: AsyncSession, *, user_id: uuid.UUID) -> bool:
    return bool(await session.scalar(sa.select(sa.exists().where(_live(user_id)))))


def _apply(address: UserAddress, data: AddressIn) -> None:
    for field, value in data.model_dump(exclude={"is_default"}).items():
        setattr(address, field, value)


async def create(session: AsyncSession, *, user_id: uuid.UUID, data: AddressIn) -> UserAddress:
    """Add an address; the first one, or one sent with `is_default`, becomes the default."""
    await _lock_owner(session, user_id)
    becomes_default = data.is_default or not await _has_live_address(session, user_id=user_id)
    if becomes_default:
        await _clear_default(session, user_id=user_id)
    address = UserAddress(user_id=user_id, is_default=becomes_default)
    _apply(address, data)
    session.add(address)
    await session.flush()
    return address


async def replace(
    session: AsyncSession, *, user_id: uuid.UUID, address_id: str, data: AddressIn
) -> UserAddress:
    """Overwrite an owned address's fields; `is_default` moves the default here."""
    await _lock_owner(session, user_id)
    address = await get_owned(session, user_id=user_id, address_id=address_id)
    if data.is_default and not address.is_default:
        await _clear_default(session, user_id=user_id)
        address.is_default = True
    _apply(address, data)
    await session.flush()
    return address


async def delete(
    session: AsyncSession, *, user_id: uuid.UUID, address_id: str, now: datetime
) -> uuid.UUID:
    """Remove an owned address; if it was the default, the newest other address takes over."""
    await _lock_owner(session, user_id)
    address = await get_owned(session, user_id=user_id, address_id=address_id)
    deleted_id, was_default = address.id, address.is_default
    await _delete_or_hide(session, address=address, now=now)
    if was_default:
        await _promote_newest(session, user_id=user_id)
    return deleted_id


async def _delete_or_hide(session: AsyncSession, *, address: UserAddress, now: datetime) -> None:
    """Delete the row; while a booking (or a checkout preview) still points to it, only hide it."""
    try:
        async with session.begin_nested():
            await session.execute(sa.delete(UserAddress).where(UserAddress.id == address.id))
    except IntegrityError:
        address.deleted_at = now
        address.is_default = False
        await session.flush()


async def _promote_newest(session: AsyncSession, *, user_id: uuid.UUID) -> None:
    newest = await session.scalar(
        sa.select(UserAddress)
        .where(_live(user_id))
        .order_by(UserAddress.created_at.desc(), UserAddress.id.desc())
        .limit(1)
    )
    if newest is not None:
        newest.is_default = True
        await session.flush()

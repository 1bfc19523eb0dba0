"""Small typed builders for test rows and real tokens. Each commits what it makes."""

from datetime import timedelta
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.core import clock
from minuteserv.core.config import Settings
from minuteserv.core.security import Audience, issue_token
from minuteserv.users.models import User

Row = TypeVar("Row")
_phone_counter = iter(range(10_000_000))


def next_phone() -> str:
    """A fresh valid Indian mobile number in E.164."""
    return f"+9198{next(_phone_counter):08d}"


async def save(session: AsyncSession, row: Row) -> Row:
    session.add(row)
    await session.commit()
    return row


async def create_user(session: AsyncSession, **fields: Any) -> User:
    fields.setdefault("phone_number", next_phone())
    fields.setdefault("is_verified", True)
    return await save(session, User(**fields))


def customer_token(
    settings: Settings, user: User, *, ttl_seconds: int | None = None, secret: str | None = None
) -> str:
    return issue_token(
        subject=str(user.id),
        role="customer",
        audience=Audience.CUSTOMER,
        secret=secret or settings.jwt_secret,
        issuer=settings.jwt_issuer,
        ttl_seconds=ttl_seconds or settings.jwt_ttl_seconds,
        now=clock.now(),
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def money(value: str | int) -> Decimal:
    return Decimal(value)


def ago(**delta: float) -> Any:
    return clock.now() - timedelta(**delta)

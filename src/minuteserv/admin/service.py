"""Admin sign-in: argon2id passwords, the same answer and cost for unknown emails."""

import asyncio
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.admin.errors import InvalidCredentials
from minuteserv.auth.models import AdminUser
from minuteserv.core.config import Settings
from minuteserv.core.passwords import verify_password
from minuteserv.core.security import Audience, issue_token


async def login(
    session: AsyncSession, *, email: str, password: str, settings: Settings, now: datetime
) -> tuple[AdminUser, str]:
    """The admin and a fresh admin-audience token; InvalidCredentials for any mismatch."""
    admin = await session.scalar(sa.select(AdminUser).where(AdminUser.email == email.lower()))
    stored_hash = admin.password_hash if admin is not None and admin.is_active else None
    if not await asyncio.to_thread(verify_password, password, stored_hash):
        raise InvalidCredentials()
    assert admin is not None
    token = issue_token(
        subject=str(admin.id),
        role=admin.role.value,
        audience=Audience.ADMIN,
        secret=settings.jwt_secret,
        issuer=settings.jwt_issuer,
        ttl_seconds=settings.jwt_ttl_seconds,
        now=now,
    )
    return admin, token

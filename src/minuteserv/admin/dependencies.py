"""Who is calling an admin route, and whether their role may."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials

from minuteserv.auth.dependencies import bearer, token_claims
from minuteserv.auth.models import AdminRole, AdminUser
from minuteserv.bookings.history import Actor
from minuteserv.bookings.models import ActorType
from minuteserv.core.db import SessionDep
from minuteserv.core.deps import SettingsDep
from minuteserv.core.errors import Forbidden, Unauthorized
from minuteserv.core.security import Audience


async def current_admin(
    session: SessionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> AdminUser:
    """The signed-in admin or support agent; 401 for anything but a live admin-audience token
    (a customer token never opens an admin route)."""
    claims = token_claims(credentials, settings, Audience.ADMIN)
    try:
        admin_id = uuid.UUID(claims.subject)
    except ValueError:
        raise Unauthorized("The token is invalid or expired.") from None
    admin = await session.get(AdminUser, admin_id)
    if admin is None or not admin.is_active:
        raise Unauthorized("The token's admin no longer exists.")
    return admin


CurrentAdmin = Annotated[AdminUser, Depends(current_admin)]


def require_role(*roles: AdminRole) -> Callable[[AdminUser], Awaitable[AdminUser]]:
    async def check(admin: CurrentAdmin) -> AdminUser:
        if admin.role not in roles:
            raise Forbidden(f"This needs the {' or '.join(roles)} role.")
        return admin

    return check


AnyStaff = Annotated[AdminUser, Depends(require_role(AdminRole.ADMIN, AdminRole.SUPPORT))]
"""Admins and support agents: read everything, change booking status."""
AdminOnly = Annotated[AdminUser, Depends(require_role(AdminRole.ADMIN))]
"""Admins only: partners, services, promo codes."""


def actor_of(admin: AdminUser) -> Actor:
    """Admin writes are attributed to the admin in booking history."""
    return Actor(ActorType.ADMIN, str(admin.id))

"""Who is calling an admin route, and whether their role may."""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials

from minuteserv.auth.dependencies import bearer, token_claims
from minuteserv.auth.models import AdminRole, AdminUser
from minuteserv.bookings.history import Actor
from minuteserv.bookings.models import ActorType
from minuteserv.core.deps import SettingsDep
from minuteserv.core.errors import Forbidden, Unauthorized
from minuteserv.core.reader import Reader
from minuteserv.core.revisions import RevisionWatch
from minuteserv.core.security import Audience


@dataclass(frozen=True, slots=True)
class Staff:
    """Who is calling an admin route: all a route needs to know of the admin."""

    id: uuid.UUID
    role: AdminRole


ACTIVE_STAFF = sa.select(AdminUser.id, AdminUser.role).where(
    AdminUser.id == sa.bindparam("admin_id"), AdminUser.is_active
)


MAX_WATCHED_STAFF = 1024
"""Admins whose reads are coalesced at once; past that the watches start over."""


class StaffLookup:
    """Each admin's (id, role) while active, read afresh for every request, with one read
    serving the requests of that admin that arrive while it is in flight, never one that
    began before them: a deactivation committed before a request arrives always stops it."""

    def __init__(self, reader: Reader) -> None:
        self._reader = reader
        self._watches: dict[uuid.UUID, RevisionWatch[Staff | None]] = {}

    async def active(self, admin_id: uuid.UUID) -> Staff | None:
        watch = self._watches.get(admin_id)
        if watch is None:
            if len(self._watches) >= MAX_WATCHED_STAFF:
                self._watches.clear()
            watch = self._watches[admin_id] = RevisionWatch(partial(self._read, admin_id))
        return await watch.current()

    async def _read(self, admin_id: uuid.UUID) -> Staff | None:
        found = await self._reader.rows(ACTIVE_STAFF, {"admin_id": admin_id})
        return Staff(found[0]["id"], AdminRole(found[0]["role"])) if found else None


async def current_admin(
    request: Request,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Staff:
    """The signed-in admin or support agent; 401 for anything but a live admin-audience token
    (a customer token never opens an admin route). Read without the route's session, which a
    read-only route (the dashboard) then need not open at all."""
    claims = token_claims(credentials, settings, Audience.ADMIN)
    try:
        admin_id = uuid.UUID(claims.subject)
    except ValueError:
        raise Unauthorized("The token is invalid or expired.") from None
    lookup: StaffLookup = request.app.state.staff
    staff = await lookup.active(admin_id)
    if staff is None:
        raise Unauthorized("The token's admin no longer exists.")
    return staff


CurrentAdmin = Annotated[Staff, Depends(current_admin)]


def require_role(*roles: AdminRole) -> Callable[[Staff], Awaitable[Staff]]:
    async def check(admin: CurrentAdmin) -> Staff:
        if admin.role not in roles:
            raise Forbidden(f"This needs the {' or '.join(roles)} role.")
        return admin

    return check


AnyStaff = Annotated[Staff, Depends(require_role(AdminRole.ADMIN, AdminRole.SUPPORT))]
"""Admins and support agents: read everything, change booking status."""
AdminOnly = Annotated[Staff, Depends(require_role(AdminRole.ADMIN))]
"""Admins only: partners, services, promo codes."""


def actor_of(admin: Staff) -> Actor:
    """Admin writes are attributed to the admin in booking history."""
    return Actor(ActorType.ADMIN, str(admin.id))

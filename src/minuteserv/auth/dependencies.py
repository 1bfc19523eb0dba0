"""Who is calling: the customer behind a bearer token."""

import functools
import uuid
from typing import Annotated, NamedTuple

import sqlalchemy as sa
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncConnection

from minuteserv.core.db import SessionDep
from minuteserv.core.deps import SettingsDep
from minuteserv.core.errors import Unauthorized
from minuteserv.core.handlers import owe_before_invalid
from minuteserv.core.reader import Reader, driver_rows
from minuteserv.core.security import Audience, InvalidToken, TokenClaims, decode_token
from minuteserv.users.models import User

bearer = HTTPBearer(auto_error=False, description="A token from /auth/verify-otp")


class UserGone(Unauthorized):
    message = "The token's user no longer exists."


def token_claims(
    credentials: HTTPAuthorizationCredentials | None, settings: SettingsDep, audience: Audience
) -> TokenClaims:
    if credentials is None:
        raise Unauthorized()
    try:
        return decode_token(
            credentials.credentials,
            audience=audience,
            secret=settings.jwt_secret,
            issuer=settings.jwt_issuer,
        )
    except InvalidToken:
        raise Unauthorized("The token is invalid or expired.") from None


async def claimed_user_id(
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> uuid.UUID:
    """The user a live customer token names, who may have been deleted since it was issued;
    401 for a missing, bad, expired or non-customer token."""
    claims = token_claims(credentials, settings, Audience.CUSTOMER)
    try:
        return uuid.UUID(claims.subject)
    except ValueError:
        raise Unauthorized("The token is invalid or expired.") from None


TokenUserId = Annotated[uuid.UUID, Depends(claimed_user_id)]
"""The user a token names, not yet known to exist: routes take `CurrentUser`, or, in the
hottest, `ClaimedUserId`."""


async def current_user(session: SessionDep, user_id: TokenUserId) -> User:
    """The signed-in customer; 401 for a missing, bad, expired or non-customer token."""
    user = await session.get(User, user_id)
    if user is None:
        raise UserGone()
    return user


CurrentUser = Annotated[User, Depends(current_user)]


class Customer(NamedTuple):
    """The signed-in customer's contact, as a booking takes it."""

    id: uuid.UUID
    name: str | None
    phone_number: str
    email: str | None


CUSTOMER = sa.select(User.id, User.name, User.phone_number, User.email).where(
    User.id == sa.bindparam("user_id")
)


async def require_user(connection: AsyncConnection, user_id: uuid.UUID) -> None:
    """401 if the token's user no longer exists: for a route whose own query found nothing
    of theirs, to tell a deleted user from a row that is not theirs."""
    if not await driver_rows(connection, CUSTOMER, {"user_id": user_id}):
        raise UserGone()


async def checked_by_the_route(request: Request, user_id: TokenUserId) -> uuid.UUID:
    """The token's user, for the hot routes that check they still exist in their own query,
    saving a round trip (the bookings' reads, prepare, confirm): those must raise `UserGone`
    when they do not. A request the route never runs, a parameter or a body field malformed,
    has them checked before it is answered 422 (`owe_before_invalid`): a deleted user's token
    is 401 whatever it sends, short of a body that is not JSON at all (400, as on every
    route)."""
    owe_before_invalid(request, functools.partial(_still_exists, user_id=user_id))
    return user_id


async def _still_exists(request: Request, *, user_id: uuid.UUID) -> None:
    reader: Reader = request.app.state.reader
    async with reader.connection() as connection:
        await require_user(connection, user_id)


ClaimedUserId = Annotated[uuid.UUID, Depends(checked_by_the_route)]

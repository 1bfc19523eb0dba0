"""Who is calling: the customer behind a bearer token."""

import uuid
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from minuteserv.core.db import SessionDep
from minuteserv.core.deps import SettingsDep
from minuteserv.core.errors import Unauthorized
from minuteserv.core.security import Audience, InvalidToken, TokenClaims, decode_token
from minuteserv.users.models import User

bearer = HTTPBearer(auto_error=False, description="A token from /auth/verify-otp")


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


async def current_user(
    session: SessionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> User:
    """The signed-in customer; 401 for a missing, bad, expired or non-customer token."""
    claims = token_claims(credentials, settings, Audience.CUSTOMER)
    try:
        user_id = uuid.UUID(claims.subject)
    except ValueError:
        raise Unauthorized("The token is invalid or expired.") from None
    user = await session.get(User, user_id)
    if user is None:
        raise Unauthorized("The token's user no longer exists.")
    return user


CurrentUser = Annotated[User, Depends(current_user)]

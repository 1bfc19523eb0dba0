"""Bearer tokens: HS256 JWTs with a pinned algorithm and every claim required."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import jwt

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["sub", "role", "aud", "iss", "iat", "exp"]


class Audience(StrEnum):
    CUSTOMER = "minuteserv:customer"
    ADMIN = "minuteserv:admin"


@dataclass(frozen=True, slots=True)
class TokenClaims:
    subject: str
    role: str
    audience: Audience


class InvalidToken(Exception):
    """The token is missing, malformed, expired, forged or meant for another audience."""


def issue_token(
    *,
    subject: str,
    role: str,
    audience: Audience,
    secret: str,
    issuer: str,
    ttl_seconds: int,
    now: datetime,
) -> str:
    claims = {
        "sub": subject,
        "role": role,
        "aud": audience.value,
        "iss": issuer,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=ttl_seconds)).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def decode_token(token: str, *, audience: Audience, secret: str, issuer: str) -> TokenClaims:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=audience.value,
            issuer=issuer,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.PyJWTError as error:
        raise InvalidToken(str(error)) from None
    if not isinstance(claims["sub"], str) or not isinstance(claims["role"], str):
        raise InvalidToken("sub and role must be strings")
    return TokenClaims(subject=claims["sub"], role=claims["role"], audience=audience)

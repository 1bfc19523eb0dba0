"""Bearer tokens: HS256 JWTs with a pinned algorithm and every claim required."""

import functools
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import jwt

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["sub", "role", "aud", "iss", "iat", "exp"]
VERIFIED_TOKENS_KEPT = 8192


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
    """The token's claims if it is valid now. A token verified once is not verified again (a
    tenth of a small request's CPU): only its expiry is checked, as PyJWT checks it."""
    claims, expires_at = _verified(token, audience, secret, issuer)
    if expires_at <= time.time():
        raise InvalidToken("Signature has expired")
    return claims


@functools.lru_cache(maxsize=VERIFIED_TOKENS_KEPT)
def _verified(
    token: str, audience: Audience, secret: str, issuer: str
) -> tuple[TokenClaims, float]:
    """Only valid tokens are kept (an exception is not cached), so nobody can fill the cache
    without the secret."""
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
    return TokenClaims(claims["sub"], claims["role"], audience), float(claims["exp"])

"""Bearer tokens that must not open anything: each differs from a good one in one way only."""

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import jwt

from minuteserv.core import clock
from minuteserv.core.config import Settings
from minuteserv.core.security import ALGORITHM, Audience

OTHER_SECRET = "another-secret-that-is-also-long-enough-for-hs256-9876543210"

Claims = dict[str, Any]


def good_claims(settings: Settings, *, subject: str, role: str, audience: Audience) -> Claims:
    """What `issue_token` would put in a live token for this caller."""
    now = clock.now()
    return {
        "sub": subject,
        "role": role,
        "aud": audience.value,
        "iss": settings.jwt_issuer,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=settings.jwt_ttl_seconds)).timestamp()),
    }


def _b64url(data: dict[str, Any] | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _signed(claims: Claims, secret: str) -> str:
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def sign(claims: Claims, settings: Settings) -> str:
    """A good token from good claims: the control that each spoiled one differs from."""
    return _signed(claims, settings.jwt_secret)


def _without(claim: str) -> Callable[[Claims, Settings], str]:
    def forge(claims: Claims, settings: Settings) -> str:
        return _signed({k: v for k, v in claims.items() if k != claim}, settings.jwt_secret)

    return forge


def _expired(claims: Claims, settings: Settings) -> str:
    an_hour_ago = int((clock.now() - timedelta(hours=1)).timestamp())
    return _signed({**claims, "iat": an_hour_ago - 60, "exp": an_hour_ago}, settings.jwt_secret)


def _other_key(claims: Claims, _: Settings) -> str:
    return _signed(claims, OTHER_SECRET)


def _alg_none(claims: Claims, _: Settings) -> str:
    """Unsigned, built by hand (libraries refuse to make one by default)."""
    return f"{_b64url({'alg': 'none', 'typ': 'JWT'})}.{_b64url(claims)}."


def _hs512(claims: Claims, settings: Settings) -> str:
    """The right key, another algorithm: decoding pins HS256. Signed by hand, since PyJWT
    warns that the key is short for SHA-512."""
    signing_input = f"{_b64url({'alg': 'HS512', 'typ': 'JWT'})}.{_b64url(claims)}"
    digest = hmac.new(settings.jwt_secret.encode(), signing_input.encode(), hashlib.sha512)
    return f"{signing_input}.{_b64url(digest.digest())}"


def _other_issuer(claims: Claims, settings: Settings) -> str:
    return _signed({**claims, "iss": "someone-else"}, settings.jwt_secret)


def _unknown_subject(claims: Claims, settings: Settings) -> str:
    return _signed({**claims, "sub": "00000000-0000-4000-8000-000000000000"}, settings.jwt_secret)


def _tampered_payload(claims: Claims, settings: Settings) -> str:
    """A good token whose payload was swapped after signing."""
    header, _, signature = _signed(claims, settings.jwt_secret).split(".")
    return f"{header}.{_b64url({**claims, 'role': 'admin'})}.{signature}"


BAD_TOKENS: dict[str, Callable[[Claims, Settings], str]] = {
    "expired": _expired,
    "signed_with_another_key": _other_key,
    "alg_none": _alg_none,
    "alg_hs512": _hs512,
    "payload_tampered": _tampered_payload,
    "without_exp": _without("exp"),
    "without_aud": _without("aud"),
    "without_sub": _without("sub"),
    "without_iss": _without("iss"),
    "other_issuer": _other_issuer,
    "unknown_subject": _unknown_subject,
}

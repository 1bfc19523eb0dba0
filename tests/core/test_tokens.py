"""Bearer tokens: a token verified once is remembered, but never past its expiry, and nothing
that failed verification is remembered."""

from datetime import UTC, datetime

import pytest

from minuteserv.core import security
from minuteserv.core.security import Audience, InvalidToken, decode_token, issue_token

SECRET = "a-secret-long-enough-for-hs256-tokens-0123456789"
ISSUER = "minuteserv"


def token(*, ttl_seconds: int = 600, secret: str = SECRET) -> str:
    return issue_token(
        subject="user-1",
        role="customer",
        audience=Audience.CUSTOMER,
        secret=secret,
        issuer=ISSUER,
        ttl_seconds=ttl_seconds,
        now=datetime.now(UTC),
    )


def decode(text: str, audience: Audience = Audience.CUSTOMER) -> security.TokenClaims:
    return decode_token(text, audience=audience, secret=SECRET, issuer=ISSUER)


def test_a_remembered_token_still_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    live = token(ttl_seconds=600)
    assert decode(live).subject == "user-1"
    later = security.time.time() + 601

    monkeypatch.setattr(security.time, "time", lambda: later)

    with pytest.raises(InvalidToken, match="expired"):
        decode(live)


def test_a_remembered_token_is_still_refused_for_another_audience() -> None:
    live = token()
    decode(live)

    with pytest.raises(InvalidToken):
        decode(live, Audience.ADMIN)


def test_a_forged_or_expired_token_is_refused_every_time() -> None:
    forged, expired = (
        token(secret="another-secret-long-enough-for-hs256-0123"),
        token(ttl_seconds=-1),
    )
    before = security._verified.cache_info().currsize

    for _ in range(2):
        for refused in (forged, expired):
            with pytest.raises(InvalidToken):
                decode(refused)

    assert security._verified.cache_info().currsize == before

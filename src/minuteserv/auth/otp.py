"""One-time codes: drawn with `secrets`, stored only as an HMAC bound to the phone."""

import hashlib
import hmac
import math
import secrets

CODE_DIGITS = 6
_KEY_PURPOSE = b"minuteserv/otp-code/v1"


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def code_hash(*, phone: str, code: str, secret: str) -> str:
    """HMAC-SHA256 of phone and code, under a key derived from the app secret (64 hex chars)."""
    key = hmac.new(secret.encode(), _KEY_PURPOSE, hashlib.sha256).digest()
    return hmac.new(key, f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def code_matches(*, stored_hash: str, phone: str, code: str, secret: str) -> bool:
    return hmac.compare_digest(stored_hash, code_hash(phone=phone, code=code, secret=secret))


def sms_body(*, code: str, ttl_seconds: int) -> str:
    minutes = max(1, math.ceil(ttl_seconds / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return f"Your Minuteserv code is {code}. It expires in {minutes} {unit}."

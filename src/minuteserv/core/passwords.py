"""Admin passwords: argon2id hashes, and the same cost whether or not the account exists.

Hashing takes a noticeable fraction of a second on purpose; code on the event loop should run
these functions in a thread (`asyncio.to_thread`).
"""

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()  # argon2id, with the library's RFC 9106 parameters


def hash_password(password: str) -> str:
    """An argon2id hash of `password`, salted, in the PHC string format (`$argon2id$...`)."""
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """Whether `password` matches; with no hash (unknown email) it spends the same time and
    answers False, so response times do not tell which emails have accounts."""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    return _hasher.hash("a password nobody has, hashed to compare against")

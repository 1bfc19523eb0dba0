"""Customer sign-in by phone: text a one-time code, check it, issue a customer token."""

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.auth import otp
from minuteserv.auth.errors import (
    OtpAlreadyUsed,
    OtpCooldown,
    OtpExpired,
    OtpInvalid,
    OtpTooManyAttempts,
)
from minuteserv.auth.models import OtpVerification
from minuteserv.auth.schemas import OtpSent, SignedIn, SignedInUser
from minuteserv.core.config import Settings
from minuteserv.core.errors import AppError
from minuteserv.core.ratelimit import RateLimiter
from minuteserv.core.security import Audience, issue_token
from minuteserv.integrations.sms import SmsProvider
from minuteserv.users.models import User

CUSTOMER_ROLE = "customer"


@dataclass(frozen=True, slots=True)
class OtpRejected:
    """A failed check, returned rather than raised so that a counted wrong try commits."""

    error: AppError


async def send_otp(
    session: AsyncSession,
    *,
    phone: str,
    sms: SmsProvider,
    limiter: RateLimiter,
    settings: Settings,
    now: datetime,
) -> OtpSent:
    """Text a fresh code to `phone`, killing its earlier ones; nothing is stored if SMS fails."""
    await _lock_phone(session, phone)
    await _enforce_cooldown(
        session, phone=phone, cooldown_seconds=settings.otp_resend_cooldown_seconds, now=now
    )
    await limiter.hit(
        settings.rate_limit(settings.rate_limit_otp_per_phone),
        "otp-send-phone",
        phone,
        message="Too many codes were sent to this phone number; try again later.",
    )
    await _kill_live_codes(session, phone=phone, now=now)
    code = otp.new_code()
    session.add(
        OtpVerification(
            phone_number=phone,
            code_hash=otp.code_hash(phone=phone, code=code, secret=settings.jwt_secret),
            expires_at=now + timedelta(seconds=settings.otp_ttl_seconds),
            created_at=now,
        )
    )
    await session.flush()
    body = otp.sms_body(code=code, ttl_seconds=settings.otp_ttl_seconds)
    await sms.send_otp(to=phone, code=code, body=body)
    return OtpSent(
        expires_in=settings.otp_ttl_seconds, resend_after=settings.otp_resend_cooldown_seconds
    )


async def _lock_phone(session: AsyncSession, phone: str) -> None:
    """Serialise sends to one phone across app processes, so two taps cannot both pass the
    cooldown; on SQLite every transaction already holds the write lock (BEGIN IMMEDIATE)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    key = int.from_bytes(hashlib.sha256(phone.encode()).digest()[:8], "big", signed=True)
    await session.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))


async def _enforce_cooldown(
    session: AsyncSession, *, phone: str, cooldown_seconds: int, now: datetime
) -> None:
    last_sent = await session.scalar(
        sa.select(sa.func.max(OtpVerification.created_at)).where(
            OtpVerification.phone_number == phone
        )
    )
    if last_sent is None:
        return
    wait = last_sent + timedelta(seconds=cooldown_seconds) - now
    if wait > timedelta(0):
        raise OtpCooldown(math.ceil(wait.total_seconds()))


async def _kill_live_codes(session: AsyncSession, *, phone: str, now: datetime) -> None:
    await session.execute(
        sa.update(OtpVerification)
        .where(
            OtpVerification.phone_number == phone,
            OtpVerification.is_verified.is_(False),
            OtpVerification.expires_at > now,
        )
        .values(expires_at=now)
    )


async def verify_otp(
    session: AsyncSession, *, phone: str, code: str, settings: Settings, now: datetime
) -> SignedIn | OtpRejected:
    """Check `code` against the phone's latest one; on success sign the customer in."""
    latest = await _latest_code(session, phone)
    if latest is None:
        return OtpRejected(OtpInvalid())
    if dead := _why_dead(latest, max_attempts=settings.otp_max_attempts, now=now):
        return OtpRejected(dead)
    if not otp.code_matches(
        stored_hash=latest.code_hash, phone=phone, code=code, secret=settings.jwt_secret
    ):
        return await _count_wrong_try(session, latest, settings=settings, now=now)
    if not await _consume(session, latest, settings=settings, now=now):
        return await _rejection_after_race(session, latest, settings=settings, now=now)
    user = await verified_customer(session, phone=phone)
    return _signed_in(user, settings=settings, now=now)


async def _latest_code(session: AsyncSession, phone: str) -> OtpVerification | None:
    return await session.scalar(
        sa.select(OtpVerification)
        .where(OtpVerification.phone_number == phone)
        .order_by(OtpVerification.created_at.desc())
        .limit(1)
    )


def _why_dead(code: OtpVerification, *, max_attempts: int, now: datetime) -> AppError | None:
    if code.is_verified:
        return OtpAlreadyUsed()
    if code.attempts >= max_attempts:
        return OtpTooManyAttempts()
    if code.expires_at <= now:
        return OtpExpired()
    return None


def _still_live(
    code: OtpVerification, *, max_attempts: int, now: datetime
) -> sa.ColumnElement[bool]:
    """The guard of every change to a code: the database re-checks it under the row lock, so
    racing requests cannot both consume a code or overrun its attempts."""
    return sa.and_(
        OtpVerification.id == code.id,
        OtpVerification.is_verified.is_(False),
        OtpVerification.attempts < max_attempts,
        OtpVerification.expires_at > now,
    )


async def _count_wrong_try(
    session: AsyncSession, code: OtpVerification, *, settings: Settings, now: datetime
) -> OtpRejected:
    max_attempts = settings.otp_max_attempts
    attempts = await session.scalar(
        sa.update(OtpVerification)
        .where(_still_live(code, max_attempts=max_attempts, now=now))
        .values(attempts=OtpVerification.attempts + 1)
        .returning(OtpVerification.attempts)
    )
    if attempts is None:
        return await _rejection_after_race(session, code, settings=settings, now=now)
    return OtpRejected(OtpInvalid(details=[{"attempts_left": max_attempts - attempts}]))


async def _consume(
    session: AsyncSession, code: OtpVerification, *, settings: Settings, now: datetime
) -> bool:
    consumed = await session.scalar(
        sa.update(OtpVerification)
        .where(_still_live(code, max_attempts=settings.otp_max_attempts, now=now))
        .values(is_verified=True)
        .returning(OtpVerification.id)
    )
    return consumed is not None


async def _rejection_after_race(
    session: AsyncSession, code: OtpVerification, *, settings: Settings, now: datetime
) -> OtpRejected:
    """Another request changed the code between our read and our update: say what it did."""
    await session.refresh(code)
    return OtpRejected(
        _why_dead(code, max_attempts=settings.otp_max_attempts, now=now) or OtpInvalid()
    )


async def verified_customer(session: AsyncSession, *, phone: str) -> User:
    """The customer with this phone, created on first sign-in, marked verified."""
    user = await session.scalar(sa.select(User).where(User.phone_number == phone))
    if user is None:
        user = await _create_customer(session, phone=phone)
    user.is_verified = True
    await session.flush()
    return user


async def _create_customer(session: AsyncSession, *, phone: str) -> User:
    user = User(phone_number=phone, is_verified=True)
    try:
        async with session.begin_nested():
            session.add(user)
    except IntegrityError:
        # A concurrent first sign-in inserted the phone and has committed by now.
        return (await session.scalars(sa.select(User).where(User.phone_number == phone))).one()
    return user


def _signed_in(user: User, *, settings: Settings, now: datetime) -> SignedIn:
    token = issue_token(
        subject=str(user.id),
        role=CUSTOMER_ROLE,
        audience=Audience.CUSTOMER,
        secret=settings.jwt_secret,
        issuer=settings.jwt_issuer,
        ttl_seconds=settings.jwt_ttl_seconds,
        now=now,
    )
    return SignedIn(
        token=token, expires_in=settings.jwt_ttl_seconds, user=SignedInUser.model_validate(user)
    )

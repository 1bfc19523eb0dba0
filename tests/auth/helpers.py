"""Calls and reads shared by the sign-in tests."""

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.auth.models import OtpVerification
from minuteserv.core.config import Settings
from minuteserv.users.models import User
from tests.fakes.sms import last_code_sent

SEND_OTP = "/api/v1/auth/send-otp"
VERIFY_OTP = "/api/v1/auth/verify-otp"


async def send_otp(client: httpx.AsyncClient, phone: str) -> httpx.Response:
    return await client.post(SEND_OTP, json={"phone_number": phone})


async def verify_otp(client: httpx.AsyncClient, phone: str, code: str) -> httpx.Response:
    return await client.post(VERIFY_OTP, json={"phone_number": phone, "otp_code": code})


async def fresh_code(client: httpx.AsyncClient, settings: Settings, phone: str) -> str:
    """Ask for a code and read it back from the `file` provider's outbox."""
    response = await send_otp(client, phone)
    assert response.status_code == 200
    return last_code_sent(settings, phone)


def wrong_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def error_code(response: httpx.Response) -> str:
    code: str = response.json()["error"]["code"]
    return code


async def stored_codes(session: AsyncSession, phone: str) -> list[OtpVerification]:
    """The phone's codes as the database has them now, oldest first."""
    rows = await session.scalars(
        sa.select(OtpVerification)
        .where(OtpVerification.phone_number == phone)
        .order_by(OtpVerification.created_at)
        .execution_options(populate_existing=True)
    )
    codes = list(rows)
    await session.commit()  # ends the read, so SQLite's write lock goes back to the app
    return codes


async def count_all_codes(session: AsyncSession) -> int:
    count = await session.scalar(sa.select(sa.func.count()).select_from(OtpVerification))
    await session.commit()
    return count or 0


async def users_with_phone(session: AsyncSession, phone: str) -> list[User]:
    rows = await session.scalars(
        sa.select(User).where(User.phone_number == phone).execution_options(populate_existing=True)
    )
    users = list(rows)
    await session.commit()
    return users


async def age_codes(session: AsyncSession, phone: str, **values: object) -> None:
    """Rewrite the phone's codes (e.g. move `created_at` or `expires_at` into the past)."""
    await session.execute(
        sa.update(OtpVerification).where(OtpVerification.phone_number == phone).values(**values)
    )
    await session.commit()

"""Secrets never reach the logs: not the OTP, not a token, not a password, not the signing key,
at any level, through a sign-in, an admin login (right and wrong) and refused payment calls."""

import logging
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.auth.models import AdminRole
from minuteserv.core.config import Settings
from minuteserv.core.passwords import hash_password
from tests.factories import bearer, create_admin, next_phone
from tests.fakes.sms import last_code_sent

PASSWORD = "correct horse battery staple"
WRONG_PASSWORD = "incorrect horse battery staple"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"razorpay_webhook_secret": "webhook-secret-0123456789abcdef"}


def _logged(caplog: pytest.LogCaptureFixture) -> str:
    """Everything written to the logs: messages, arguments and tracebacks."""
    return "\n".join(
        f"{record.getMessage()} {record.exc_text or ''} {record.args!r}"
        for record in caplog.records
    )


async def _sign_in(client: httpx.AsyncClient, settings: Settings) -> tuple[str, str]:
    phone = next_phone()
    sent = await client.post("/api/v1/auth/send-otp", json={"phone_number": phone})
    assert sent.status_code == 200
    code = last_code_sent(settings, phone)
    verified = await client.post(
        "/api/v1/auth/verify-otp", json={"phone_number": phone, "otp_code": code}
    )
    assert verified.status_code == 200
    return code, str(verified.json()["data"]["token"])


async def _admin_sign_in(client: httpx.AsyncClient, session: AsyncSession) -> str:
    admin = await create_admin(
        session,
        role=AdminRole.ADMIN,
        email="asha@minuteserv.example.com",
        password_hash=hash_password(PASSWORD),
    )
    wrong = {"email": admin.email, "password": WRONG_PASSWORD}
    assert (await client.post("/api/v1/admin/auth/login", json=wrong)).status_code == 401
    right = {"email": admin.email, "password": PASSWORD}
    signed_in = await client.post("/api/v1/admin/auth/login", json=right)
    assert signed_in.status_code == 200
    return str(signed_in.json()["data"]["token"])


async def test_no_secret_is_logged_at_any_level(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    code, token = await _sign_in(client, settings)
    admin_token = await _admin_sign_in(client, session)
    await client.get("/api/v1/dashboard", headers=bearer(token))
    await client.get("/api/v1/admin/dashboard", headers=bearer(admin_token))
    forged = await client.post(
        "/api/v1/payments/webhook",
        content=b'{"event": "payment.captured"}',
        headers={"X-Razorpay-Signature": "0" * 64, "X-Razorpay-Event-Id": "evt_forged"},
    )
    assert forged.status_code == 400
    logged = _logged(caplog)
    secrets = {
        "otp": code,
        "customer token": token,
        "admin token": admin_token,
        "password": PASSWORD,
        "wrong password": WRONG_PASSWORD,
        "jwt secret": settings.jwt_secret,
        "webhook secret": settings.razorpay_webhook_secret,
    }
    assert [name for name, secret in secrets.items() if secret in logged] == []

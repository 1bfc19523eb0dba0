from typing import Any

import httpx
import jwt
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.core.config import Settings
from minuteserv.core.security import Audience, decode_token
from tests.auth.helpers import (
    VERIFY_OTP,
    age_codes,
    error_code,
    fresh_code,
    send_otp,
    stored_codes,
    users_with_phone,
    verify_otp,
    wrong_code,
)
from tests.factories import ago, bearer, create_user, next_phone
from tests.fakes.sms import last_code_sent


async def test_verify_signs_in_a_new_customer(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    phone = next_phone()
    code = await fresh_code(client, settings, phone)

    response = await verify_otp(client, phone, code)

    assert response.status_code == 200
    [user] = await users_with_phone(session, phone)
    assert user.is_verified
    data = response.json()["data"]
    assert data == {
        "token": data["token"],
        "token_type": "bearer",
        "expires_in": settings.jwt_ttl_seconds,
        "user": {
            "id": str(user.id),
            "phone_number": phone,
            "name": None,
            "email": None,
            "is_verified": True,
        },
    }


async def test_verify_accepts_the_phone_in_local_form(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    await send_otp(client, "9876543210")
    code = last_code_sent(settings, "+919876543210")

    response = await verify_otp(client, "+91 98765 43210", code)

    assert response.status_code == 200
    assert response.json()["data"]["user"]["phone_number"] == "+919876543210"


async def test_token_carries_the_customer_claims(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    phone = next_phone()
    code = await fresh_code(client, settings, phone)

    data = (await verify_otp(client, phone, code)).json()["data"]

    claims = jwt.decode(
        data["token"], settings.jwt_secret, algorithms=["HS256"], audience=Audience.CUSTOMER.value
    )
    assert claims == {
        "sub": data["user"]["id"],
        "role": "customer",
        "aud": "minuteserv:customer",
        "iss": settings.jwt_issuer,
        "iat": claims["iat"],
        "exp": claims["iat"] + settings.jwt_ttl_seconds,
    }
    decoded = decode_token(
        data["token"],
        audience=Audience.CUSTOMER,
        secret=settings.jwt_secret,
        issuer=settings.jwt_issuer,
    )
    assert decoded.subject == data["user"]["id"]


async def test_token_opens_the_customer_dashboard(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    phone = next_phone()
    code = await fresh_code(client, settings, phone)
    token = (await verify_otp(client, phone, code)).json()["data"]["token"]

    response = await client.get("/api/v1/dashboard", headers=bearer(token))

    assert response.status_code == 200
    assert response.json()["data"]["user"]["phone_number"] == phone


async def test_verify_signs_an_existing_customer_into_the_same_account(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    existing = await create_user(session, name="Asha", is_verified=False)
    phone = existing.phone_number
    code = await fresh_code(client, settings, phone)

    response = await verify_otp(client, phone, code)

    assert response.status_code == 200
    assert response.json()["data"]["user"]["id"] == str(existing.id)
    assert response.json()["data"]["user"]["name"] == "Asha"
    [user] = await users_with_phone(session, phone)
    assert (user.id, user.is_verified) == (existing.id, True)


async def test_wrong_code_is_invalid_and_counted(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    phone = next_phone()
    code = await fresh_code(client, settings, phone)

    response = await verify_otp(client, phone, wrong_code(code))

    assert response.status_code == 400
    assert error_code(response) == "OTP_INVALID"
    assert response.json()["error"]["details"] == [{"attempts_left": 4}]
    [row] = await stored_codes(session, phone)
    assert (row.attempts, row.is_verified) == (1, False)
    assert await users_with_phone(session, phone) == []


async def test_code_for_a_phone_never_sent_one_is_invalid(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    phone = next_phone()

    response = await verify_otp(client, phone, "123456")

    assert response.status_code == 400
    assert error_code(response) == "OTP_INVALID"
    assert await users_with_phone(session, phone) == []


async def test_another_phones_code_is_invalid(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    phone, other = next_phone(), next_phone()
    await fresh_code(client, settings, phone)
    code = await fresh_code(client, settings, other)

    response = await verify_otp(client, phone, code)

    assert error_code(response) == "OTP_INVALID"
    assert await users_with_phone(session, phone) == []


async def test_expired_code_is_refused(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    phone = next_phone()
    code = await fresh_code(client, settings, phone)
    await age_codes(session, phone, expires_at=ago(seconds=1))

    response = await verify_otp(client, phone, code)

    assert response.status_code == 400
    assert error_code(response) == "OTP_EXPIRED"
    [row] = await stored_codes(session, phone)
    assert (row.attempts, row.is_verified) == (0, False)
    assert await users_with_phone(session, phone) == []


async def test_used_code_is_refused_the_second_time(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    phone = next_phone()
    code = await fresh_code(client, settings, phone)
    await verify_otp(client, phone, code)

    response = await verify_otp(client, phone, code)

    assert response.status_code == 409
    assert error_code(response) == "OTP_ALREADY_USED"
    assert len(await users_with_phone(session, phone)) == 1


async def test_five_wrong_tries_kill_the_code(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    phone = next_phone()
    code = await fresh_code(client, settings, phone)
    wrong = [await verify_otp(client, phone, wrong_code(code)) for _ in range(5)]

    response = await verify_otp(client, phone, code)

    assert [error_code(answer) for answer in wrong] == ["OTP_INVALID"] * 5
    assert wrong[-1].json()["error"]["details"] == [{"attempts_left": 0}]
    assert response.status_code == 400
    assert error_code(response) == "OTP_TOO_MANY_ATTEMPTS"
    [row] = await stored_codes(session, phone)
    assert (row.attempts, row.is_verified) == (5, False)
    assert await users_with_phone(session, phone) == []


@pytest.mark.parametrize("settings_overrides", [{"otp_resend_cooldown_seconds": 0}])
async def test_earlier_code_stops_working_once_a_new_one_is_sent(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    phone = next_phone()
    earlier = await fresh_code(client, settings, phone)
    latest = await fresh_code(client, settings, phone)

    refused = await verify_otp(client, phone, earlier)
    accepted = await verify_otp(client, phone, latest)

    assert error_code(refused) == "OTP_INVALID"
    assert accepted.status_code == 200


@pytest.mark.parametrize(
    "otp_code", ["12345", "1234567", "abcdef", "", " 123456", "12 456", "١٢٣٤٥٦", 123456, None]
)
async def test_malformed_code_is_422_and_not_counted(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, otp_code: Any
) -> None:
    phone = next_phone()
    await fresh_code(client, settings, phone)

    response = await client.post(VERIFY_OTP, json={"phone_number": phone, "otp_code": otp_code})

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert [item["field"] for item in error["details"]] == ["otp_code"]
    [row] = await stored_codes(session, phone)
    assert row.attempts == 0


@pytest.mark.parametrize("phone", ["12345", "abc", ""])
async def test_verify_with_a_bad_phone_number_is_422(client: httpx.AsyncClient, phone: str) -> None:
    response = await verify_otp(client, phone, "123456")

    assert response.status_code == 422
    assert [item["field"] for item in response.json()["error"]["details"]] == ["phone_number"]

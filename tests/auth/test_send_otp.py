import re
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.auth import otp
from minuteserv.core.config import Settings
from tests.auth.helpers import (
    SEND_OTP,
    age_codes,
    count_all_codes,
    error_code,
    send_otp,
    stored_codes,
)
from tests.factories import ago, create_user, next_phone
from tests.fakes.sms import last_code_sent, outbox

NO_COOLDOWN = {"otp_resend_cooldown_seconds": 0}


async def test_send_otp_answers_expiry_and_resend_delay(client: httpx.AsyncClient) -> None:
    response = await send_otp(client, next_phone())

    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "data": {"message": "OTP sent", "expires_in": 300, "resend_after": 30},
    }


async def test_send_otp_texts_six_digits_to_the_normalised_phone(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    await send_otp(client, "98765 43210")

    [message] = outbox(settings)
    assert message["to"] == "+919876543210"
    assert re.fullmatch(r"[0-9]{6}", message["code"])
    assert message["body"] == f"Your Minuteserv code is {message['code']}. It expires in 5 minutes."


async def test_stored_code_is_a_keyed_hash_not_the_code(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    phone = next_phone()
    await send_otp(client, phone)

    [row] = await stored_codes(session, phone)
    code = last_code_sent(settings, phone)
    assert row.code_hash == otp.code_hash(phone=phone, code=code, secret=settings.jwt_secret)
    assert code not in row.code_hash
    assert (row.attempts, row.is_verified) == (0, False)
    assert row.expires_at - row.created_at == timedelta(seconds=300)


async def test_same_answer_for_known_and_unknown_phone(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    known = await create_user(session)

    for_known = await send_otp(client, known.phone_number)
    for_unknown = await send_otp(client, next_phone())

    assert for_known.status_code == for_unknown.status_code == 200
    assert for_known.json() == for_unknown.json()


async def test_resend_within_cooldown_is_refused_with_retry_after(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    phone = next_phone()
    await send_otp(client, phone)

    response = await send_otp(client, phone)

    assert response.status_code == 429
    assert error_code(response) == "OTP_COOLDOWN"
    assert response.headers["Retry-After"] in {"29", "30"}
    assert len(await stored_codes(session, phone)) == 1
    assert len(outbox(settings)) == 1


async def test_resend_after_cooldown_sends_a_new_code(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    phone = next_phone()
    await send_otp(client, phone)
    await age_codes(session, phone, created_at=ago(seconds=31))

    response = await send_otp(client, phone)

    assert response.status_code == 200
    assert len(await stored_codes(session, phone)) == 2


@pytest.mark.parametrize("settings_overrides", [NO_COOLDOWN])
async def test_new_code_kills_the_earlier_one(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    phone = next_phone()
    await send_otp(client, phone)
    await send_otp(client, phone)

    earlier, latest = await stored_codes(session, phone)
    assert earlier.expires_at == latest.created_at
    assert latest.expires_at - latest.created_at == timedelta(seconds=300)


@pytest.mark.parametrize("settings_overrides", [NO_COOLDOWN])
async def test_sixth_send_in_an_hour_to_one_phone_is_rate_limited(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    phone = next_phone()
    for _ in range(5):
        assert (await send_otp(client, phone)).status_code == 200

    response = await send_otp(client, phone)

    assert response.status_code == 429
    assert error_code(response) == "RATE_LIMITED"
    assert 3500 <= int(response.headers["Retry-After"]) <= 3601
    assert len(await stored_codes(session, phone)) == 5
    assert len(outbox(settings)) == 5


@pytest.mark.parametrize("settings_overrides", [{"rate_limit_otp_per_ip": "3/hour"}])
async def test_per_ip_limit_counts_sends_to_every_phone(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    for _ in range(3):
        assert (await send_otp(client, next_phone())).status_code == 200
    phone = next_phone()

    response = await send_otp(client, phone)

    assert response.status_code == 429
    assert error_code(response) == "RATE_LIMITED"
    assert "Retry-After" in response.headers
    assert await stored_codes(session, phone) == []


@pytest.mark.parametrize(
    "settings_overrides",
    [{**NO_COOLDOWN, "rate_limit_otp_per_phone": "", "rate_limit_otp_per_ip": ""}],
)
async def test_empty_rate_limits_turn_the_limits_off(client: httpx.AsyncClient) -> None:
    phone = next_phone()
    statuses = {(await send_otp(client, phone)).status_code for _ in range(7)}

    assert statuses == {200}


@pytest.mark.parametrize("phone", ["12345", "abc", "+1 555", "", "+91 98765 4321"])
async def test_bad_phone_number_is_422_and_sends_nothing(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, phone: str
) -> None:
    response = await send_otp(client, phone)

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert [(item["field"], item["location"]) for item in error["details"]] == [
        ("phone_number", "body")
    ]
    assert await count_all_codes(session) == 0
    assert outbox(settings) == []


@pytest.mark.parametrize("body", [{}, {"phone_number": None}, {"phone_number": 9876543210}])
async def test_missing_or_non_string_phone_is_422(
    client: httpx.AsyncClient, settings: Settings, body: dict[str, Any]
) -> None:
    response = await client.post(SEND_OTP, json=body)

    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "phone_number"
    assert outbox(settings) == []

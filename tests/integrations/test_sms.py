import base64
import json
import logging
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.auth import otp
from minuteserv.auth.models import OtpVerification
from minuteserv.core.config import ConfigError, Settings, load_settings
from minuteserv.integrations.sms import (
    ConsoleSms,
    FileSms,
    Msg91Sms,
    SmsDeliveryFailed,
    SmsProvider,
    TwilioSms,
    create_sms_provider,
)
from tests.factories import next_phone
from tests.fakes.http_server import FakeHttpServer, FakeResponse, running
from tests.fakes.sms import MSG91_ACCEPTED, TWILIO_ACCEPTED, FakeSmsGateway

PHONE = "+919876543210"
CODE = "402913"
BODY = "Your Minuteserv code is 402913. It expires in 5 minutes."
MSG91_KEY = "msg91-test-authkey"
MSG91_TEMPLATE = "65f0c0ffee0123456789abcd"
TWILIO_SID = "AC0123456789abcdef0123456789abcdef"
TWILIO_TOKEN = "twilio-test-auth-token"
TWILIO_FROM = "+15005550006"
TIMEOUT = 0.5
GATEWAY_DOWN = FakeResponse(500, {"message": "internal error"})


@pytest.fixture
def gateway() -> FakeSmsGateway:
    return FakeSmsGateway(MSG91_ACCEPTED)


@pytest.fixture
def gateway_server(gateway: FakeSmsGateway) -> Iterator[FakeHttpServer]:
    with running(gateway) as server:
        try:
            yield server
        finally:
            gateway.release()


@pytest.fixture
async def msg91(gateway_server: FakeHttpServer) -> AsyncIterator[Msg91Sms]:
    provider = Msg91Sms(
        auth_key=MSG91_KEY,
        template_id=MSG91_TEMPLATE,
        api_base=gateway_server.url,
        timeout_seconds=TIMEOUT,
    )
    yield provider
    await provider.aclose()


@pytest.fixture
async def twilio(
    gateway_server: FakeHttpServer, gateway: FakeSmsGateway
) -> AsyncIterator[TwilioSms]:
    gateway.reply = TWILIO_ACCEPTED
    provider = TwilioSms(
        account_sid=TWILIO_SID,
        auth_token=TWILIO_TOKEN,
        from_number=TWILIO_FROM,
        api_base=gateway_server.url,
        timeout_seconds=TIMEOUT,
    )
    yield provider
    await provider.aclose()


@pytest.fixture(params=["msg91", "twilio"])
def http_provider(request: pytest.FixtureRequest) -> SmsProvider:
    provider: SmsProvider = request.getfixturevalue(request.param)
    return provider


async def send(provider: SmsProvider) -> None:
    await provider.send_otp(to=PHONE, code=CODE, body=BODY)


# --- What goes over the wire --------------------------------------------------------------


async def test_msg91_calls_the_otp_api_with_the_authkey_header(
    msg91: Msg91Sms, gateway_server: FakeHttpServer
) -> None:
    await send(msg91)

    [request] = gateway_server.requests
    assert (request.method, request.path) == ("POST", "/api/v5/otp")
    assert request.query == {
        "template_id": [MSG91_TEMPLATE],
        "mobile": ["919876543210"],
        "otp": [CODE],
    }
    assert request.headers["authkey"] == MSG91_KEY


async def test_twilio_posts_the_message_form_with_basic_auth(
    twilio: TwilioSms, gateway_server: FakeHttpServer
) -> None:
    await send(twilio)

    [request] = gateway_server.requests
    assert (request.method, request.path) == (
        "POST",
        f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json",
    )
    assert request.form() == {"To": [PHONE], "From": [TWILIO_FROM], "Body": [BODY]}
    credentials = base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
    assert request.headers["authorization"] == f"Basic {credentials}"


# --- Failures all come out as one 502 error ------------------------------------------------


async def test_gateway_error_status_is_a_delivery_failure(
    http_provider: SmsProvider, gateway: FakeSmsGateway
) -> None:
    gateway.reply = GATEWAY_DOWN

    with pytest.raises(SmsDeliveryFailed) as failure:
        await send(http_provider)

    assert (failure.value.status_code, failure.value.code) == (502, "SMS_DELIVERY_FAILED")


async def test_hanging_gateway_times_out_as_a_delivery_failure(
    http_provider: SmsProvider, gateway: FakeSmsGateway
) -> None:
    gateway.hang()
    started = time.monotonic()

    with pytest.raises(SmsDeliveryFailed):
        await send(http_provider)

    assert time.monotonic() - started < TIMEOUT + 1


async def test_unreachable_gateway_is_a_delivery_failure() -> None:
    with running(FakeSmsGateway(MSG91_ACCEPTED)) as server:
        closed_url = server.url
    provider = Msg91Sms(
        auth_key=MSG91_KEY, template_id=MSG91_TEMPLATE, api_base=closed_url, timeout_seconds=TIMEOUT
    )

    with pytest.raises(SmsDeliveryFailed):
        await send(provider)
    await provider.aclose()


async def test_msg91_refusal_inside_a_200_is_a_delivery_failure(
    msg91: Msg91Sms, gateway: FakeSmsGateway
) -> None:
    gateway.reply = FakeResponse(200, {"type": "error", "message": "Invalid template id"})

    with pytest.raises(SmsDeliveryFailed):
        await send(msg91)


async def test_failure_is_logged_by_status_without_the_code_or_key(
    msg91: Msg91Sms, gateway: FakeSmsGateway, caplog: pytest.LogCaptureFixture
) -> None:
    gateway.reply = GATEWAY_DOWN

    with caplog.at_level(logging.DEBUG, logger="minuteserv"), pytest.raises(SmsDeliveryFailed):
        await send(msg91)

    app_lines = [
        record.getMessage() for record in caplog.records if record.name == "minuteserv.sms"
    ]
    assert app_lines == ["SMS via msg91 failed: HTTP 500"]


# --- The local stand-ins ---------------------------------------------------------------------


async def test_file_provider_appends_json_lines_in_a_new_folder(tmp_path: Path) -> None:
    outbox = tmp_path / "var" / "sms" / "outbox.jsonl"
    provider = FileSms(outbox)

    await provider.send_otp(to=PHONE, code=CODE, body=BODY)
    await provider.send_otp(to="+919000000001", code="000001", body="second")

    lines = [json.loads(line) for line in outbox.read_text().splitlines()]
    assert lines == [
        {"to": PHONE, "body": BODY, "code": CODE},
        {"to": "+919000000001", "body": "second", "code": "000001"},
    ]


async def test_console_provider_logs_the_message_at_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="minuteserv.sms"):
        await ConsoleSms().send_otp(to=PHONE, code=CODE, body=BODY)

    [record] = caplog.records
    assert (record.name, record.levelno) == ("minuteserv.sms", logging.WARNING)
    assert record.getMessage() == f"SMS to {PHONE}: {BODY}"


# --- Choosing a provider from the settings --------------------------------------------------

CREDENTIALS: dict[str, dict[str, str]] = {
    "msg91": {"msg91_auth_key": MSG91_KEY, "msg91_template_id": MSG91_TEMPLATE},
    "twilio": {
        "twilio_account_sid": TWILIO_SID,
        "twilio_auth_token": TWILIO_TOKEN,
        "twilio_from_number": TWILIO_FROM,
    },
}


@pytest.mark.parametrize(
    ("name", "kind"),
    [("console", ConsoleSms), ("file", FileSms), ("msg91", Msg91Sms), ("twilio", TwilioSms)],
)
async def test_sms_provider_setting_picks_the_provider(name: str, kind: type[Any]) -> None:
    settings = load_settings(_env_file=None, sms_provider=name, **CREDENTIALS.get(name, {}))

    provider = create_sms_provider(settings)

    assert isinstance(provider, kind)
    await provider.aclose()


@pytest.mark.parametrize(
    ("name", "missing"),
    [
        ("msg91", "msg91_auth_key"),
        ("msg91", "msg91_template_id"),
        ("twilio", "twilio_account_sid"),
        ("twilio", "twilio_auth_token"),
        ("twilio", "twilio_from_number"),
    ],
)
def test_real_provider_without_its_credential_refuses_to_load(name: str, missing: str) -> None:
    credentials = CREDENTIALS[name] | {missing: ""}

    with pytest.raises(ConfigError) as refused:
        load_settings(_env_file=None, sms_provider=name, **credentials)

    assert str(refused.value) == (
        f"invalid configuration: settings: {missing.upper()} must be set when SMS_PROVIDER={name}"
    )


# --- Through the API, with SMS_PROVIDER=msg91 -------------------------------------------------


@pytest.fixture
def settings_overrides(gateway_server: FakeHttpServer) -> dict[str, Any]:
    return {
        "sms_provider": "msg91",
        "msg91_api_base": gateway_server.url,
        **CREDENTIALS["msg91"],
        "sms_timeout_seconds": TIMEOUT,
    }


async def stored_codes(session: AsyncSession, phone: str) -> list[OtpVerification]:
    rows = list(
        await session.scalars(
            sa.select(OtpVerification).where(OtpVerification.phone_number == phone)
        )
    )
    await session.commit()
    return rows


async def test_send_otp_through_msg91_texts_the_stored_code(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    gateway_server: FakeHttpServer,
) -> None:
    phone = next_phone()

    response = await client.post("/api/v1/auth/send-otp", json={"phone_number": phone})

    assert response.status_code == 200
    [request] = gateway_server.requests
    assert request.query["mobile"] == [phone.removeprefix("+")]
    [code] = request.query["otp"]
    [row] = await stored_codes(session, phone)
    assert row.code_hash == otp.code_hash(phone=phone, code=code, secret=settings.jwt_secret)


async def test_failing_msg91_answers_502_and_stores_no_code(
    client: httpx.AsyncClient, session: AsyncSession, gateway: FakeSmsGateway
) -> None:
    gateway.reply = GATEWAY_DOWN
    phone = next_phone()

    response = await client.post("/api/v1/auth/send-otp", json={"phone_number": phone})

    assert response.status_code == 502
    assert response.json()["error"]["code"] == "SMS_DELIVERY_FAILED"
    assert await stored_codes(session, phone) == []


async def test_after_a_failed_sms_the_phone_may_retry_at_once(
    client: httpx.AsyncClient, gateway: FakeSmsGateway
) -> None:
    gateway.reply = GATEWAY_DOWN
    phone = next_phone()
    await client.post("/api/v1/auth/send-otp", json={"phone_number": phone})
    gateway.reply = MSG91_ACCEPTED

    response = await client.post("/api/v1/auth/send-otp", json={"phone_number": phone})

    assert response.status_code == 200

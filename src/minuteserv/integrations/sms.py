"""SMS providers behind one small interface: real clients and local stand-ins side by side.

`console` and `file` are for development and tests; `msg91` and `twilio` talk to the real
gateways over one pooled httpx client each. Every delivery failure, whatever its cause, comes
out as SmsDeliveryFailed (502), and no log line ever carries the code or a credential.
"""

import asyncio
import json
import logging
from pathlib import Path
from typing import Any, ClassVar, Protocol

import httpx

from minuteserv.core.config import Settings, SmsProviderName
from minuteserv.core.errors import BadGateway

logger = logging.getLogger("minuteserv.sms")


class SmsDeliveryFailed(BadGateway):
    code = "SMS_DELIVERY_FAILED"
    message = "The SMS could not be sent; nothing was stored. Try again shortly."


class SmsProvider(Protocol):
    async def send_otp(self, *, to: str, code: str, body: str) -> None: ...

    async def aclose(self) -> None: ...


class ConsoleSms:
    """Development stand-in: prints the message (and so the code) to the log."""

    async def send_otp(self, *, to: str, code: str, body: str) -> None:
        logger.warning("SMS to %s: %s", to, body)

    async def aclose(self) -> None:
        return None


class FileSms:
    """Test stand-in: appends one JSON line `{"to","body","code"}` per message to `outbox`."""

    def __init__(self, outbox: Path) -> None:
        self.outbox = outbox

    async def send_otp(self, *, to: str, code: str, body: str) -> None:
        await asyncio.to_thread(self._append, {"to": to, "body": body, "code": code})

    def _append(self, record: dict[str, str]) -> None:
        self.outbox.parent.mkdir(parents=True, exist_ok=True)
        with self.outbox.open("a", encoding="utf-8") as outbox:
            outbox.write(json.dumps(record) + "\n")

    async def aclose(self) -> None:
        return None


def _describe(error: Exception) -> str:
    """The failure without its URL: MSG91 carries the code in the query string."""
    if isinstance(error, httpx.HTTPStatusError):
        return f"HTTP {error.response.status_code}"
    return error.__class__.__name__


class HttpSms:
    """A gateway reached over HTTP: one pooled client, a hard deadline per message."""

    name: ClassVar[str]

    def __init__(self, http: httpx.AsyncClient, *, timeout_seconds: float) -> None:
        self._http = http
        self._timeout_seconds = timeout_seconds

    async def _post(self, path: str, **request: Any) -> httpx.Response:
        try:
            async with asyncio.timeout(self._timeout_seconds):
                response = await self._http.post(path, **request)
            response.raise_for_status()
        except (httpx.HTTPError, TimeoutError) as error:
            logger.warning("SMS via %s failed: %s", self.name, _describe(error))
            raise SmsDeliveryFailed() from None
        return response

    async def aclose(self) -> None:
        await self._http.aclose()


class Msg91Sms(HttpSms):
    """MSG91's OTP API: the DLT-approved template holds the text, so only the code is sent."""

    name = "msg91"

    def __init__(
        self, *, auth_key: str, template_id: str, api_base: str, timeout_seconds: float
    ) -> None:
        http = httpx.AsyncClient(
            base_url=api_base, headers={"authkey": auth_key}, timeout=timeout_seconds
        )
        super().__init__(http, timeout_seconds=timeout_seconds)
        self.template_id = template_id

    async def send_otp(self, *, to: str, code: str, body: str) -> None:
        query = {"template_id": self.template_id, "mobile": to.removeprefix("+"), "otp": code}
        response = await self._post("/api/v5/otp", params=query)
        if _msg91_refused(response):
            logger.warning("SMS via msg91 failed: the gateway answered type=error")
            raise SmsDeliveryFailed()


def _msg91_refused(response: httpx.Response) -> bool:
    """MSG91 reports some refusals (bad template, bad number) as HTTP 200 with type=error."""
    try:
        answer = response.json()
    except ValueError:
        return False
    return isinstance(answer, dict) and answer.get("type") == "error"


class TwilioSms(HttpSms):
    """Twilio's Messages API: form-encoded, HTTP basic auth with the account SID and token."""

    name = "twilio"

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        from_number: str,
        api_base: str,
        timeout_seconds: float,
    ) -> None:
        http = httpx.AsyncClient(
            base_url=api_base, auth=(account_sid, auth_token), timeout=timeout_seconds
        )
        super().__init__(http, timeout_seconds=timeout_seconds)
        self.account_sid = account_sid
        self.from_number = from_number

    async def send_otp(self, *, to: str, code: str, body: str) -> None:
        form = {"To": to, "From": self.from_number, "Body": body}
        await self._post(f"/2010-04-01/Accounts/{self.account_sid}/Messages.json", data=form)


def create_sms_provider(settings: Settings) -> SmsProvider:
    """The provider SMS_PROVIDER names; `load_settings` has checked its credentials."""
    match settings.sms_provider:
        case SmsProviderName.CONSOLE:
            return ConsoleSms()
        case SmsProviderName.FILE:
            return FileSms(Path(settings.sms_outbox))
        case SmsProviderName.MSG91:
            return Msg91Sms(
                auth_key=settings.msg91_auth_key,
                template_id=settings.msg91_template_id,
                api_base=settings.msg91_api_base,
                timeout_seconds=settings.sms_timeout_seconds,
            )
        case SmsProviderName.TWILIO:
            return TwilioSms(
                account_sid=settings.twilio_account_sid,
                auth_token=settings.twilio_auth_token,
                from_number=settings.twilio_from_number,
                api_base=settings.twilio_api_base,
                timeout_seconds=settings.sms_timeout_seconds,
            )

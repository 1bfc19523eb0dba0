"""SMS providers behind one small interface: real clients and local stand-ins side by side."""

import logging
from typing import Protocol

from minuteserv.core.config import Settings

logger = logging.getLogger("minuteserv.sms")


class SmsProvider(Protocol):
    async def send_otp(self, *, to: str, code: str, body: str) -> None: ...

    async def aclose(self) -> None: ...


class ConsoleSms:
    """Development stand-in: prints the message (and the code) to the log."""

    async def send_otp(self, *, to: str, code: str, body: str) -> None:
        logger.warning("SMS to %s: %s", to, body)

    async def aclose(self) -> None:
        return None


def create_sms_provider(settings: Settings) -> SmsProvider:
    return ConsoleSms()

"""SMS fakes: reading the `file` provider's outbox, and a stand-in MSG91/Twilio gateway."""

import json
import threading
from pathlib import Path
from typing import Any

from minuteserv.core.config import Settings
from tests.fakes.http_server import FakeResponse, RecordedRequest

MSG91_ACCEPTED = FakeResponse(200, {"type": "success", "request_id": "3a6b7c8d9e0f"})
TWILIO_ACCEPTED = FakeResponse(
    201, {"sid": "SM0123456789abcdef0123456789abcdef", "status": "queued"}
)


def outbox(settings: Settings) -> list[dict[str, Any]]:
    """Every message the `file` provider has written, oldest first."""
    path = Path(settings.sms_outbox)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def last_code_sent(settings: Settings, phone: str) -> str:
    code: str = [message for message in outbox(settings) if message["to"] == phone][-1]["code"]
    return code


class FakeSmsGateway:
    """A gateway handler for `running(...)`: answers every request with `reply`, which a test
    may change; `hang()` makes it hold requests until the test ends."""

    def __init__(self, reply: FakeResponse) -> None:
        self.reply = reply
        self._released = threading.Event()
        self._released.set()

    def __call__(self, request: RecordedRequest) -> FakeResponse:
        self._released.wait(timeout=10)
        return self.reply

    def hang(self) -> None:
        self._released.clear()

    def release(self) -> None:
        self._released.set()

"""PostgreSQL stopped and started again in the middle of a burst of bookings, under a real
`minuteserv serve`: 503 while it is down, service again by itself once it is back, and every
booking the app answered for is in the database."""

import asyncio
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from minuteserv.bookings.models import Booking
from minuteserv.core.config import Settings
from tests.checkout.helpers import Customer, confirm, prepare, signed_in_customer, tomorrow
from tests.factories import create_partner, create_service
from tests.system.helpers import database_session, error_code, overlapping_live_bookings, read
from tests.system.private_postgres import PrivatePostgres
from tests.system.servers import ServedApp, served, server_variables, settings_of

pytestmark = pytest.mark.slow

WORKERS = 8
PARTNERS = 2 * WORKERS
MAX_BOOKINGS_PER_WORKER = 25  # one a day, all within the 30 days that slots are offered for
BOOKINGS_BEFORE_OUTAGE = WORKERS
OUTAGE_SECONDS = 2.0
BURST_SECONDS = 40.0
REQUEST_TIMEOUT_SECONDS = 10.0
RETRY_PAUSE_SECONDS = 0.05
MAX_ATTEMPTS_PER_WORKER = BURST_SECONDS / RETRY_PAUSE_SECONDS
BOOKINGS_AFTER_RECOVERY = 2
SUCCESS = (200, 201)


def now() -> float:
    return asyncio.get_running_loop().time()


@dataclass(frozen=True)
class Answer:
    step: str
    response: httpx.Response | None  # None: nothing within the timeout
    sent_at: float
    answered_at: float

    @property
    def status(self) -> int | None:
        return self.response.status_code if self.response is not None else None

    def data(self) -> Any:
        assert self.response is not None
        return self.response.json()["data"]

    def verdict(self) -> tuple[int, str | None, str | None]:
        """The status, the error code and Retry-After."""
        assert self.response is not None
        retry_after = self.response.headers.get("Retry-After")
        return self.response.status_code, error_code(self.response), retry_after

    def shown(self) -> str:
        if self.response is None:
            return f"{self.step}: no answer in {self.answered_at - self.sent_at:.1f}s"
        return f"{self.step}: {self.status} {self.response.text[:300]}"


@dataclass
class Burst:
    """Every answer the workers got, and when the database went down and came back."""

    answers: list[Answer] = field(default_factory=list)
    booked: set[str] = field(default_factory=set)
    down_at: float = float("inf")
    restarting_at: float = float("inf")
    recovered_at: float = float("inf")
    enough_booked: asyncio.Event = field(default_factory=asyncio.Event)

    async def send(self, step: str, request: Awaitable[httpx.Response]) -> Answer:
        sent_at = now()
        try:
            response: httpx.Response | None = await request
        except httpx.TimeoutException:
            response = None
        answer = Answer(step, response, sent_at, now())
        self.answers.append(answer)
        return answer

    def record_booking(self, booking_id: str) -> None:
        self.booked.add(booking_id)
        if len(self.booked) >= BOOKINGS_BEFORE_OUTAGE:
            self.enough_booked.set()

    def while_down(self) -> list[Answer]:
        """Answers to requests sent after the stop and answered before the start began."""
        return [
            a
            for a in self.answers
            if a.sent_at > self.down_at and a.answered_at < self.restarting_at
        ]

    def booked_after_recovery(self) -> list[Answer]:
        return [
            a
            for a in self.answers
            if a.step == "confirm" and a.status in SUCCESS and a.sent_at > self.recovered_at
        ]


@dataclass
class Worker:
    """A customer booking one slot a day, the next day after each booking, retrying on error."""

    client: httpx.AsyncClient
    customer: Customer
    service_id: str
    slot: str
    bookings: int = 0
    bookings_after_recovery: int = 0
    preview_id: str | None = None

    def day(self) -> date:
        return tomorrow() + timedelta(days=self.bookings)

    async def prepare(self, burst: Burst) -> bool:
        day = self.day().isoformat()
        request = prepare(self.client, self.customer, [self.service_id], booking_date=day)
        answer = await burst.send("prepare", request)
        if answer.status == 200:
            self.preview_id = answer.data()["preview_id"]
        return answer.status == 200

    async def confirm(self, burst: Burst, preview_id: str) -> bool:
        request = confirm(self.client, self.customer, preview_id, day=self.day(), slot=self.slot)
        answer = await burst.send("confirm", request)
        if answer.status not in SUCCESS:
            return False
        burst.record_booking(answer.data()["booking"]["id"])
        self.bookings, self.preview_id = self.bookings + 1, None
        if answer.sent_at > burst.recovered_at:
            self.bookings_after_recovery += 1
        return True

    async def run(self, burst: Burst, until: float) -> None:
        attempts = 0
        while (
            self.bookings_after_recovery < BOOKINGS_AFTER_RECOVERY
            and self.bookings < MAX_BOOKINGS_PER_WORKER
            and attempts < MAX_ATTEMPTS_PER_WORKER
            and now() < until
        ):
            attempts += 1
            done = await (
                self.prepare(burst)
                if self.preview_id is None
                else self.confirm(burst, self.preview_id)
            )
            if not done:
                await asyncio.sleep(RETRY_PAUSE_SECONDS)


async def restart_midway(postgres: PrivatePostgres, burst: Burst, until: float) -> None:
    """Once the burst has booked a few, stop PostgreSQL (fast: sessions are cut off) and start
    it again OUTAGE_SECONDS later."""
    await asyncio.wait_for(burst.enough_booked.wait(), until - now())
    await asyncio.to_thread(postgres.stop)
    burst.down_at = now()
    await asyncio.sleep(OUTAGE_SECONDS)
    burst.restarting_at = now()
    await asyncio.to_thread(postgres.start)
    burst.recovered_at = now()


@pytest.fixture
def variables(private_postgres: PrivatePostgres, tmp_path: Path) -> dict[str, str]:
    return server_variables(private_postgres.url, tmp_path)


@pytest.fixture
async def app(variables: dict[str, str], tmp_path: Path) -> AsyncIterator[ServedApp]:
    async with served(variables, tmp_path) as app:
        yield app


async def workers(client: httpx.AsyncClient, database_url: str, settings: Settings) -> list[Worker]:
    """WORKERS customers, each with a slot of their own; twice as many partners as needed."""
    async with database_session(database_url) as session:
        for _ in range(PARTNERS):
            await create_partner(session)
        facial = await create_service(session)
        customers = [await signed_in_customer(session, settings) for _ in range(WORKERS)]
    slots = [f"{8 + index // 2:02d}:{30 * (index % 2):02d}" for index in range(WORKERS)]
    return [
        Worker(client, customer, str(facial.id), slot)
        for customer, slot in zip(customers, slots, strict=True)
    ]


async def test_database_restart_mid_burst_answers_503_then_recovers_and_loses_nothing(
    app: ServedApp, variables: dict[str, str], private_postgres: PrivatePostgres
) -> None:
    burst = Burst()
    async with app.client(timeout=REQUEST_TIMEOUT_SECONDS) as client:
        booking = await workers(client, private_postgres.url, settings_of(variables))
        until = now() + BURST_SECONDS
        async with asyncio.TaskGroup() as running:
            running.create_task(restart_midway(private_postgres, burst, until))
            for worker in booking:
                running.create_task(worker.run(burst, until))
        ready = await client.get("/readyz")

    unexpected = [a.shown() for a in burst.answers if a.status not in (*SUCCESS, 503)]
    assert unexpected == [], app.log_tail()
    down = burst.while_down()
    assert {answer.verdict() for answer in down} == {(503, "SERVICE_UNAVAILABLE", "2")}
    assert len(burst.booked_after_recovery()) == WORKERS * BOOKINGS_AFTER_RECOVERY
    assert app.process.returncode is None and ready.status_code == 200
    stored = await read(private_postgres.url, sa.select(Booking.id))
    assert burst.booked <= {str(booking_id) for booking_id in stored}
    assert await overlapping_live_bookings(private_postgres.url) == []

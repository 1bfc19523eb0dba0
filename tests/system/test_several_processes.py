"""Two `minuteserv serve` processes on one PostgreSQL: confirms and payment callbacks racing
across both keep every invariant, and the rate limit is one budget shared through Redis."""

import itertools
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from minuteserv.bookings.models import Booking, BookingStatus, PaymentStatus
from minuteserv.core.config import Settings
from minuteserv.payments.models import Payment, PaymentRecordStatus
from minuteserv.promos.models import PromoCode
from tests.checkout.helpers import Customer, at_ist, confirm, tomorrow
from tests.concurrency.helpers import customers, deliver, prepared, race, tally, verify
from tests.factories import create_booking, create_partner, create_promo, create_service
from tests.fakes.razorpay import FakeRazorpay
from tests.system.helpers import database_session, empty_tables, overlapping_live_bookings, read
from tests.system.servers import ServedApp, served_many, server_variables, settings_of

pytestmark = pytest.mark.slow

PROCESSES = 2
RACERS = 10
REPLAYS = 3
API_LIMIT = 10


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeRazorpay]:
    fake = FakeRazorpay().start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture(scope="module")
def variables(
    shared_cluster_database: str, fake: FakeRazorpay, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """Both processes pay through the fake Razorpay: the simulated gateway keeps its orders in
    one process's memory, so a payment could not be checked by the other process."""
    gateway = {name.upper(): str(value) for name, value in fake.settings_overrides().items()}
    workdir = tmp_path_factory.mktemp("several")
    return server_variables(shared_cluster_database, workdir, **gateway)


@pytest.fixture(scope="module")
def settings(variables: dict[str, str]) -> Settings:
    return settings_of(variables)


@pytest.fixture(scope="module")
async def apps(
    variables: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[list[ServedApp]]:
    async with served_many(PROCESSES, variables, tmp_path_factory.mktemp("apps")) as apps:
        yield apps


@pytest.fixture
async def clients(
    apps: list[ServedApp], shared_cluster_database: str
) -> AsyncIterator[list[httpx.AsyncClient]]:
    """One client per process; the tables are emptied after the test."""
    async with apps[0].client() as first, apps[1].client() as second:
        yield [first, second]
    await empty_tables(shared_cluster_database)


def alternating(clients: list[httpx.AsyncClient]) -> Iterator[httpx.AsyncClient]:
    return itertools.cycle(clients)


async def test_confirms_racing_on_two_processes_book_the_last_free_partner_once(
    clients: list[httpx.AsyncClient], settings: Settings, shared_cluster_database: str
) -> None:
    day = tomorrow()
    async with database_session(shared_cluster_database) as session:
        busy = await create_partner(session)
        await create_partner(session)
        facial = await create_service(session)
        racers = await customers(session, settings, RACERS)
        await create_booking(
            session,
            racers[0].user,
            racers[0].address,
            partner_id=busy.id,
            booking_date=day,
            start_at=at_ist(day, 10),
            end_at=at_ist(day, 11, 30),
        )
    previews = [await prepared(clients[0], racer, str(facial.id)) for racer in racers]

    answers = await race(
        confirm(client, racer, preview_id, day=day, slot="10:00 AM")
        for client, racer, preview_id in zip(alternating(clients), racers, previews, strict=False)
    )

    assert tally(answers) == {(201, None): 1, (409, "SLOT_UNAVAILABLE"): RACERS - 1}
    assert len(await read(shared_cluster_database, sa.select(Booking.id))) == 2
    assert await overlapping_live_bookings(shared_cluster_database) == []


async def test_confirms_racing_on_two_processes_never_use_a_promo_past_its_limit(
    clients: list[httpx.AsyncClient], settings: Settings, shared_cluster_database: str
) -> None:
    async with database_session(shared_cluster_database) as session:
        for _ in range(RACERS):
            await create_partner(session)
        await create_promo(session, code="LASTONE", usage_limit=5, used_count=4)
        facial = await create_service(session, product_cost=Decimal("1000.00"))
        racers = await customers(session, settings, RACERS)
    previews = [
        await prepared(clients[1], racer, str(facial.id), promo_code="LASTONE") for racer in racers
    ]

    answers = await race(
        confirm(client, racer, preview_id, day=tomorrow(), slot="10:00 AM")
        for client, racer, preview_id in zip(alternating(clients), racers, previews, strict=False)
    )

    assert tally(answers) == {(201, None): 1, (409, "PROMO_UNAVAILABLE"): RACERS - 1}
    discounts = await read(shared_cluster_database, sa.select(Booking.discount))
    assert discounts == [Decimal("100.00")]
    assert await read(shared_cluster_database, sa.select(PromoCode.used_count)) == [5]


async def online_booking(
    client: httpx.AsyncClient, settings: Settings, database_url: str
) -> tuple[Customer, str, str]:
    """A customer's pending online booking tomorrow at 10:00 AM: (customer, booking, order)."""
    async with database_session(database_url) as session:
        await create_partner(session)
        facial = await create_service(session, product_cost=Decimal("1000.00"))
        [customer] = await customers(session, settings, 1)
    preview_id = await prepared(client, customer, str(facial.id))
    response = await confirm(client, customer, preview_id, day=tomorrow(), method="online")
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    return customer, data["booking"]["id"], data["payment"]["order_id"]


async def test_verifies_and_webhooks_split_across_processes_capture_one_payment(
    clients: list[httpx.AsyncClient],
    settings: Settings,
    shared_cluster_database: str,
    fake: FakeRazorpay,
) -> None:
    customer, booking_id, order_id = await online_booking(
        clients[0], settings, shared_cluster_database
    )
    payment = fake.capture(order_id)
    checkout = fake.checkout_response(payment)
    captured = fake.webhook("payment.captured", payment=payment, event_id="evt_split_captured")
    order_paid = fake.webhook(
        "order.paid", payment=payment, order=fake.orders[order_id], event_id="evt_split_paid"
    )

    answers = await race(
        request
        for client in clients
        for request in [
            *(verify(client, customer, checkout) for _ in range(REPLAYS)),
            *(deliver(client, captured) for _ in range(REPLAYS)),
            *(deliver(client, order_paid) for _ in range(REPLAYS)),
        ]
    )

    assert tally(answers) == {(200, None): len(clients) * 3 * REPLAYS}
    [booking] = await read(shared_cluster_database, sa.select(Booking))
    assert (str(booking.id), booking.status, booking.payment_status) == (
        booking_id,
        BookingStatus.CONFIRMED,
        PaymentStatus.PAID,
    )
    [stored] = await read(shared_cluster_database, sa.select(Payment))
    assert (stored.status, stored.razorpay_payment_id) == (
        PaymentRecordStatus.CAPTURED,
        payment["id"],
    )


@pytest.fixture
async def limited_apps(
    shared_cluster_database: str, redis_url: str, tmp_path: Path
) -> AsyncIterator[list[ServedApp]]:
    """Two processes whose API limit is API_LIMIT a minute per address, counted in Redis."""
    variables = server_variables(
        shared_cluster_database, tmp_path, REDIS_URL=redis_url, RATE_LIMIT_API=f"{API_LIMIT}/minute"
    )
    async with served_many(PROCESSES, variables, tmp_path) as apps:
        yield apps


async def test_rate_limit_is_one_budget_across_processes(limited_apps: list[ServedApp]) -> None:
    catalog = "/api/v1/services/catalog"
    async with limited_apps[0].client() as first, limited_apps[1].client() as second:
        within = [
            await client.get(catalog)
            for client in itertools.islice(alternating([first, second]), API_LIMIT)
        ]
        over = [await first.get(catalog), await second.get(catalog)]

    assert [response.status_code for response in within] == [200] * API_LIMIT
    assert [response.status_code for response in over] == [429, 429]
    for response in over:
        assert response.json()["error"]["code"] == "RATE_LIMITED"
        assert 1 <= int(response.headers["Retry-After"]) <= 60

"""Payment faults seen through a real `minuteserv serve`: a gateway that hangs at confirm is a
502 within the timeout that leaves nothing half made, and a webhook for an order we never
made is a 200 that is logged and changes nothing."""

import time
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from minuteserv.bookings.models import Booking
from minuteserv.checkout.models import CheckoutPreview
from minuteserv.core.config import Settings
from minuteserv.payments.models import Payment, WebhookEvent
from minuteserv.promos.models import PromoCode
from tests.checkout.helpers import confirm, tomorrow
from tests.concurrency.helpers import customers, deliver, prepared
from tests.factories import create_partner, create_promo, create_service
from tests.fakes.razorpay import HANG_SECONDS, FakeRazorpay
from tests.system.helpers import database_session, empty_tables, error_code, read
from tests.system.servers import ServedApp, served, server_variables, settings_of

pytestmark = pytest.mark.slow

GATEWAY_TIMEOUT_SECONDS = 0.5
# The timeout plus room for a loaded machine, yet before the hanging fake would answer at all.
ANSWER_WITHIN_SECONDS = HANG_SECONDS - 0.5


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
    gateway = {name.upper(): str(value) for name, value in fake.settings_overrides().items()}
    return server_variables(
        shared_cluster_database,
        tmp_path_factory.mktemp("payment-faults"),
        GATEWAY_TIMEOUT_SECONDS=str(GATEWAY_TIMEOUT_SECONDS),
        **gateway,
    )


@pytest.fixture(scope="module")
def settings(variables: dict[str, str]) -> Settings:
    return settings_of(variables)


@pytest.fixture(scope="module")
async def app(
    variables: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[ServedApp]:
    async with served(variables, tmp_path_factory.mktemp("app")) as app:
        yield app


@pytest.fixture
async def client(
    app: ServedApp, fake: FakeRazorpay, shared_cluster_database: str
) -> AsyncIterator[httpx.AsyncClient]:
    async with app.client() as client:
        yield client
    fake.mode = "ok"
    await empty_tables(shared_cluster_database)


async def test_hanging_gateway_at_confirm_is_502_within_the_timeout_and_books_nothing(
    client: httpx.AsyncClient, settings: Settings, shared_cluster_database: str, fake: FakeRazorpay
) -> None:
    async with database_session(shared_cluster_database) as session:
        await create_partner(session)
        facial = await create_service(session, product_cost=Decimal("1000.00"))
        await create_promo(session, code="ONCE", usage_limit=1)
        [customer] = await customers(session, settings, 1)
    preview_id = await prepared(client, customer, str(facial.id), promo_code="ONCE")
    fake.mode = "hang"

    started = time.monotonic()
    response = await confirm(client, customer, preview_id, day=tomorrow(), method="online")
    took = time.monotonic() - started

    assert (response.status_code, error_code(response)) == (502, "PAYMENT_GATEWAY_ERROR")
    assert GATEWAY_TIMEOUT_SECONDS <= took < ANSWER_WITHIN_SECONDS
    assert await read(shared_cluster_database, sa.select(Booking.id)) == []
    assert await read(shared_cluster_database, sa.select(Payment.id)) == []
    assert await read(shared_cluster_database, sa.select(PromoCode.used_count)) == [0]
    assert await read(shared_cluster_database, sa.select(CheckoutPreview.booking_id)) == [None]


async def order_made_elsewhere(fake: FakeRazorpay) -> dict[str, Any]:
    """An order on the same Razorpay account that this app never made."""
    auth = (fake.key_id, fake.key_secret)
    async with httpx.AsyncClient(base_url=fake.url, auth=auth) as razorpay:
        body = {"amount": 50000, "currency": "INR", "receipt": "another-shop-1"}
        response = await razorpay.post("/v1/orders", json=body)
    order: dict[str, Any] = response.json()
    return order


async def test_webhook_for_an_unknown_order_is_200_logged_and_changes_nothing(
    client: httpx.AsyncClient, app: ServedApp, shared_cluster_database: str, fake: FakeRazorpay
) -> None:
    order = await order_made_elsewhere(fake)
    stray = fake.capture(order["id"])

    response = await deliver(client, fake.webhook("payment.captured", payment=stray))

    assert response.status_code == 200
    assert response.json()["data"] == {"outcome": "unknown_order"}
    assert f"webhook for unknown order {order['id']}; nothing changed" in app.log_tail()
    assert await read(shared_cluster_database, sa.select(Booking.id)) == []
    assert await read(shared_cluster_database, sa.select(Payment.id)) == []
    events = await read(shared_cluster_database, sa.select(WebhookEvent.outcome))
    assert events == ["unknown_order"]

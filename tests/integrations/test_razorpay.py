import base64
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from minuteserv.core.config import Settings, load_settings
from minuteserv.integrations.payments import (
    GatewayError,
    GatewayOrder,
    GatewayPayment,
    GatewayRefund,
    create_gateway,
)
from minuteserv.integrations.razorpay import RazorpayClient
from minuteserv.integrations.signatures import verify_payment_signature, verify_webhook_signature
from tests.fakes.http_server import FakeResponse, RecordedRequest, running
from tests.fakes.razorpay import FakeRazorpay

NOTES = {"booking_number": "MS-20260101-0001"}
REFUND_KEY = "refund-3f2a9c1e-0001"


def razorpay_settings(fake: FakeRazorpay, **overrides: Any) -> Settings:
    values = {"_env_file": None, "app_env": "test", **fake.settings_overrides(), **overrides}
    return load_settings(**values)


@pytest.fixture
async def gateway(fake_razorpay: FakeRazorpay) -> AsyncIterator[RazorpayClient]:
    client = RazorpayClient.from_settings(razorpay_settings(fake_razorpay))
    yield client
    await client.aclose()


def basic_auth(fake: FakeRazorpay) -> str:
    return "Basic " + base64.b64encode(f"{fake.key_id}:{fake.key_secret}".encode()).decode()


async def create_order(gateway: RazorpayClient, amount_paise: int = 33120) -> GatewayOrder:
    return await gateway.create_order(amount_paise=amount_paise, receipt="MS-1", notes=NOTES)


async def test_settings_choose_the_razorpay_client(
    fake_razorpay: FakeRazorpay,
) -> None:
    gateway = create_gateway(razorpay_settings(fake_razorpay))
    assert isinstance(gateway, RazorpayClient)
    assert (gateway.key_id, gateway.key_secret) == (fake_razorpay.key_id, fake_razorpay.key_secret)
    await gateway.aclose()


async def test_create_order_posts_paise_with_basic_auth(
    gateway: RazorpayClient,
    fake_razorpay: FakeRazorpay,
) -> None:
    order = await create_order(gateway, amount_paise=33120)
    [request] = fake_razorpay.requests
    assert (request.method, request.path) == ("POST", "/v1/orders")
    assert request.headers["authorization"] == basic_auth(fake_razorpay)
    assert request.headers["content-type"] == "application/json"
    assert request.json() == {
        "amount": 33120,
        "currency": "INR",
        "receipt": "MS-1",
        "notes": NOTES,
    }
    assert order == GatewayOrder(
        id=order.id, amount=33120, currency="INR", receipt="MS-1", status="created"
    )
    assert order.id in fake_razorpay.orders


async def test_fetch_order_gets_the_order_by_id(
    gateway: RazorpayClient,
    fake_razorpay: FakeRazorpay,
) -> None:
    order = await create_order(gateway)
    fake_razorpay.capture(order.id)
    fetched = await gateway.fetch_order(order.id)
    request = fake_razorpay.requests[-1]
    assert (request.method, request.path) == ("GET", f"/v1/orders/{order.id}")
    assert request.headers["authorization"] == basic_auth(fake_razorpay)
    assert fetched == GatewayOrder(
        id=order.id, amount=33120, currency="INR", receipt="MS-1", status="paid"
    )


async def test_fetch_order_payments_lists_every_attempt(
    gateway: RazorpayClient,
    fake_razorpay: FakeRazorpay,
) -> None:
    order = await create_order(gateway)
    failed = fake_razorpay.fail_payment(order.id)
    captured = fake_razorpay.capture(order.id)
    payments = await gateway.fetch_order_payments(order.id)
    request = fake_razorpay.requests[-1]
    assert (request.method, request.path) == ("GET", f"/v1/orders/{order.id}/payments")
    assert request.headers["authorization"] == basic_auth(fake_razorpay)
    assert payments == [
        GatewayPayment(
            id=failed["id"],
            order_id=order.id,
            amount=33120,
            currency="INR",
            status="failed",
            method="upi",
            error_description="Payment failed",
        ),
        GatewayPayment(
            id=captured["id"],
            order_id=order.id,
            amount=33120,
            currency="INR",
            status="captured",
            method="upi",
        ),
    ]


async def test_fetch_payment_gets_the_payment_by_id(
    gateway: RazorpayClient,
    fake_razorpay: FakeRazorpay,
) -> None:
    order = await create_order(gateway)
    captured = fake_razorpay.capture(order.id, amount_paise=100)
    payment = await gateway.fetch_payment(captured["id"])
    request = fake_razorpay.requests[-1]
    assert (request.method, request.path) == ("GET", f"/v1/payments/{captured['id']}")
    assert request.headers["authorization"] == basic_auth(fake_razorpay)
    assert payment == GatewayPayment(
        id=captured["id"],
        order_id=order.id,
        amount=100,
        currency="INR",
        status="captured",
        method="upi",
    )


async def test_refund_posts_paise_with_the_idempotency_header(
    gateway: RazorpayClient,
    fake_razorpay: FakeRazorpay,
) -> None:
    order = await create_order(gateway)
    payment = fake_razorpay.capture(order.id)
    refund = await gateway.refund(
        payment_id=payment["id"], amount_paise=16560, idempotency_key=REFUND_KEY, notes=NOTES
    )
    request = fake_razorpay.requests[-1]
    assert (request.method, request.path) == ("POST", f"/v1/payments/{payment['id']}/refund")
    assert request.headers["authorization"] == basic_auth(fake_razorpay)
    assert request.headers["x-refund-idempotency"] == REFUND_KEY
    assert request.json() == {"amount": 16560, "notes": NOTES}
    assert refund == GatewayRefund(
        id=refund.id, payment_id=payment["id"], amount=16560, status="processed"
    )


async def test_refund_retried_with_the_same_key_returns_the_same_refund(
    gateway: RazorpayClient,
    fake_razorpay: FakeRazorpay,
) -> None:
    order = await create_order(gateway)
    payment = fake_razorpay.capture(order.id)
    first = await gateway.refund(
        payment_id=payment["id"], amount_paise=16560, idempotency_key=REFUND_KEY, notes=NOTES
    )
    again = await gateway.refund(
        payment_id=payment["id"], amount_paise=16560, idempotency_key=REFUND_KEY, notes=NOTES
    )
    assert again == first
    assert list(fake_razorpay.refunds) == [first.id]


async def test_refund_key_reused_for_another_amount_raises(
    gateway: RazorpayClient,
    fake_razorpay: FakeRazorpay,
) -> None:
    order = await create_order(gateway)
    payment = fake_razorpay.capture(order.id)
    first = await gateway.refund(
        payment_id=payment["id"], amount_paise=16560, idempotency_key=REFUND_KEY, notes=NOTES
    )
    with pytest.raises(GatewayError, match="same idempotency key"):
        await gateway.refund(
            payment_id=payment["id"], amount_paise=100, idempotency_key=REFUND_KEY, notes=NOTES
        )
    assert list(fake_razorpay.refunds) == [first.id]


async def test_refusal_raises_with_razorpays_description(
    gateway: RazorpayClient,
    fake_razorpay: FakeRazorpay,
) -> None:
    with pytest.raises(GatewayError, match=r"400 .*: The id provided does not exist"):
        await gateway.fetch_payment("pay_DoesNotExist0001")


async def test_wrong_credentials_raise_without_leaking_the_secret(
    fake_razorpay: FakeRazorpay,
) -> None:
    settings = razorpay_settings(fake_razorpay, razorpay_key_secret="wrong-key-secret")
    gateway = RazorpayClient.from_settings(settings)
    with pytest.raises(GatewayError, match="401") as raised:
        await create_order(gateway)
    await gateway.aclose()
    assert "wrong-key-secret" not in str(raised.value)
    assert fake_razorpay.orders == {}


async def test_server_error_raises_and_creates_nothing(
    gateway: RazorpayClient,
    fake_razorpay: FakeRazorpay,
) -> None:
    fake_razorpay.mode = "fail"
    with pytest.raises(GatewayError, match="500") as raised:
        await create_order(gateway)
    assert fake_razorpay.key_secret not in str(raised.value)
    assert fake_razorpay.orders == {}


async def test_hanging_gateway_raises_once_the_timeout_passes(
    fake_razorpay: FakeRazorpay,
) -> None:
    fake_razorpay.mode = "hang"
    gateway = RazorpayClient.from_settings(
        razorpay_settings(fake_razorpay, gateway_timeout_seconds=0.3)
    )
    started = time.monotonic()
    with pytest.raises(GatewayError, match="did not answer"):
        await create_order(gateway)
    await gateway.aclose()
    assert time.monotonic() - started < 1.5
    assert fake_razorpay.orders == {}


async def test_unreachable_gateway_raises(fake_razorpay: FakeRazorpay) -> None:
    url = fake_razorpay.url
    fake_razorpay.stop()
    gateway = RazorpayClient.from_settings(razorpay_settings(fake_razorpay, razorpay_api_base=url))
    with pytest.raises(GatewayError, match="could not reach Razorpay"):
        await create_order(gateway)
    await gateway.aclose()


async def test_unparsable_answer_raises(fake_razorpay: FakeRazorpay) -> None:
    def html_page(request: RecordedRequest) -> FakeResponse:
        return FakeResponse(200, b"<html>maintenance</html>")

    with running(html_page) as server:
        settings = razorpay_settings(fake_razorpay, razorpay_api_base=server.url)
        gateway = RazorpayClient.from_settings(settings)
        with pytest.raises(GatewayError, match="not what we expect"):
            await create_order(gateway)
        await gateway.aclose()


async def test_answer_of_the_wrong_shape_raises(
    gateway: RazorpayClient,
    fake_razorpay: FakeRazorpay,
) -> None:
    order = await create_order(gateway)
    fake_razorpay.orders[order.id]["amount"] = "a lot"
    with pytest.raises(GatewayError, match="not what we expect"):
        await gateway.fetch_order(order.id)


async def test_an_id_that_is_not_razorpays_never_reaches_the_network(
    gateway: RazorpayClient,
    fake_razorpay: FakeRazorpay,
) -> None:
    with pytest.raises(GatewayError, match="not a Razorpay id"):
        await gateway.fetch_payment("../orders/order_X")
    assert fake_razorpay.requests == []


def test_fake_checkout_response_is_signed_with_the_key_secret(
    fake_razorpay: FakeRazorpay,
) -> None:
    fake_razorpay.orders["order_Test0000000001"] = {
        "id": "order_Test0000000001",
        "amount": 33120,
        "currency": "INR",
        "attempts": 0,
    }
    response = fake_razorpay.checkout_response(fake_razorpay.capture("order_Test0000000001"))
    assert verify_payment_signature(
        order_id=response["razorpay_order_id"],
        payment_id=response["razorpay_payment_id"],
        signature=response["razorpay_signature"],
        secret=fake_razorpay.key_secret,
    )


def test_fake_webhook_is_a_signed_razorpay_event(fake_razorpay: FakeRazorpay) -> None:
    payment = {"id": "pay_Test0000000001", "entity": "payment", "status": "captured"}
    body, headers = fake_razorpay.webhook("payment.captured", payment=payment, event_id="evt-1")
    assert verify_webhook_signature(
        body=body, signature=headers["X-Razorpay-Signature"], secret=fake_razorpay.webhook_secret
    )
    assert headers["X-Razorpay-Event-Id"] == "evt-1"
    event = json.loads(body)
    assert (event["entity"], event["event"], event["contains"]) == (
        "event",
        "payment.captured",
        ["payment"],
    )
    assert event["payload"] == {"payment": {"entity": payment}}

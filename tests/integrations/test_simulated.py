import re

import pytest

from minuteserv.core.config import Settings, load_settings
from minuteserv.integrations.payments import (
    GatewayError,
    GatewayOrder,
    GatewayPayment,
    GatewayRefund,
    create_gateway,
)
from minuteserv.integrations.signatures import verify_payment_signature
from minuteserv.integrations.simulated import SimulatedGateway

NOTES = {"booking_number": "MS-20260101-0001"}


def simulated_settings(**overrides: str) -> Settings:
    return load_settings(_env_file=None, app_env="test", payment_gateway="simulated", **overrides)


@pytest.fixture
def gateway() -> SimulatedGateway:
    return SimulatedGateway(key_secret="simulated-test-secret")


async def paid_order(gateway: SimulatedGateway, amount_paise: int = 33120) -> str:
    order = await gateway.create_order(amount_paise=amount_paise, receipt="MS-1", notes=NOTES)
    return gateway.pay(order.id).payment_id


def test_settings_choose_the_simulated_gateway_with_the_dev_secret() -> None:
    gateway = create_gateway(simulated_settings())
    assert isinstance(gateway, SimulatedGateway)
    assert (gateway.key_id, gateway.key_secret) == ("rzp_test_simulated", "simulated-key-secret")


def test_simulated_gateway_signs_with_the_configured_key_secret() -> None:
    gateway = create_gateway(simulated_settings(razorpay_key_secret="configured-secret"))
    assert gateway.key_secret == "configured-secret"


async def test_create_order_returns_a_created_order_in_paise(gateway: SimulatedGateway) -> None:
    order = await gateway.create_order(amount_paise=33120, receipt="MS-1", notes=NOTES)
    assert re.fullmatch(r"order_SIM[A-Za-z0-9]{14}", order.id)
    assert order == GatewayOrder(
        id=order.id, amount=33120, currency="INR", receipt="MS-1", status="created"
    )
    assert await gateway.fetch_order(order.id) == order


async def test_order_under_one_rupee_is_refused(gateway: SimulatedGateway) -> None:
    with pytest.raises(GatewayError):
        await gateway.create_order(amount_paise=99, receipt="MS-1", notes=NOTES)


async def test_pay_captures_the_full_amount_and_marks_the_order_paid(
    gateway: SimulatedGateway,
) -> None:
    order = await gateway.create_order(amount_paise=33120, receipt="MS-1", notes=NOTES)
    paid = gateway.pay(order.id)
    assert re.fullmatch(r"pay_SIM[A-Za-z0-9]{14}", paid.payment_id)
    assert paid.order_id == order.id
    assert (await gateway.fetch_order(order.id)).status == "paid"
    assert await gateway.fetch_payment(paid.payment_id) == GatewayPayment(
        id=paid.payment_id,
        order_id=order.id,
        amount=33120,
        currency="INR",
        status="captured",
        method="upi",
    )


async def test_pay_signs_like_razorpay_checkout(gateway: SimulatedGateway) -> None:
    order = await gateway.create_order(amount_paise=33120, receipt="MS-1", notes=NOTES)
    paid = gateway.pay(order.id)
    assert verify_payment_signature(
        order_id=paid.order_id,
        payment_id=paid.payment_id,
        signature=paid.signature,
        secret="simulated-test-secret",
    )


async def test_paying_twice_returns_the_same_payment(gateway: SimulatedGateway) -> None:
    order = await gateway.create_order(amount_paise=33120, receipt="MS-1", notes=NOTES)
    first = gateway.pay(order.id)
    assert gateway.pay(order.id) == first
    assert len(await gateway.fetch_order_payments(order.id)) == 1


def test_paying_an_unknown_order_raises(gateway: SimulatedGateway) -> None:
    with pytest.raises(GatewayError):
        gateway.pay("order_SIMdoesnotexist00")


async def test_fetch_order_payments_is_empty_before_paying(gateway: SimulatedGateway) -> None:
    order = await gateway.create_order(amount_paise=33120, receipt="MS-1", notes=NOTES)
    assert await gateway.fetch_order_payments(order.id) == []


async def test_fetch_order_payments_lists_the_payment(gateway: SimulatedGateway) -> None:
    order = await gateway.create_order(amount_paise=33120, receipt="MS-1", notes=NOTES)
    paid = gateway.pay(order.id)
    payments = await gateway.fetch_order_payments(order.id)
    assert [(payment.id, payment.status) for payment in payments] == [(paid.payment_id, "captured")]


@pytest.mark.parametrize("call", ["fetch_order", "fetch_order_payments", "fetch_payment"])
async def test_fetching_an_unknown_id_raises(gateway: SimulatedGateway, call: str) -> None:
    with pytest.raises(GatewayError):
        await getattr(gateway, call)("order_SIMdoesnotexist00")


async def test_refund_is_processed_at_once(gateway: SimulatedGateway) -> None:
    payment_id = await paid_order(gateway)
    refund = await gateway.refund(
        payment_id=payment_id, amount_paise=10000, idempotency_key="refund-key-0001", notes=NOTES
    )
    assert re.fullmatch(r"rfnd_SIM[A-Za-z0-9]{14}", refund.id)
    assert refund == GatewayRefund(
        id=refund.id, payment_id=payment_id, amount=10000, status="processed"
    )
    assert (await gateway.fetch_payment(payment_id)).status == "captured"


async def test_refund_with_the_same_key_returns_the_same_refund(
    gateway: SimulatedGateway,
) -> None:
    payment_id = await paid_order(gateway)
    first = await gateway.refund(
        payment_id=payment_id, amount_paise=10000, idempotency_key="refund-key-0001", notes=NOTES
    )
    again = await gateway.refund(
        payment_id=payment_id, amount_paise=10000, idempotency_key="refund-key-0001", notes=NOTES
    )
    assert again == first


async def test_refund_with_a_new_key_makes_another_refund(gateway: SimulatedGateway) -> None:
    payment_id = await paid_order(gateway)
    first = await gateway.refund(
        payment_id=payment_id, amount_paise=10000, idempotency_key="refund-key-0001", notes=NOTES
    )
    second = await gateway.refund(
        payment_id=payment_id, amount_paise=10000, idempotency_key="refund-key-0002", notes=NOTES
    )
    assert second.id != first.id


async def test_reusing_a_key_for_another_amount_raises(gateway: SimulatedGateway) -> None:
    payment_id = await paid_order(gateway)
    await gateway.refund(
        payment_id=payment_id, amount_paise=10000, idempotency_key="refund-key-0001", notes=NOTES
    )
    with pytest.raises(GatewayError):
        await gateway.refund(
            payment_id=payment_id, amount_paise=5000, idempotency_key="refund-key-0001", notes=NOTES
        )


async def test_full_refund_marks_the_payment_refunded(gateway: SimulatedGateway) -> None:
    payment_id = await paid_order(gateway, amount_paise=33120)
    await gateway.refund(
        payment_id=payment_id, amount_paise=33120, idempotency_key="refund-key-0001", notes=NOTES
    )
    assert (await gateway.fetch_payment(payment_id)).status == "refunded"


async def test_refund_beyond_what_was_captured_raises(gateway: SimulatedGateway) -> None:
    payment_id = await paid_order(gateway, amount_paise=33120)
    await gateway.refund(
        payment_id=payment_id, amount_paise=30000, idempotency_key="refund-key-0001", notes=NOTES
    )
    with pytest.raises(GatewayError):
        await gateway.refund(
            payment_id=payment_id, amount_paise=3121, idempotency_key="refund-key-0002", notes=NOTES
        )
    assert (await gateway.fetch_payment(payment_id)).status == "captured"


async def test_refund_of_an_unknown_payment_raises(gateway: SimulatedGateway) -> None:
    with pytest.raises(GatewayError):
        await gateway.refund(
            payment_id="pay_SIMdoesnotexist00",
            amount_paise=100,
            idempotency_key="refund-key-0001",
            notes=NOTES,
        )

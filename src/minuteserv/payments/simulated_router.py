"""Development only: pay a simulated order the way a customer would in Razorpay Checkout.
Mounted only when the gateway is `simulated`."""

from fastapi import APIRouter

from minuteserv.core.envelope import Envelope, error_responses
from minuteserv.integrations.payments import GatewayError
from minuteserv.integrations.simulated import SimulatedGateway
from minuteserv.payments.dependencies import GatewayDep
from minuteserv.payments.errors import SimulatedOrderUnknown
from minuteserv.payments.schemas import SimulatedCheckout

router = APIRouter(prefix="/payments/simulated", tags=["development"])


@router.post(
    "/orders/{order_id}/pay",
    response_model=Envelope[SimulatedCheckout],
    responses=error_responses(404),
)
async def pay_simulated_order(order_id: str, gateway: GatewayDep) -> Envelope[SimulatedCheckout]:
    """Capture the order's full amount and answer what Checkout would hand the app."""
    assert isinstance(gateway, SimulatedGateway)
    try:
        paid = gateway.pay(order_id)
    except GatewayError as error:
        raise SimulatedOrderUnknown() from error
    return Envelope(
        data=SimulatedCheckout(
            razorpay_order_id=paid.order_id,
            razorpay_payment_id=paid.payment_id,
            razorpay_signature=paid.signature,
        )
    )

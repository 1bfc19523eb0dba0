from fastapi import APIRouter

from minuteserv.auth.dependencies import CurrentUser
from minuteserv.core.db import SessionDep
from minuteserv.core.envelope import Envelope, error_responses
from minuteserv.payments import service
from minuteserv.payments.dependencies import GatewayDep, NotifierDep
from minuteserv.payments.schemas import VerifyRequest, VerifyResult

router = APIRouter(prefix="/payments", tags=["payments"])


@router.post(
    "/verify",
    response_model=Envelope[VerifyResult],
    responses=error_responses(400, 401, 404, 422, 502),
)
async def verify(
    body: VerifyRequest,
    user: CurrentUser,
    session: SessionDep,
    gateway: GatewayDep,
    notifier: NotifierDep,
) -> Envelope[VerifyResult]:
    """Check Razorpay Checkout's signature for the caller's order and record the payment."""
    booking = await service.verify(
        session,
        user_id=user.id,
        order_id=body.razorpay_order_id,
        payment_id=body.razorpay_payment_id,
        signature=body.razorpay_signature,
        gateway=gateway,
        notifier=notifier,
    )
    return Envelope(
        data=VerifyResult(
            booking_id=booking.id, status=booking.status, payment_status=booking.payment_status
        )
    )

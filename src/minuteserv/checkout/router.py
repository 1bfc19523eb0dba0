from collections import Counter

from fastapi import APIRouter, Response, status

from minuteserv.auth.dependencies import ClaimedUserId
from minuteserv.bookings.dependencies import SchedulesDep
from minuteserv.bookings.schemas import BookingSummary
from minuteserv.checkout import confirmation, service
from minuteserv.checkout.schemas import (
    CheckoutPayment,
    ConfirmRequest,
    ConfirmResult,
    PrepareRequest,
    PrepareResult,
    PricingOut,
    PromoOut,
    priced_lines,
)
from minuteserv.core import clock
from minuteserv.core.db import SessionDep
from minuteserv.core.deps import SettingsDep
from minuteserv.core.envelope import Envelope, error_responses
from minuteserv.core.money import to_paise
from minuteserv.payments.dependencies import GatewayDep

router = APIRouter(prefix="/checkout", tags=["checkout"])


@router.post(
    "/prepare", response_model=Envelope[PrepareResult], responses=error_responses(401, 404, 422)
)
async def prepare(
    body: PrepareRequest,
    user_id: ClaimedUserId,
    session: SessionDep,
    schedules: SchedulesDep,
    settings: SettingsDep,
) -> Envelope[PrepareResult]:
    """Price a cart from the catalog, judge the promo code, and list the free slots."""
    quantities = Counter(body.service_ids or [])
    for item in body.items or []:
        quantities[item.service_id] += item.quantity
    request = service.CartRequest(
        quantities=quantities,
        address_id=body.address_id,
        promo_code=body.promo_code,
        booking_date=body.booking_date,
    )
    prepared = await service.prepare(
        session,
        user_id=user_id,
        request=request,
        schedules=schedules,
        settings=settings,
        now=clock.now(),
    )
    preview = prepared.preview
    return Envelope(
        data=PrepareResult(
            preview_id=preview.id,
            expires_at=preview.expires_at,
            services=priced_lines(preview.items),
            pricing=PricingOut.model_validate(preview, from_attributes=True),
            promo=PromoOut.model_validate(preview.promo) if preview.promo else None,
            duration_minutes=preview.duration_minutes,
            booking_date=prepared.booking_date,
            available_slots=prepared.slots,
        )
    )


@router.post(
    "/confirm",
    response_model=Envelope[ConfirmResult],
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 404, 409, 410, 422, 502),
)
async def confirm(
    body: ConfirmRequest,
    user_id: ClaimedUserId,
    session: SessionDep,
    settings: SettingsDep,
    gateway: GatewayDep,
    response: Response,
) -> Envelope[ConfirmResult]:
    """Book the preview in the chosen slot; online payment answers with the Razorpay order.
    Confirming the same preview again answers 200 with the same booking."""
    choice = confirmation.BookingChoice(
        preview_id=body.preview_id,
        payment_method=body.method,
        booking_date=body.booking_date,
        booking_time=body.booking_time,
        address_id=body.address_id,
        customer_name=body.customer_name,
        customer_phone=body.customer_phone,
        customer_email=body.customer_email,
    )
    confirmed = await confirmation.confirm(
        session,
        user_id=user_id,
        choice=choice,
        gateway=gateway,
        settings=settings,
        now=clock.now(),
    )
    if not confirmed.created:
        response.status_code = status.HTTP_200_OK
    booking = confirmed.booking
    payment = None
    if booking.razorpay_order_id:
        payment = CheckoutPayment(
            order_id=booking.razorpay_order_id,
            amount=to_paise(booking.grand_total),
            currency="INR",
            key=gateway.key_id,
        )
    return Envelope(
        data=ConfirmResult(booking=BookingSummary.model_validate(booking), payment=payment)
    )

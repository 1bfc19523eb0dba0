from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from minuteserv.auth import service
from minuteserv.auth.schemas import OtpSent, SendOtpRequest, SignedIn, VerifyOtpRequest
from minuteserv.core import clock, handlers
from minuteserv.core.db import SessionDep
from minuteserv.core.deps import ClientIpDep, RateLimiterDep, SettingsDep
from minuteserv.core.envelope import Envelope, error_responses
from minuteserv.integrations.sms import SmsProvider

router = APIRouter(prefix="/auth", tags=["auth"])


async def get_sms_provider(request: Request) -> SmsProvider:
    sms: SmsProvider = request.app.state.sms
    return sms


SmsDep = Annotated[SmsProvider, Depends(get_sms_provider)]


async def limit_otp_sends_per_ip(
    limiter: RateLimiterDep, client_ip: ClientIpDep, settings: SettingsDep
) -> None:
    await limiter.hit(
        settings.rate_limit(settings.rate_limit_otp_per_ip),
        "otp-send-ip",
        client_ip,
        message="Too many codes were requested from this network; try again later.",
    )


@router.post(
    "/send-otp",
    response_model=Envelope[OtpSent],
    responses=error_responses(422, 429, 502),
    dependencies=[Depends(limit_otp_sends_per_ip)],
)
async def send_otp(
    body: SendOtpRequest,
    session: SessionDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
    sms: SmsDep,
) -> Envelope[OtpSent]:
    """Text a 6-digit code to the phone; the answer is the same whether or not it has an account."""
    sent = await service.send_otp(
        session,
        phone=body.phone_number,
        sms=sms,
        limiter=limiter,
        settings=settings,
        now=clock.now(),
    )
    return Envelope(data=sent)


@router.post(
    "/verify-otp",
    response_model=Envelope[SignedIn],
    responses=error_responses(400, 409, 422),
)
async def verify_otp(
    body: VerifyOtpRequest, session: SessionDep, settings: SettingsDep
) -> Envelope[SignedIn] | Response:
    """Exchange the code for a customer token, creating the customer on first sign-in."""
    outcome = await service.verify_otp(
        session, phone=body.phone_number, code=body.otp_code, settings=settings, now=clock.now()
    )
    if isinstance(outcome, service.OtpRejected):
        # Rendered, not raised: raising would roll back the wrong try this request counted.
        return handlers.render(outcome.error)
    return Envelope(data=outcome)

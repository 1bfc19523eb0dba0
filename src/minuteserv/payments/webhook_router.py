"""Razorpay's webhook: outside the per-IP API limit, since Razorpay sends from few addresses."""

from typing import Annotated

from fastapi import APIRouter, Header, Request

from minuteserv.core.db import SessionDep
from minuteserv.core.deps import SettingsDep
from minuteserv.core.envelope import Envelope, error_responses
from minuteserv.payments import service
from minuteserv.payments.dependencies import NotifierDep
from minuteserv.payments.schemas import WebhookResult

router = APIRouter(prefix="/payments", tags=["payments"])


@router.post("/webhook", response_model=Envelope[WebhookResult], responses=error_responses(400))
async def webhook(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    notifier: NotifierDep,
    x_razorpay_signature: Annotated[str | None, Header()] = None,
    x_razorpay_event_id: Annotated[str | None, Header()] = None,
) -> Envelope[WebhookResult]:
    """Razorpay's events, signed with the webhook secret; a replayed event changes nothing."""
    outcome = await service.handle_webhook(
        session,
        body=await request.body(),
        signature=x_razorpay_signature,
        event_id=x_razorpay_event_id,
        secret=settings.razorpay_webhook_secret,
        notifier=notifier,
    )
    return Envelope(data=WebhookResult(outcome=outcome))

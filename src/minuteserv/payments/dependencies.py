from typing import Annotated

from fastapi import Depends, Request

from minuteserv.integrations.notifier import PartnerNotifier
from minuteserv.integrations.payments import PaymentGateway


async def get_gateway(request: Request) -> PaymentGateway:
    gateway: PaymentGateway = request.app.state.gateway
    return gateway


async def get_notifier(request: Request) -> PartnerNotifier:
    notifier: PartnerNotifier = request.app.state.notifier
    return notifier


GatewayDep = Annotated[PaymentGateway, Depends(get_gateway)]
NotifierDep = Annotated[PartnerNotifier, Depends(get_notifier)]

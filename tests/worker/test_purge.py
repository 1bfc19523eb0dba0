"""The worker deletes OTPs and checkout previews that died more than a day ago."""

from datetime import datetime, timedelta
from decimal import Decimal

import httpx
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.auth.models import OtpVerification
from minuteserv.checkout.models import CheckoutPreview
from minuteserv.core import clock
from minuteserv.core.config import Settings
from minuteserv.worker import jobs
from tests.checkout.helpers import prepare, signed_in_customer
from tests.factories import create_service, next_phone, reload, save
from tests.payments.helpers import worker_parts


async def _otp(session: AsyncSession, expires_at: datetime) -> OtpVerification:
    return await save(
        session,
        OtpVerification(phone_number=next_phone(), code_hash="0" * 64, expires_at=expires_at),
    )


async def _preview(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, expires_at: datetime
) -> CheckoutPreview:
    customer = await signed_in_customer(session, settings)
    facial = await create_service(session, product_cost=Decimal("1000.00"))
    response = await prepare(client, customer, [str(facial.id)])
    preview = await reload(session, CheckoutPreview, response.json()["data"]["preview_id"])
    assert preview is not None
    preview.expires_at = expires_at
    await session.commit()
    return preview


async def _ids(session: AsyncSession, model: type[OtpVerification | CheckoutPreview]) -> set[str]:
    ids = set(await session.scalars(sa.select(model.id)))
    await session.commit()
    return {str(row_id) for row_id in ids}


async def test_purge_deletes_rows_dead_for_a_day_and_keeps_the_rest(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    now = clock.now()
    await _otp(session, now - timedelta(days=1, minutes=1))
    just_dead_otp = await _otp(session, now - timedelta(hours=23))
    live_otp = await _otp(session, now + timedelta(minutes=5))
    await _preview(client, session, settings, now - timedelta(days=2))
    just_dead_preview = await _preview(client, session, settings, now - timedelta(minutes=1))

    purged = await jobs.purge_dead_rows(worker_parts(app).sessionmaker, now=now)

    assert purged == 2
    assert await _ids(session, OtpVerification) == {str(just_dead_otp.id), str(live_otp.id)}
    assert await _ids(session, CheckoutPreview) == {str(just_dead_preview.id)}

"""The worker loop: every job once per tick; `minuteserv worker` and the embedded task."""

import asyncio
import logging
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from minuteserv.core import clock
from minuteserv.core.config import Settings
from minuteserv.integrations.notifier import PartnerNotifier
from minuteserv.integrations.payments import PaymentGateway
from minuteserv.worker import jobs

logger = logging.getLogger("minuteserv.worker")


@dataclass(frozen=True, slots=True)
class TickReport:
    reconciled: int
    expired: int
    refunded: int
    purged: int


async def run_once(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    gateway: PaymentGateway,
    notifier: PartnerNotifier,
    settings: Settings,
) -> TickReport:
    """Reconcile first, so a payment whose webhook was lost is not expired as unpaid."""
    reconciled = await jobs.reconcile_payments(
        sessionmaker, gateway=gateway, notifier=notifier, now=clock.now()
    )
    expired = await jobs.expire_unpaid_bookings(
        sessionmaker, gateway=gateway, settings=settings, now=clock.now()
    )
    refunded = await jobs.refund_late_captures(sessionmaker, gateway=gateway)
    purged = await jobs.purge_dead_rows(sessionmaker, now=clock.now())
    return TickReport(reconciled=reconciled, expired=expired, refunded=refunded, purged=purged)


async def run_forever(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    gateway: PaymentGateway,
    notifier: PartnerNotifier,
    settings: Settings,
) -> None:
    while True:
        try:
            report = await run_once(
                sessionmaker, gateway=gateway, notifier=notifier, settings=settings
            )
            if report.reconciled or report.expired or report.refunded or report.purged:
                logger.info("worker tick: %s", report)
        except Exception:
            logger.exception("worker tick failed; trying again next tick")
        await asyncio.sleep(settings.worker_interval_seconds)

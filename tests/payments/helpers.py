"""What payment, booking and worker tests share: a booking made through the API, paying it, and
a snapshot of every row a refused request must leave as it was."""

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from minuteserv.bookings.models import Booking, BookingEvent
from minuteserv.core.config import Settings
from minuteserv.integrations.notifier import PartnerNotifier
from minuteserv.integrations.payments import PaymentGateway
from minuteserv.payments.models import Payment
from minuteserv.promos.models import PromoCode
from tests.checkout.helpers import Customer, confirm, prepare, signed_in_customer, tomorrow
from tests.factories import create_partner, create_promo, create_service
from tests.fakes.razorpay import FakeRazorpay

VERIFY = "/api/v1/payments/verify"
WEBHOOK = "/api/v1/payments/webhook"
GRAND_TOTAL_PAISE = 118000  # one 1000-rupee facial plus 18% GST


@dataclass(frozen=True)
class Booked:
    customer: Customer
    booking_id: str
    booking_number: str
    order_id: str | None
    payment: dict[str, Any] | None
    partner_id: str
    promo_id: uuid.UUID | None
    day: date
    service_id: str


async def book(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    *,
    method: str = "online",
    promo_code: str | None = None,
    customer: Customer | None = None,
) -> Booked:
    """A fresh partner and a 1000-rupee facial, booked tomorrow at 10:00 AM by `customer`."""
    customer = customer or await signed_in_customer(session, settings)
    partner = await create_partner(session)
    facial = await create_service(session, product_cost=Decimal("1000.00"))
    promo = await create_promo(session, code=promo_code) if promo_code else None
    promo_field = {"promo_code": promo_code} if promo_code else {}
    prepared = await prepare(client, customer, [str(facial.id)], **promo_field)
    assert prepared.status_code == 200, prepared.text
    day = tomorrow()
    confirmed = await confirm(
        client, customer, prepared.json()["data"]["preview_id"], day=day, method=method
    )
    assert confirmed.status_code == 201, confirmed.text
    data = confirmed.json()["data"]
    return Booked(
        customer=customer,
        booking_id=data["booking"]["id"],
        booking_number=data["booking"]["booking_number"],
        order_id=data["payment"]["order_id"] if data["payment"] else None,
        payment=data["payment"],
        partner_id=str(partner.id),
        promo_id=promo.id if promo else None,
        day=day,
        service_id=str(facial.id),
    )


async def pay_simulated(client: httpx.AsyncClient, order_id: str | None) -> dict[str, str]:
    """Pay a simulated order as the customer would at Checkout; what Checkout hands back."""
    response = await client.post(f"/api/v1/payments/simulated/orders/{order_id}/pay")
    assert response.status_code == 200, response.text
    paid: dict[str, str] = response.json()["data"]
    return paid


async def verify(
    client: httpx.AsyncClient, customer: Customer, checkout: dict[str, str]
) -> httpx.Response:
    return await client.post(VERIFY, json=checkout, headers=customer.headers)


async def deliver(
    client: httpx.AsyncClient, body: bytes, headers: dict[str, str]
) -> httpx.Response:
    """Post a webhook delivery exactly as Razorpay would: the raw body and its headers."""
    return await client.post(WEBHOOK, content=body, headers=headers)


@dataclass(frozen=True)
class Snapshot:
    """Everything about a booking that a payment or cancellation could change."""

    status: str
    payment_status: str
    razorpay_payment_id: str | None
    refund_amount: Decimal | None
    payments: tuple[tuple[str, str | None], ...]
    events: int
    promo_used: int | None


async def snapshot(session: AsyncSession, booking_id: str) -> Snapshot:
    """Read fresh from the database, then end the read so SQLite's write lock is let go."""
    key = uuid.UUID(booking_id)
    booking = (
        await session.execute(
            sa.select(
                Booking.status,
                Booking.payment_status,
                Booking.razorpay_payment_id,
                Booking.refund_amount,
                Booking.promo_code_id,
            ).where(Booking.id == key)
        )
    ).one()
    payments = (
        await session.execute(
            sa.select(Payment.status, Payment.razorpay_payment_id)
            .where(Payment.booking_id == key)
            .order_by(Payment.created_at)
        )
    ).all()
    events = await session.scalar(
        sa.select(sa.func.count()).select_from(BookingEvent).where(BookingEvent.booking_id == key)
    )
    promo_used = (
        await session.scalar(
            sa.select(PromoCode.used_count).where(PromoCode.id == booking.promo_code_id)
        )
        if booking.promo_code_id
        else None
    )
    await session.commit()
    return Snapshot(
        status=booking.status.value,
        payment_status=booking.payment_status.value,
        razorpay_payment_id=booking.razorpay_payment_id,
        refund_amount=booking.refund_amount,
        payments=tuple((status.value, payment_id) for status, payment_id in payments),
        events=events or 0,
        promo_used=promo_used,
    )


async def events_after_creation(session: AsyncSession, booking_id: str) -> list[tuple[Any, ...]]:
    """(field, from, to, actor type, actor id) of every change since the booking was made."""
    rows = (
        await session.execute(
            sa.select(
                BookingEvent.field,
                BookingEvent.from_value,
                BookingEvent.to_value,
                BookingEvent.actor_type,
                BookingEvent.actor_id,
            )
            .where(
                BookingEvent.booking_id == uuid.UUID(booking_id),
                BookingEvent.from_value.is_not(None),
            )
            .order_by(BookingEvent.created_at, BookingEvent.field)
        )
    ).all()
    await session.commit()
    return [(field, old, new, actor.value, actor_id) for field, old, new, actor, actor_id in rows]


async def count(session: AsyncSession, model: type[Any], *where: Any) -> int:
    total = await session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))
    await session.commit()
    return total or 0


async def payment_row(session: AsyncSession, order_id: str | None) -> Payment:
    payment = await session.scalar(
        sa.select(Payment)
        .where(Payment.razorpay_order_id == order_id)
        .execution_options(populate_existing=True)
    )
    await session.commit()
    assert payment is not None
    return payment


@dataclass(frozen=True)
class WorkerParts:
    sessionmaker: async_sessionmaker[AsyncSession]
    gateway: PaymentGateway
    notifier: PartnerNotifier


def worker_parts(app: FastAPI) -> WorkerParts:
    """What the worker runs with: the app's own sessionmaker, gateway and notifier."""
    return WorkerParts(app.state.sessionmaker, app.state.gateway, app.state.notifier)


@pytest.fixture(name="settings_overrides")
def app_on_fake_razorpay(fake_razorpay: FakeRazorpay) -> dict[str, Any]:
    """The app's real Razorpay client pointed at the fake; import it into a test module to
    make it that module's `settings_overrides`."""
    return fake_razorpay.settings_overrides()

"""The list and the detail are encoded by orjson from plain rows (`EnvelopeJSON`), not by their
pydantic models: they must send exactly what those documented models would, for every kind of
value a booking holds."""

from dataclasses import dataclass
from datetime import time, timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.bookings.models import (
    AssignmentStatus,
    Booking,
    BookingStatus,
    PaymentMethod,
    PaymentStatus,
)
from minuteserv.bookings.schemas import (
    BookingDetailOut,
    BookingOut,
    BookingPage,
    BookingSummary,
    PartnerPublic,
    PaymentOut,
)
from minuteserv.core import clock
from minuteserv.core.config import Settings
from minuteserv.core.envelope import Envelope
from minuteserv.core.pagination import Pagination
from minuteserv.partners.models import Partner
from minuteserv.payments.models import Payment, PaymentRecordStatus
from tests.checkout.helpers import Customer, signed_in_customer
from tests.factories import create_booking, create_partner, save

SERVICES = [
    {"service_id": "svc-1", "name": "Fruit Facial ✨", "unit_price": 331.2, "quantity": 2},
    {"service_id": "svc-2", "name": "Threading", "line_total": "49.50", "extras": {"a": [1]}},
]


@dataclass(frozen=True)
class Varied:
    bookings: list[Booking]
    partner: Partner
    payment: Payment


async def _varied(session: AsyncSession, customer: Customer) -> Varied:
    """Oldest first: a plain cash booking, a paid online one with a partner, a promo and a
    payment, and a cancelled one with a refund; instants with and without microseconds."""
    partner = await create_partner(session, rating=4.25)
    made = clock.now().replace(microsecond=0) - timedelta(hours=1)
    plain = await create_booking(
        session,
        customer.user,
        customer.address,
        created_at=made.replace(microsecond=123_456),
    )
    paid = await create_booking(
        session,
        customer.user,
        customer.address,
        created_at=made + timedelta(minutes=1),
        partner_id=partner.id,
        status=BookingStatus.CONFIRMED,
        payment_method=PaymentMethod.ONLINE,
        payment_status=PaymentStatus.PAID,
        booking_time=time(14, 30),
        services=SERVICES,
        total_price=Decimal("1005.00"),
        discount=Decimal("100.50"),
        tax=Decimal("162.81"),
        grand_total=Decimal("1067.31"),
        promo_code="SAVE10",
        customer_name="Asha Rao",
        customer_phone="+919800000001",
        customer_email="asha@example.com",
        assignment_status=AssignmentStatus.ACCEPTED,
        razorpay_order_id="order_sent_1",
        hold_expires_at=made + timedelta(minutes=16),
    )
    cancelled = await create_booking(
        session,
        customer.user,
        customer.address,
        created_at=made + timedelta(minutes=2),
        status=BookingStatus.CANCELLED,
        cancelled_at=made + timedelta(minutes=3, microseconds=5),
        cancellation_reason="Plans changed — sorry",
        refund_amount=Decimal("0.50"),
    )
    payment = await save(
        session,
        Payment(
            booking_id=paid.id,
            razorpay_order_id="order_sent_1",
            razorpay_payment_id="pay_sent_1",
            amount=Decimal("1067.31"),
            status=PaymentRecordStatus.CAPTURED,
            payment_method="upi",
        ),
    )
    for row in (plain, paid, cancelled, partner, payment):
        await session.refresh(row)  # as stored: the database's precision, not Python's
    await session.commit()  # SQLite: the refreshes' transaction holds the write lock
    return Varied([plain, paid, cancelled], partner, payment)


def _documented(model: type[Any], data: Any) -> Any:
    return Envelope[model](data=data).model_dump(mode="json")  # type: ignore[valid-type]


async def test_the_list_sends_what_its_model_documents(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    customer = await signed_in_customer(session, settings)
    bookings = (await _varied(session, customer)).bookings

    pages = [
        await client.get(
            "/api/v1/bookings", params={"limit": 2, "page": page}, headers=customer.headers
        )
        for page in (1, 2)
    ]

    newest_first = [BookingSummary.model_validate(b) for b in reversed(bookings)]
    documented = [
        BookingPage(bookings=newest_first[:2], pagination=Pagination.of(page=1, limit=2, total=3)),
        BookingPage(bookings=newest_first[2:], pagination=Pagination.of(page=2, limit=2, total=3)),
    ]
    assert [page.json() for page in pages] == [_documented(BookingPage, p) for p in documented]


async def test_the_detail_sends_what_its_model_documents(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    customer = await signed_in_customer(session, settings)
    varied = await _varied(session, customer)
    plain, paid, cancelled = varied.bookings

    answers = {
        booking.id: await client.get(f"/api/v1/bookings/{booking.id}", headers=customer.headers)
        for booking in (plain, paid, cancelled)
    }

    def detail(booking: Booking, with_partner: bool, with_payment: bool) -> BookingDetailOut:
        return BookingDetailOut(
            booking=BookingOut.model_validate(booking),
            partner=PartnerPublic.model_validate(varied.partner) if with_partner else None,
            payment=PaymentOut.model_validate(varied.payment) if with_payment else None,
        )

    expected = {
        plain.id: detail(plain, with_partner=False, with_payment=False),
        paid.id: detail(paid, with_partner=True, with_payment=True),
        cancelled.id: detail(cancelled, with_partner=False, with_payment=False),
    }
    assert {key: answer.json() for key, answer in answers.items()} == {
        key: _documented(BookingDetailOut, out) for key, out in expected.items()
    }

"""A Razorpay that fails or hangs at confirm: a 502, and nothing half made."""

from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.bookings.models import Booking
from minuteserv.checkout.models import CheckoutPreview
from minuteserv.core.config import Settings
from minuteserv.payments.models import Payment
from minuteserv.promos.models import PromoCode
from tests.checkout.helpers import Customer, confirm, prepare, signed_in_customer, tomorrow
from tests.factories import create_partner, create_promo, create_service, reload
from tests.fakes.razorpay import FakeRazorpay
from tests.payments.helpers import count

FAULTS = pytest.mark.parametrize("mode", ["fail", "hang"])
# Short enough to outwait before the hanging fake answers, long enough that a loaded CI
# machine answering the healthy fake late is not taken for a fault (0.3 s once was).
GATEWAY_TIMEOUT_SECONDS = 1.0


@pytest.fixture
def settings_overrides(fake_razorpay: FakeRazorpay) -> dict[str, Any]:
    return fake_razorpay.settings_overrides() | {"gateway_timeout_seconds": GATEWAY_TIMEOUT_SECONDS}


async def _prepared_with_promo(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> tuple[Customer, str, PromoCode]:
    await create_partner(session)
    customer = await signed_in_customer(session, settings)
    facial = await create_service(session, product_cost=Decimal("1000.00"))
    promo = await create_promo(session, code="ONCE", usage_limit=1)
    response = await prepare(client, customer, [str(facial.id)], promo_code="ONCE")
    assert response.status_code == 200, response.text
    return customer, response.json()["data"]["preview_id"], promo


@FAULTS
async def test_gateway_fault_at_confirm_is_502_and_books_nothing(
    mode: str,
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    fake_razorpay: FakeRazorpay,
) -> None:
    customer, preview_id, promo = await _prepared_with_promo(client, session, settings)
    fake_razorpay.mode = mode  # type: ignore[assignment]

    response = await confirm(client, customer, preview_id, day=tomorrow(), method="online")

    assert response.status_code == 502
    assert response.json()["error"]["code"] == "PAYMENT_GATEWAY_ERROR"
    assert (await count(session, Booking), await count(session, Payment)) == (0, 0)
    stored_promo = await reload(session, PromoCode, promo.id)
    assert stored_promo is not None and stored_promo.used_count == 0
    preview = await reload(session, CheckoutPreview, preview_id)
    assert preview is not None and preview.booking_id is None


@FAULTS
async def test_preview_can_be_confirmed_once_the_gateway_recovers(
    mode: str,
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    fake_razorpay: FakeRazorpay,
) -> None:
    customer, preview_id, promo = await _prepared_with_promo(client, session, settings)
    fake_razorpay.mode = mode  # type: ignore[assignment]
    await confirm(client, customer, preview_id, day=tomorrow(), method="online")
    fake_razorpay.mode = "ok"

    response = await confirm(client, customer, preview_id, day=tomorrow(), method="online")

    assert response.status_code == 201, response.text
    assert response.json()["data"]["booking"]["grand_total"] == 1062.0
    assert (await count(session, Booking), await count(session, Payment)) == (1, 1)
    stored_promo = await reload(session, PromoCode, promo.id)
    assert stored_promo is not None and stored_promo.used_count == 1

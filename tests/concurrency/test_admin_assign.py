"""Guard: however many staff assignments race for one partner in one slot, the partner ends up
with exactly one of those bookings; the others are refused as busy."""

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.bookings.models import Booking, BookingStatus
from minuteserv.core.config import Settings
from tests import conftest
from tests.admin.booking_helpers import DAY, assign, customer_booking
from tests.checkout.helpers import at_ist
from tests.concurrency.helpers import race, read, tally
from tests.factories import admin_token, bearer, create_admin, create_partner

pytestmark = pytest.mark.postgresql_only

RACERS = 10


async def test_ten_assignments_of_one_slot_to_one_partner_give_it_one_booking(
    racing_client: httpx.AsyncClient,
    committed_session: AsyncSession,
    racing_settings: Settings,
    committing_database: conftest.TestDatabase,
) -> None:
    partner = await create_partner(committed_session)
    staff = bearer(admin_token(racing_settings, await create_admin(committed_session)))
    bookings = [await customer_booking(committed_session) for _ in range(RACERS)]

    answers = await race(
        assign(racing_client, staff, booking.id, partner.id) for booking in bookings
    )

    assert tally(answers) == {(200, None): 1, (409, "PARTNER_BUSY"): RACERS - 1}
    [won] = [answer.json()["data"]["booking"]["id"] for answer in answers if answer.is_success]
    live = await read(
        committing_database,
        sa.select(Booking.id).where(
            Booking.partner_id == partner.id,
            Booking.status != BookingStatus.CANCELLED,
            Booking.start_at < at_ist(DAY, 11, 30),
            Booking.end_at > at_ist(DAY, 10),
        ),
    )
    assert [str(booking_id) for booking_id in live] == [won]

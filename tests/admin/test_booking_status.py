"""Staff changing a booking's status: only the lifecycle's steps, each recorded as theirs;
cancelling refunds a paid booking in full and gives the promo use back; completing credits
the partner."""

import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.auth.models import AdminUser
from minuteserv.bookings.models import AssignmentStatus, BookingStatus
from minuteserv.core.config import Settings
from minuteserv.partners.models import Partner
from minuteserv.promos.models import PromoCode
from tests.admin.booking_helpers import (
    BOOKINGS,
    assign,
    customer_booking,
    events_of,
    set_status,
    state_of,
)
from tests.factories import create_partner, reload
from tests.payments.helpers import book, events_after_creation, pay_simulated, payment_row, verify

S = BookingStatus
LEGAL = {
    (S.PENDING, S.CONFIRMED),
    (S.CONFIRMED, S.IN_PROGRESS),
    (S.IN_PROGRESS, S.COMPLETED),
    (S.PENDING, S.CANCELLED),
    (S.CONFIRMED, S.CANCELLED),
}
ILLEGAL = [(old, new) for old in S for new in S if (old, new) not in LEGAL]


def error_of(response: httpx.Response) -> dict[str, Any]:
    error: dict[str, Any] = response.json()["error"]
    return {key: value for key, value in error.items() if key != "request_id"}


@pytest.mark.parametrize(("old", "new"), ILLEGAL, ids=[f"{o}-{n}" for o, n in ILLEGAL])
async def test_each_illegal_transition_is_409_and_changes_nothing(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin_auth: dict[str, str],
    old: BookingStatus,
    new: BookingStatus,
) -> None:
    booking = await customer_booking(session, status=old)
    before = await state_of(session, booking.id)

    response = await set_status(client, admin_auth, booking.id, new.value)

    assert response.status_code == 409
    assert error_of(response) == {
        "code": "INVALID_TRANSITION",
        "message": f"A {old} booking cannot become {new}.",
        "details": [{"from": old.value, "to": new.value}],
    }
    assert await state_of(session, booking.id) == before


@pytest.mark.parametrize(
    ("old", "new"),
    [(S.PENDING, S.CONFIRMED), (S.CONFIRMED, S.IN_PROGRESS), (S.IN_PROGRESS, S.COMPLETED)],
    ids=["confirm", "start", "complete"],
)
async def test_each_forward_step_is_made_and_recorded_as_the_staff_members(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin: AdminUser,
    admin_auth: dict[str, str],
    old: BookingStatus,
    new: BookingStatus,
) -> None:
    booking = await customer_booking(session, status=old)

    response = await set_status(client, admin_auth, booking.id, new.value, reason="as agreed")

    assert response.status_code == 200
    assert response.json()["data"]["booking"]["status"] == new.value
    assert await events_of(session, booking.id) == [
        ("admin", str(admin.id), "status", old.value, new.value)
    ]


@pytest.mark.parametrize("old", [S.PENDING, S.CONFIRMED])
async def test_cancelling_an_unpaid_booking_refunds_nothing_and_frees_the_partner(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin: AdminUser,
    admin_auth: dict[str, str],
    old: BookingStatus,
) -> None:
    partner = await create_partner(session)
    booking = await customer_booking(session, partner=partner, status=old)

    response = await set_status(client, admin_auth, booking.id, "cancelled", reason="no show")

    assert response.status_code == 200
    cancelled = response.json()["data"]["booking"]
    assert (cancelled["status"], cancelled["cancellation_reason"], cancelled["refund_amount"]) == (
        "cancelled",
        "no show",
        0.0,
    )
    assert cancelled["cancelled_at"] is not None
    assert await events_of(session, booking.id) == [
        ("admin", str(admin.id), "status", old.value, "cancelled")
    ]
    other = await customer_booking(session)
    assert (await assign(client, admin_auth, other.id, partner.id)).status_code == 200


async def test_a_cancellation_without_a_reason_says_staff_cancelled(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    booking = await customer_booking(session)

    response = await set_status(client, admin_auth, booking.id, "cancelled")

    assert response.json()["data"]["booking"]["cancellation_reason"] == "cancelled by staff"


@pytest.mark.parametrize("settings_overrides", [{"free_cancel_hours": 72}], indirect=True)
async def test_staff_cancelling_a_paid_booking_refunds_it_in_full_even_late(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    admin: AdminUser,
    admin_auth: dict[str, str],
) -> None:
    booked = await book(client, session, settings)
    assert (
        await verify(client, booked.customer, await pay_simulated(client, booked.order_id))
    ).status_code == 200

    response = await set_status(client, admin_auth, booked.booking_id, "cancelled")

    assert response.status_code == 200
    cancelled = response.json()["data"]["booking"]
    assert (cancelled["status"], cancelled["payment_status"], cancelled["refund_amount"]) == (
        "cancelled",
        "refunded",
        1180.0,
    )
    assert (await payment_row(session, booked.order_id)).status.value == "refunded"
    staff_changes = [
        change
        for change in await events_after_creation(session, booked.booking_id)
        if change[3] == "admin"
    ]
    assert sorted(staff_changes) == [
        ("payment_status", "paid", "refunded", "admin", str(admin.id)),
        ("status", "confirmed", "cancelled", "admin", str(admin.id)),
    ]


async def test_cancelling_gives_the_promo_use_back(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, admin_auth: dict[str, str]
) -> None:
    booked = await book(client, session, settings, method="cash", promo_code="SAVE10")
    assert booked.promo_id is not None
    promo = await reload(session, PromoCode, booked.promo_id)
    assert promo is not None and promo.used_count == 1

    response = await set_status(client, admin_auth, booked.booking_id, "cancelled")

    assert response.status_code == 200
    promo = await reload(session, PromoCode, booked.promo_id)
    assert promo is not None and promo.used_count == 0


async def test_completing_credits_the_partners_bookings_and_earnings(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    partner = await create_partner(session, total_bookings=4, total_earnings=Decimal("2800.00"))
    booking = await customer_booking(
        session, partner=partner, status=S.IN_PROGRESS, partner_payout=Decimal("700.35")
    )

    response = await set_status(client, admin_auth, booking.id, "completed")

    assert response.json()["data"]["partner"]["total_earnings"] == 3500.35
    credited = await reload(session, Partner, partner.id)
    assert credited is not None
    assert (credited.total_bookings, credited.total_earnings, credited.pending_payout) == (
        5,
        Decimal("3500.35"),
        Decimal("700.35"),
    )


async def test_confirming_changes_the_status_only(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    partner = await create_partner(session)
    booking = await customer_booking(
        session, partner=partner, assignment_status=AssignmentStatus.ASSIGNED
    )
    before = await state_of(session, booking.id)

    await set_status(client, admin_auth, booking.id, "confirmed")

    after = await state_of(session, booking.id)
    assert (after.status, after.payment_status, after.partner_id, after.assignment_status) == (
        "confirmed",
        before.payment_status,
        partner.id,
        "assigned",
    )


async def test_support_agents_may_change_a_status(
    client: httpx.AsyncClient, session: AsyncSession, support_auth: dict[str, str]
) -> None:
    booking = await customer_booking(session)

    response = await set_status(client, support_auth, booking.id, "confirmed")

    assert response.status_code == 200
    assert (await state_of(session, booking.id)).status == "confirmed"


@pytest.mark.parametrize(
    "body",
    [
        {"status": "done"},
        {},
        {"status": "confirmed", "force": True},
        {"status": "confirmed", "reason": "x" * 501},
    ],
    ids=["unknown-status", "no-status", "unknown-field", "long-reason"],
)
async def test_bad_status_bodies_are_422_and_change_nothing(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin_auth: dict[str, str],
    body: dict[str, Any],
) -> None:
    booking = await customer_booking(session)
    before = await state_of(session, booking.id)

    response = await client.patch(f"{BOOKINGS}/{booking.id}/status", json=body, headers=admin_auth)

    assert response.status_code == 422
    assert await state_of(session, booking.id) == before


async def test_status_of_an_unknown_booking_is_404(
    client: httpx.AsyncClient, admin_auth: dict[str, str]
) -> None:
    response = await set_status(client, admin_auth, uuid.uuid4(), "confirmed")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "BOOKING_NOT_FOUND"

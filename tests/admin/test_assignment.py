"""Staff assigning partners: a named partner only if active, able and free; without a name, the
best free eligible partner by the score; each refusal a 409 naming its reason, changing nothing."""

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.auth.models import AdminUser
from minuteserv.bookings.models import AssignmentStatus, Booking, BookingStatus
from minuteserv.core import clock
from minuteserv.partners.models import Partner
from tests.admin.booking_helpers import (
    DAY,
    KOLKATA,
    assign,
    customer_booking,
    events_of,
    state_of,
)
from tests.factories import create_partner, create_service, reload

KM_PER_DEGREE_OF_LATITUDE = 111.195


async def partner_at_km(session: AsyncSession, km: float, **fields: Any) -> Partner:
    """A partner `km` due north of the test address."""
    return await create_partner(
        session,
        current_lat=KOLKATA[0] + km / KM_PER_DEGREE_OF_LATITUDE,
        current_lng=KOLKATA[1],
        **fields,
    )


def error_code(response: httpx.Response) -> str:
    code: str = response.json()["error"]["code"]
    return code


# --- a named partner --------------------------------------------------------------------------


async def test_named_partner_gets_the_booking_recorded_as_the_staff_members(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin: AdminUser,
    admin_auth: dict[str, str],
) -> None:
    partner = await create_partner(session)
    booking = await customer_booking(session)

    response = await assign(client, admin_auth, booking.id, partner.id)

    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["booking"]["partner_id"], data["partner"]["id"]) == (str(partner.id),) * 2
    assert data["booking"]["assignment_status"] == "assigned"
    assigned = await reload(session, Booking, booking.id)
    assert assigned is not None and assigned.assigned_at is not None
    assert await events_of(session, booking.id) == [
        ("admin", str(admin.id), "partner_id", None, str(partner.id))
    ]


async def test_reassigning_moves_the_booking_and_waits_for_the_new_partner_to_accept(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin: AdminUser,
    admin_auth: dict[str, str],
) -> None:
    old, new = await create_partner(session), await create_partner(session)
    booking = await customer_booking(
        session,
        partner=old,
        status=BookingStatus.CONFIRMED,
        assignment_status=AssignmentStatus.ACCEPTED,
        accepted_at=clock.now(),
    )

    response = await assign(client, admin_auth, booking.id, new.id)

    assert response.status_code == 200
    moved = await reload(session, Booking, booking.id)
    assert moved is not None
    assert (moved.partner_id, moved.assignment_status, moved.accepted_at) == (
        new.id,
        AssignmentStatus.ASSIGNED,
        None,
    )
    assert await events_of(session, booking.id) == [
        ("admin", str(admin.id), "partner_id", str(old.id), str(new.id))
    ]


async def test_naming_the_partner_the_booking_has_changes_nothing(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    partner = await create_partner(session)
    booking = await customer_booking(
        session, partner=partner, assignment_status=AssignmentStatus.ACCEPTED
    )
    before = await state_of(session, booking.id)

    response = await assign(client, admin_auth, booking.id, partner.id)

    assert response.status_code == 200
    assert await state_of(session, booking.id) == before


async def test_support_agents_may_assign(
    client: httpx.AsyncClient, session: AsyncSession, support_auth: dict[str, str]
) -> None:
    partner = await create_partner(session)
    booking = await customer_booking(session)

    response = await assign(client, support_auth, booking.id, partner.id)

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("partner_fields", "code"),
    [
        ({"is_active": False}, "PARTNER_INACTIVE"),
        ({"is_available": False}, "PARTNER_INACTIVE"),
        ({"service_categories": ["Hair"]}, "PARTNER_LACKS_CATEGORY"),
    ],
    ids=["inactive", "unavailable", "lacks-category"],
)
async def test_an_unfit_named_partner_is_409_with_the_reason_and_changes_nothing(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin_auth: dict[str, str],
    partner_fields: dict[str, Any],
    code: str,
) -> None:
    partner = await create_partner(session, **partner_fields)
    booking = await customer_booking(session)
    before = await state_of(session, booking.id)

    response = await assign(client, admin_auth, booking.id, partner.id)

    assert response.status_code == 409
    assert error_code(response) == code
    assert await state_of(session, booking.id) == before


async def test_a_partner_missing_one_of_several_categories_is_told_which(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    partner = await create_partner(session, service_categories=["Facial"])
    booking = await customer_booking(session, categories=("Facial", "Hair", "Waxing"))

    response = await assign(client, admin_auth, booking.id, partner.id)

    assert response.status_code == 409
    assert response.json()["error"]["details"] == [{"category": "Hair"}, {"category": "Waxing"}]


@pytest.mark.parametrize(
    ("other_start_hour", "other_status", "code"),
    [
        (10, BookingStatus.CONFIRMED, "PARTNER_BUSY"),
        (11, BookingStatus.PENDING, "PARTNER_BUSY"),  # 11:00-12:30 overlaps 10:00-11:30
        (9, BookingStatus.IN_PROGRESS, "PARTNER_BUSY"),
    ],
)
async def test_a_named_partner_with_an_overlapping_live_booking_is_busy(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin_auth: dict[str, str],
    other_start_hour: int,
    other_status: BookingStatus,
    code: str,
) -> None:
    partner = await create_partner(session)
    await customer_booking(session, partner=partner, hour=other_start_hour, status=other_status)
    booking = await customer_booking(session)
    before = await state_of(session, booking.id)

    response = await assign(client, admin_auth, booking.id, partner.id)

    assert response.status_code == 409
    assert error_code(response) == code
    assert await state_of(session, booking.id) == before


async def test_a_cancelled_or_back_to_back_booking_does_not_make_a_partner_busy(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    partner = await create_partner(session)
    await customer_booking(session, partner=partner, status=BookingStatus.CANCELLED)
    await customer_booking(session, partner=partner, hour=8, minute=30)  # ends 10:00
    await customer_booking(session, partner=partner, hour=11, minute=30)  # starts 11:30
    booking = await customer_booking(session)  # 10:00-11:30

    response = await assign(client, admin_auth, booking.id, partner.id)

    assert response.status_code == 200


async def test_an_unknown_partner_is_404_and_changes_nothing(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    booking = await customer_booking(session)
    before = await state_of(session, booking.id)

    response = await assign(client, admin_auth, booking.id, uuid.uuid4())

    assert response.status_code == 404
    assert error_code(response) == "PARTNER_NOT_FOUND"
    assert await state_of(session, booking.id) == before


@pytest.mark.parametrize("status", [BookingStatus.CANCELLED, BookingStatus.COMPLETED])
async def test_a_closed_booking_keeps_its_partner(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin_auth: dict[str, str],
    status: BookingStatus,
) -> None:
    old, new = await create_partner(session), await create_partner(session)
    booking = await customer_booking(session, partner=old, status=status)
    before = await state_of(session, booking.id)

    response = await assign(client, admin_auth, booking.id, new.id)

    assert response.status_code == 409
    assert error_code(response) == "BOOKING_NOT_ASSIGNABLE"
    assert await state_of(session, booking.id) == before


async def test_an_in_progress_booking_can_still_change_hands(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    old, new = await create_partner(session), await create_partner(session)
    booking = await customer_booking(session, partner=old, status=BookingStatus.IN_PROGRESS)

    response = await assign(client, admin_auth, booking.id, new.id)

    assert response.status_code == 200


async def test_lines_stored_without_a_category_use_their_services_category(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    haircut = await create_service(session, name="Haircut", category="Hair")
    facialist = await create_partner(session, service_categories=["Facial"])
    stylist = await create_partner(session, service_categories=["Hair"])
    booking = await customer_booking(
        session, services=[{"service_id": str(haircut.id), "name": "Haircut", "quantity": 1}]
    )

    refused = await assign(client, admin_auth, booking.id, facialist.id)
    accepted = await assign(client, admin_auth, booking.id, stylist.id)

    assert (refused.status_code, error_code(refused)) == (409, "PARTNER_LACKS_CATEGORY")
    assert accepted.status_code == 200


@pytest.mark.parametrize(
    "body",
    [{"partner_id": "someone"}, {"partner": str(uuid.uuid4())}, []],
    ids=["bad-id", "unknown-field", "not-an-object"],
)
async def test_bad_assignment_bodies_are_422_and_change_nothing(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin_auth: dict[str, str],
    body: Any,
) -> None:
    booking = await customer_booking(session)
    before = await state_of(session, booking.id)

    response = await client.post(
        f"/api/v1/admin/bookings/{booking.id}/assign-partner", json=body, headers=admin_auth
    )

    assert response.status_code == 422
    assert await state_of(session, booking.id) == before


async def test_assigning_an_unknown_booking_is_404(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    partner = await create_partner(session)

    response = await assign(client, admin_auth, uuid.uuid4(), partner.id)

    assert response.status_code == 404
    assert error_code(response) == "BOOKING_NOT_FOUND"


# --- the best partner -------------------------------------------------------------------------


async def test_without_a_name_the_nearest_free_partner_gets_it(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    nearest = await partner_at_km(session, 1)
    second = await partner_at_km(session, 5)
    await partner_at_km(session, 20)
    await customer_booking(session, partner=nearest, hour=11)  # busy 11:00-12:30
    booking = await customer_booking(session)

    response = await assign(client, admin_auth, booking.id)

    assert response.status_code == 200
    assert response.json()["data"]["booking"]["partner_id"] == str(second.id)


async def test_without_a_name_the_nearest_partner_wins_when_all_are_free(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    await partner_at_km(session, 20)
    nearest = await partner_at_km(session, 1)
    await partner_at_km(session, 5)
    booking = await customer_booking(session)

    response = await assign(client, admin_auth, booking.id)

    assert response.json()["data"]["booking"]["partner_id"] == str(nearest.id)


async def test_without_a_name_a_partner_lacking_a_category_is_passed_over(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    await partner_at_km(session, 1, service_categories=["Facial"])
    await partner_at_km(session, 3, service_categories=["Hair"])
    able = await partner_at_km(session, 10, service_categories=["Facial", "Hair", "Nails"])
    booking = await customer_booking(session, categories=("Facial", "Hair"))

    response = await assign(client, admin_auth, booking.id)

    assert response.json()["data"]["booking"]["partner_id"] == str(able.id)


async def test_without_a_name_inactive_and_unavailable_partners_are_passed_over(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    await partner_at_km(session, 1, is_active=False)
    await partner_at_km(session, 2, is_available=False)
    fit = await partner_at_km(session, 15)
    booking = await customer_booking(session)

    response = await assign(client, admin_auth, booking.id)

    assert response.json()["data"]["booking"]["partner_id"] == str(fit.id)


async def test_without_a_name_the_bookings_own_partner_counts_as_free(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    nearest = await partner_at_km(session, 1)
    await partner_at_km(session, 5)
    booking = await customer_booking(session, partner=nearest)
    before = await state_of(session, booking.id)

    response = await assign(client, admin_auth, booking.id)

    assert response.status_code == 200
    assert await state_of(session, booking.id) == before


async def test_without_a_name_and_nobody_free_it_is_409_and_changes_nothing(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    busy = await partner_at_km(session, 1)
    await partner_at_km(session, 2, service_categories=["Hair"])
    await customer_booking(session, partner=busy)
    booking = await customer_booking(session)
    before = await state_of(session, booking.id)

    response = await assign(client, admin_auth, booking.id)

    assert response.status_code == 409
    assert error_code(response) == "NO_PARTNER_AVAILABLE"
    assert await state_of(session, booking.id) == before


async def test_an_empty_body_also_means_the_best_partner(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    partner = await partner_at_km(session, 1)
    booking = await customer_booking(session)

    response = await client.post(
        f"/api/v1/admin/bookings/{booking.id}/assign-partner", headers=admin_auth
    )

    assert response.status_code == 200
    assert response.json()["data"]["booking"]["partner_id"] == str(partner.id)


async def test_without_a_name_the_less_loaded_of_equals_gets_it(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    loaded = await partner_at_km(session, 3)
    idle = await partner_at_km(session, 3)
    for hour in (8, 14, 17):
        await customer_booking(session, partner=loaded, hour=hour)
    booking = await customer_booking(session)

    response = await assign(client, admin_auth, booking.id)

    assert response.json()["data"]["booking"]["partner_id"] == str(idle.id)


async def test_without_a_name_only_live_bookings_starting_that_day_count_as_load(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    """Were the nearer partner's other bookings counted (the evening before, running past
    midnight; the next morning; a cancelled one that day), their load would hand the booking
    to the farther one."""
    nearer = await partner_at_km(session, 2.5)
    await partner_at_km(session, 3)
    await customer_booking(session, partner=nearer, day=DAY - timedelta(days=1), hour=23)
    await customer_booking(session, partner=nearer, day=DAY + timedelta(days=1), hour=8)
    await customer_booking(session, partner=nearer, hour=17, status=BookingStatus.CANCELLED)
    booking = await customer_booking(session)

    response = await assign(client, admin_auth, booking.id)

    assert response.json()["data"]["booking"]["partner_id"] == str(nearer.id)


async def test_without_a_name_the_booking_adds_nothing_to_its_own_partners_load(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    """Counted as their load, the booking itself would hand it to the slightly farther one."""
    own = await partner_at_km(session, 2.5)
    await partner_at_km(session, 3)
    booking = await customer_booking(session, partner=own)
    before = await state_of(session, booking.id)

    response = await assign(client, admin_auth, booking.id)

    assert response.status_code == 200
    assert await state_of(session, booking.id) == before


async def test_without_a_name_the_higher_rated_of_equals_gets_it(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    await partner_at_km(session, 3, rating=4.0)
    rated = await partner_at_km(session, 3, rating=4.5)
    await partner_at_km(session, 3, rating=3.5)
    booking = await customer_booking(session)

    response = await assign(client, admin_auth, booking.id)

    assert response.json()["data"]["booking"]["partner_id"] == str(rated.id)


async def test_without_a_name_equals_go_to_the_lowest_partner_id(
    client: httpx.AsyncClient, session: AsyncSession, admin_auth: dict[str, str]
) -> None:
    equals = [await partner_at_km(session, 3) for _ in range(4)]
    booking = await customer_booking(session)

    response = await assign(client, admin_auth, booking.id)

    assert response.json()["data"]["booking"]["partner_id"] == str(min(p.id for p in equals))


@pytest.mark.parametrize(("other_km", "unplaced_wins"), [(4, False), (6, True)])
async def test_without_a_name_a_partner_with_no_position_is_scored_as_five_km_away(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin_auth: dict[str, str],
    other_km: float,
    unplaced_wins: bool,
) -> None:
    """Nearness is 0.5 without coordinates, which is 1 / (1 + km / 5) at 5 km: a partner 4 km
    away beats one with no position, and one with no position beats a partner 6 km away."""
    unplaced = await create_partner(session, current_lat=None, current_lng=None)
    other = await partner_at_km(session, other_km)
    booking = await customer_booking(session)

    response = await assign(client, admin_auth, booking.id)

    winner = unplaced if unplaced_wins else other
    assert response.json()["data"]["booking"]["partner_id"] == str(winner.id)

"""Who may call what: every operation in the OpenAPI document is classified below, and each
protected one refuses every caller it should (401 for a bad or foreign-audience token, 403 for
a role too small, 404 for another customer's row) while opening for the right one.

A route added without a line in ACCESS fails `test_every_operation_is_classified`."""

import uuid
from collections.abc import Callable, Iterable
from enum import StrEnum

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.addresses.models import UserAddress
from minuteserv.bookings.models import Booking, BookingStatus
from minuteserv.core.config import Settings
from minuteserv.core.security import Audience
from tests.factories import address_body, bearer, reload
from tests.security.calls import assert_envelope, call
from tests.security.document import Operation, operations
from tests.security.tokens import BAD_TOKENS, Claims, good_claims, sign
from tests.security.world import SEEDED_IDS, World


class Access(StrEnum):
    PUBLIC = "public"  # no token (the webhook checks a signature instead)
    CUSTOMER = "customer"  # a customer-audience token
    STAFF = "staff"  # an admin-audience token, role admin or support
    ADMIN_ONLY = "admin_only"  # an admin-audience token, role admin


ACCESS: dict[tuple[str, str], Access] = {
    ("GET", "/healthz"): Access.PUBLIC,
    ("GET", "/readyz"): Access.PUBLIC,
    ("POST", "/api/v1/auth/send-otp"): Access.PUBLIC,
    ("POST", "/api/v1/auth/verify-otp"): Access.PUBLIC,
    ("GET", "/api/v1/services/catalog"): Access.PUBLIC,
    ("POST", "/api/v1/contact"): Access.PUBLIC,
    ("POST", "/api/v1/admin/auth/login"): Access.PUBLIC,
    ("POST", "/api/v1/payments/webhook"): Access.PUBLIC,
    ("POST", "/api/v1/payments/simulated/orders/{order_id}/pay"): Access.PUBLIC,
    ("GET", "/api/v1/dashboard"): Access.CUSTOMER,
    ("PATCH", "/api/v1/profile"): Access.CUSTOMER,
    ("GET", "/api/v1/addresses"): Access.CUSTOMER,
    ("POST", "/api/v1/addresses"): Access.CUSTOMER,
    ("GET", "/api/v1/addresses/{address_id}"): Access.CUSTOMER,
    ("PUT", "/api/v1/addresses/{address_id}"): Access.CUSTOMER,
    ("DELETE", "/api/v1/addresses/{address_id}"): Access.CUSTOMER,
    ("POST", "/api/v1/checkout/prepare"): Access.CUSTOMER,
    ("POST", "/api/v1/checkout/confirm"): Access.CUSTOMER,
    ("GET", "/api/v1/bookings"): Access.CUSTOMER,
    ("GET", "/api/v1/bookings/{booking_id}"): Access.CUSTOMER,
    ("POST", "/api/v1/bookings/{booking_id}/cancel"): Access.CUSTOMER,
    ("POST", "/api/v1/payments/verify"): Access.CUSTOMER,
    ("GET", "/api/v1/admin/dashboard"): Access.STAFF,
    ("GET", "/api/v1/admin/bookings"): Access.STAFF,
    ("GET", "/api/v1/admin/bookings/{booking_id}"): Access.STAFF,
    ("PATCH", "/api/v1/admin/bookings/{booking_id}/status"): Access.STAFF,
    ("POST", "/api/v1/admin/bookings/{booking_id}/assign-partner"): Access.STAFF,
    ("GET", "/api/v1/admin/partners"): Access.STAFF,
    ("POST", "/api/v1/admin/partners"): Access.ADMIN_ONLY,
    ("PATCH", "/api/v1/admin/partners/{partner_id}"): Access.ADMIN_ONLY,
    ("GET", "/api/v1/admin/services"): Access.STAFF,
    ("POST", "/api/v1/admin/services"): Access.ADMIN_ONLY,
    ("PUT", "/api/v1/admin/services/{service_id}"): Access.ADMIN_ONLY,
    ("DELETE", "/api/v1/admin/services/{service_id}"): Access.ADMIN_ONLY,
    ("GET", "/api/v1/admin/promo-codes"): Access.STAFF,
    ("POST", "/api/v1/admin/promo-codes"): Access.ADMIN_ONLY,
    ("PATCH", "/api/v1/admin/promo-codes/{promo_id}"): Access.ADMIN_ONLY,
    ("DELETE", "/api/v1/admin/promo-codes/{promo_id}"): Access.ADMIN_ONLY,
    ("GET", "/api/v1/admin/contact-submissions"): Access.STAFF,
    ("PATCH", "/api/v1/admin/contact-submissions/{submission_id}"): Access.STAFF,
    ("GET", "/api/v1/admin/users"): Access.STAFF,
}


def classified(*kinds: Access) -> list[Operation]:
    return [operation for operation, access in ACCESS.items() if access in kinds]


CUSTOMER_OPERATIONS = classified(Access.CUSTOMER)
STAFF_OPERATIONS = classified(Access.STAFF, Access.ADMIN_ONLY)
PROTECTED_OPERATIONS = classified(Access.CUSTOMER, Access.STAFF, Access.ADMIN_ONLY)
MALFORMED_AUTHORIZATION = {
    "no_header": {},
    "empty_bearer": {"Authorization": "Bearer"},
    "garbage_bearer": {"Authorization": "Bearer not-a-jwt"},
    "basic_scheme": {"Authorization": "Basic YTpi"},
}


async def answers(
    client: httpx.AsyncClient,
    chosen: Iterable[Operation],
    headers: Callable[[Operation], dict[str, str]],
    ids: dict[str, uuid.UUID] | None = None,
) -> dict[Operation, int]:
    """The status each operation answers, every body checked to be the envelope."""
    statuses = {}
    for operation in chosen:
        response = await call(client, operation, headers(operation), ids=ids)
        assert_envelope(response)
        statuses[operation] = response.status_code
    return statuses


def always(headers: dict[str, str]) -> Callable[[Operation], dict[str, str]]:
    return lambda _: headers


def other_than(expected: int, statuses: dict[Operation, int]) -> dict[Operation, int]:
    """The operations that did not answer `expected` (empty when all did)."""
    return {operation: status for operation, status in statuses.items() if status != expected}


def refusing(statuses: dict[Operation, int]) -> dict[Operation, int]:
    """The operations that still refused the caller (401 or 403)."""
    return {operation: status for operation, status in statuses.items() if status in (401, 403)}


def intended_claims(operation: Operation, world: World, settings: Settings) -> Claims:
    """Live claims of the caller the operation is meant for, to be spoiled in one way."""
    if ACCESS[operation] == Access.CUSTOMER:
        return good_claims(
            settings,
            subject=str(world.customer.user.id),
            role="customer",
            audience=Audience.CUSTOMER,
        )
    return good_claims(
        settings, subject=str(world.admin.id), role=world.admin.role, audience=Audience.ADMIN
    )


# --- The table and the document agree --------------------------------------------------------


def test_every_operation_is_classified() -> None:
    documented = set(operations())
    assert sorted(documented - ACCESS.keys()) == [], "classify these operations in ACCESS"
    assert sorted(ACCESS.keys() - documented) == [], "these ACCESS entries match no route"


def test_documented_security_matches_the_table() -> None:
    """The OpenAPI says a bearer token is needed exactly where the table does."""
    mismatched = {
        operation: access
        for operation, access in ACCESS.items()
        if operation in operations()
        and bool(operations()[operation].get("security")) != (access != Access.PUBLIC)
    }
    assert mismatched == {}


# --- Bad credentials: 401 wherever a token is needed ----------------------------------------


@pytest.mark.parametrize("kind", MALFORMED_AUTHORIZATION)
async def test_protected_operations_refuse_a_missing_or_malformed_token(
    client: httpx.AsyncClient, world: World, kind: str
) -> None:
    headers = always(MALFORMED_AUTHORIZATION[kind])
    statuses = await answers(client, PROTECTED_OPERATIONS, headers, SEEDED_IDS)
    assert other_than(401, statuses) == {}, statuses


@pytest.mark.parametrize("kind", sorted(BAD_TOKENS))
async def test_protected_operations_refuse_a_spoiled_token(
    client: httpx.AsyncClient, world: World, settings: Settings, kind: str
) -> None:
    def spoiled(operation: Operation) -> dict[str, str]:
        return bearer(BAD_TOKENS[kind](intended_claims(operation, world, settings), settings))

    statuses = await answers(client, PROTECTED_OPERATIONS, spoiled, SEEDED_IDS)
    assert other_than(401, statuses) == {}, statuses


async def test_unspoiled_claims_open_every_protected_operation(
    client: httpx.AsyncClient, world: World, settings: Settings
) -> None:
    """The control: the claims each spoiled token starts from are good ones."""

    def unspoiled(operation: Operation) -> dict[str, str]:
        return bearer(sign(intended_claims(operation, world, settings), settings))

    statuses = await answers(client, PROTECTED_OPERATIONS, unspoiled, ids=SEEDED_IDS)
    assert refusing(statuses) == {}, statuses


# --- Audience and role -----------------------------------------------------------------------


async def test_customer_token_opens_no_admin_operation(
    client: httpx.AsyncClient, world: World
) -> None:
    statuses = await answers(client, STAFF_OPERATIONS, always(world.customer.auth), SEEDED_IDS)
    assert other_than(401, statuses) == {}, statuses


@pytest.mark.parametrize("role", ["admin", "support"])
async def test_staff_token_opens_no_customer_operation(
    client: httpx.AsyncClient, world: World, role: str
) -> None:
    auth = world.admin_auth if role == "admin" else world.support_auth
    statuses = await answers(client, CUSTOMER_OPERATIONS, always(auth), SEEDED_IDS)
    assert other_than(401, statuses) == {}, statuses


async def test_support_token_is_forbidden_admin_only_operations(
    client: httpx.AsyncClient, world: World
) -> None:
    admin_only = classified(Access.ADMIN_ONLY)
    statuses = await answers(client, admin_only, always(world.support_auth), SEEDED_IDS)
    assert other_than(403, statuses) == {}, statuses


# --- The right caller gets in (its own rows where the path names one) -------------------------


async def test_customer_token_opens_every_customer_operation(
    client: httpx.AsyncClient, world: World
) -> None:
    statuses = await answers(client, CUSTOMER_OPERATIONS, always(world.customer.auth), SEEDED_IDS)
    assert refusing(statuses) == {}, statuses


async def test_admin_token_opens_every_admin_operation(
    client: httpx.AsyncClient, world: World
) -> None:
    statuses = await answers(client, STAFF_OPERATIONS, always(world.admin_auth), SEEDED_IDS)
    assert refusing(statuses) == {}, statuses


async def test_support_token_opens_every_staff_operation(
    client: httpx.AsyncClient, world: World
) -> None:
    staff = classified(Access.STAFF)
    statuses = await answers(client, staff, always(world.support_auth), SEEDED_IDS)
    assert refusing(statuses) == {}, statuses


async def test_public_operations_need_no_token(client: httpx.AsyncClient, world: World) -> None:
    statuses = await answers(client, classified(Access.PUBLIC), always({}), SEEDED_IDS)
    assert refusing(statuses) == {}, statuses


# --- Another customer's rows: 404, and nothing changes ---------------------------------------


async def test_another_customers_address_is_not_found_to_any_verb(
    client: httpx.AsyncClient, session: AsyncSession, world: World
) -> None:
    theirs = {"address_id": world.other_customer.address.id}
    statuses = {}
    for method in ("GET", "PUT", "DELETE"):
        operation = (method, "/api/v1/addresses/{address_id}")
        response = await call(
            client, operation, world.customer.auth, ids=theirs, body=address_body(name="Mine")
        )
        statuses[method] = (response.status_code, assert_envelope(response)["error"]["code"])
    assert statuses == dict.fromkeys(("GET", "PUT", "DELETE"), (404, "ADDRESS_NOT_FOUND"))
    address = await reload(session, UserAddress, world.other_customer.address.id)
    assert address is not None
    assert (address.name, address.user_id, address.deleted_at) == (
        "Home",
        world.other_customer.user.id,
        None,
    )


async def test_another_customers_booking_is_not_found_and_not_cancelled(
    client: httpx.AsyncClient, session: AsyncSession, world: World
) -> None:
    theirs = {"booking_id": world.other_customer.booking.id}
    detail = await call(
        client, ("GET", "/api/v1/bookings/{booking_id}"), world.customer.auth, ids=theirs
    )
    cancel = await call(
        client,
        ("POST", "/api/v1/bookings/{booking_id}/cancel"),
        world.customer.auth,
        ids=theirs,
        body={"reason": "not mine"},
    )
    answered = [
        (response.status_code, assert_envelope(response)["error"]["code"])
        for response in (detail, cancel)
    ]
    assert answered == [(404, "BOOKING_NOT_FOUND")] * 2
    booking = await reload(session, Booking, world.other_customer.booking.id)
    assert booking is not None
    assert (booking.status, booking.cancellation_reason) == (BookingStatus.PENDING, None)


async def test_another_customers_rows_are_not_listed(
    client: httpx.AsyncClient, world: World
) -> None:
    addresses = await client.get("/api/v1/addresses", headers=world.customer.auth)
    bookings = await client.get("/api/v1/bookings", headers=world.customer.auth)
    address_ids = {row["id"] for row in assert_envelope(addresses)["data"]}
    booking_ids = {row["id"] for row in assert_envelope(bookings)["data"]["bookings"]}
    assert address_ids == {str(world.customer.address.id)}
    assert booking_ids == {str(world.customer.booking.id)}

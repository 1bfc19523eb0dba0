"""The rows and signed-in callers the security tests run against: two customers with an address
and a booking each, the catalog rows checkout needs, a contact submission, an admin and a
support agent. Ids are fixed, so a fuzzer declared at import time can aim at real rows."""

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.addresses.models import UserAddress
from minuteserv.auth.models import AdminRole, AdminUser
from minuteserv.bookings.models import Booking
from minuteserv.contact.models import ContactSubmission
from minuteserv.core.config import Settings
from minuteserv.users.models import User
from tests.factories import (
    admin_token,
    bearer,
    create_address,
    create_admin,
    create_booking,
    create_partner,
    create_promo,
    create_service,
    create_user,
    customer_token,
    save,
)
from tests.security.document import Operation, operations

ADMIN_PREFIX = "/api/v1/admin/"


def _seeded(number: int) -> uuid.UUID:
    return uuid.UUID(f"5eed0000-0000-4000-8000-{number:012d}")


# By path parameter name: the first customer's rows, and the shared ones.
SEEDED_IDS = {
    "address_id": _seeded(1),
    "booking_id": _seeded(2),
    "partner_id": _seeded(3),
    "service_id": _seeded(4),
    "promo_id": _seeded(5),
    "submission_id": _seeded(6),
}


@dataclass(frozen=True)
class Customer:
    user: User
    address: UserAddress
    booking: Booking
    auth: dict[str, str]


@dataclass(frozen=True)
class World:
    customer: Customer
    other_customer: Customer
    admin: AdminUser
    support: AdminUser
    admin_auth: dict[str, str]
    support_auth: dict[str, str]

    def auth_for(self, operation: Operation) -> dict[str, str]:
        """No header for a public operation, else a token of the audience it serves (an admin's
        for /admin routes, the first customer's for the rest)."""
        if not operations()[operation].get("security"):
            return {}
        return self.admin_auth if operation[1].startswith(ADMIN_PREFIX) else self.customer.auth


async def _customer(
    session: AsyncSession,
    settings: Settings,
    *,
    address_id: uuid.UUID | None = None,
    booking_id: uuid.UUID | None = None,
) -> Customer:
    user = await create_user(session)
    address = await create_address(session, user, id=address_id or uuid.uuid4(), is_default=True)
    booking = await create_booking(session, user, address, id=booking_id or uuid.uuid4())
    return Customer(user, address, booking, bearer(customer_token(settings, user)))


async def seed_world(session: AsyncSession, settings: Settings) -> World:
    """Commit the world's rows and mint real tokens for its callers."""
    customer = await _customer(
        session,
        settings,
        address_id=SEEDED_IDS["address_id"],
        booking_id=SEEDED_IDS["booking_id"],
    )
    other_customer = await _customer(session, settings)
    await create_partner(session, id=SEEDED_IDS["partner_id"])
    await create_service(session, id=SEEDED_IDS["service_id"])
    await create_promo(session, id=SEEDED_IDS["promo_id"])
    await save(
        session,
        ContactSubmission(
            id=SEEDED_IDS["submission_id"],
            name="Asha",
            email="asha@example.com",
            message="Do you come to Salt Lake?",
        ),
    )
    admin = await create_admin(session, role=AdminRole.ADMIN)
    support = await create_admin(session, role=AdminRole.SUPPORT)
    return World(
        customer=customer,
        other_customer=other_customer,
        admin=admin,
        support=support,
        admin_auth=bearer(admin_token(settings, admin)),
        support_auth=bearer(admin_token(settings, support)),
    )

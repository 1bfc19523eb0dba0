"""Small typed builders for test rows and real tokens. Each commits what it makes."""

import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.addresses.models import UserAddress
from minuteserv.auth.models import AdminRole, AdminUser
from minuteserv.bookings.models import Booking, PaymentMethod
from minuteserv.catalog.models import Service
from minuteserv.core import clock
from minuteserv.core.config import Settings
from minuteserv.core.security import Audience, issue_token
from minuteserv.partners.models import Partner
from minuteserv.promos.models import DiscountType, PromoCode
from minuteserv.users.models import User

Row = TypeVar("Row")
_phone_counter = iter(range(10_000_000))
_booking_counter = iter(range(10_000_000))
_partner_counter = iter(range(10_000_000))


def next_phone() -> str:
    """A fresh valid Indian mobile number in E.164."""
    return f"+9198{next(_phone_counter):08d}"


async def save(session: AsyncSession, row: Row) -> Row:
    session.add(row)
    await session.commit()
    return row


async def create_user(session: AsyncSession, **fields: Any) -> User:
    fields.setdefault("phone_number", next_phone())
    fields.setdefault("is_verified", True)
    return await save(session, User(**fields))


def customer_token(
    settings: Settings, user: User, *, ttl_seconds: int | None = None, secret: str | None = None
) -> str:
    return issue_token(
        subject=str(user.id),
        role="customer",
        audience=Audience.CUSTOMER,
        secret=secret or settings.jwt_secret,
        issuer=settings.jwt_issuer,
        ttl_seconds=ttl_seconds or settings.jwt_ttl_seconds,
        now=clock.now(),
    )


async def deleted_users_token(session: AsyncSession, settings: Settings) -> str:
    """A live customer token whose user has since been deleted."""
    user = await create_user(session)
    token = customer_token(settings, user)
    await session.delete(user)
    await session.commit()
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def money(value: str | int) -> Decimal:
    return Decimal(value)


def ago(**delta: float) -> Any:
    return clock.now() - timedelta(**delta)


async def reload(session: AsyncSession, model: type[Row], row_id: uuid.UUID | str) -> Row | None:
    """The row as the database has it now (or None), read in a transaction that is then closed,
    so the session holds no SQLite lock while the app writes. Ids may come from JSON."""
    row = await session.get(model, uuid.UUID(str(row_id)), populate_existing=True)
    await session.commit()
    return row


async def create_address(session: AsyncSession, user: User, **fields: Any) -> UserAddress:
    """A live address of `user`; pass `is_default=True` for the one default."""
    fields.setdefault("name", "Home")
    fields.setdefault("address_line1", "12 Park Street")
    fields.setdefault("city", "Kolkata")
    fields.setdefault("state", "West Bengal")
    fields.setdefault("pincode", "700016")
    return await save(session, UserAddress(user_id=user.id, **fields))


async def create_service(session: AsyncSession, **fields: Any) -> Service:
    fields.setdefault("name", "Classic Facial")
    fields.setdefault("category", "Facial")
    fields.setdefault("tier", "classic")
    fields.setdefault("product_cost", Decimal("1000.00"))
    fields.setdefault("duration_minutes", 60)
    return await save(session, Service(**fields))


async def create_booking(
    session: AsyncSession, user: User, address: UserAddress, **fields: Any
) -> Booking:
    """A cash booking of one 60-minute service at 10:00 AM IST on `booking_date`."""
    day: date = fields.setdefault("booking_date", date(2030, 1, 20))
    slot: time = fields.setdefault("booking_time", time(10, 0))
    start = datetime.combine(day, slot, tzinfo=UTC) - timedelta(hours=5, minutes=30)
    fields.setdefault("start_at", start)
    fields.setdefault("end_at", start + timedelta(minutes=90))
    fields.setdefault("booking_number", f"BK-TEST-{next(_booking_counter):06d}")
    fields.setdefault(
        "services",
        [{"service_id": str(uuid.uuid4()), "name": "Classic Facial", "quantity": 1, "price": 1000}],
    )
    fields.setdefault("payment_method", PaymentMethod.CASH)
    fields.setdefault("total_price", Decimal("1000.00"))
    fields.setdefault("tax", Decimal("180.00"))
    fields.setdefault("grand_total", Decimal("1180.00"))
    return await save(session, Booking(user_id=user.id, address_id=address.id, **fields))


def address_body(**overrides: Any) -> dict[str, Any]:
    """A valid POST/PUT /addresses body; `overrides` replace fields (None removes one)."""
    body: dict[str, Any] = {
        "name": "Home",
        "address_line1": "123 Main St",
        "city": "Kolkata",
        "state": "West Bengal",
        "pincode": "700032",
        "lat": 22.5726,
        "lng": 88.3639,
    }
    body.update(overrides)
    return {field: value for field, value in body.items() if value is not None}


async def create_partner(session: AsyncSession, **fields: Any) -> Partner:
    """An active, available partner in central Kolkata who does facials unless told otherwise."""
    number = next(_partner_counter)
    fields.setdefault("partner_code", f"PT-TEST-{number:05d}")
    fields.setdefault("name", f"Partner {number}")
    fields.setdefault("phone_number", f"+9197{number:08d}")
    fields.setdefault("service_categories", ["Facial"])
    fields.setdefault("rating", 4.5)
    fields.setdefault("current_lat", 22.5726)
    fields.setdefault("current_lng", 88.3639)
    return await save(session, Partner(**fields))


async def create_promo(session: AsyncSession, **fields: Any) -> PromoCode:
    """An active 10% code with no limits unless told otherwise."""
    fields.setdefault("code", "SAVE10")
    fields.setdefault("discount_type", DiscountType.PERCENTAGE)
    fields.setdefault("discount_value", Decimal("10"))
    return await save(session, PromoCode(**fields))


_admin_counter = iter(range(10_000_000))


async def create_admin(
    session: AsyncSession, *, role: AdminRole = AdminRole.ADMIN, **fields: Any
) -> AdminUser:
    """A staff member who cannot sign in (no real hash); mint a token with `admin_token`."""
    fields.setdefault("email", f"staff{next(_admin_counter)}@minuteserv.test")
    fields.setdefault("password_hash", "not-a-hash")
    fields.setdefault("name", role.value.title())
    return await save(session, AdminUser(role=role, **fields))


def admin_token(settings: Settings, admin: AdminUser) -> str:
    return issue_token(
        subject=str(admin.id),
        role=admin.role.value,
        audience=Audience.ADMIN,
        secret=settings.jwt_secret,
        issuer=settings.jwt_issuer,
        ttl_seconds=settings.jwt_ttl_seconds,
        now=clock.now(),
    )

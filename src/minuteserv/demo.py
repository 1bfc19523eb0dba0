"""Demo data for the embedded default: a catalog, partners around Kolkata, a promo, an admin."""

import secrets
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.auth.models import AdminRole, AdminUser
from minuteserv.catalog.models import Service
from minuteserv.core.passwords import hash_password
from minuteserv.partners.models import Partner
from minuteserv.promos.models import DiscountType, PromoCode

# `.example` is reserved (RFC 2606), so never a real mailbox, and admin login accepts it (`.local`
# is refused by its email validation).
DEMO_ADMIN_EMAIL = "admin@minuteserv.example"
DEMO_PROMO_CODE = "WELCOME10"


@dataclass(frozen=True, slots=True)
class Offer:
    """One tier of a category: our price, the salon price it undercuts (rupees), its minutes."""

    tier: str
    price: str
    market_price: str
    minutes: int


CATALOG: dict[str, tuple[Offer, ...]] = {
    "Facial": (
        Offer("Minimal", "799", "999", 45),
        Offer("Classic", "1299", "1599", 60),
        Offer("Premium", "1999", "2499", 75),
    ),
    "Waxing": (
        Offer("Minimal", "499", "649", 30),
        Offer("Classic", "899", "1199", 45),
        Offer("Premium", "1499", "1899", 60),
    ),
    "Manicure": (
        Offer("Minimal", "399", "499", 30),
        Offer("Classic", "599", "799", 40),
        Offer("Premium", "899", "1149", 50),
    ),
    "Pedicure": (
        Offer("Minimal", "449", "599", 35),
        Offer("Classic", "699", "899", 45),
        Offer("Premium", "999", "1299", 60),
    ),
    "Threading": (
        Offer("Minimal", "49", "79", 10),
        Offer("Classic", "99", "149", 15),
        Offer("Premium", "199", "279", 25),
    ),
    "Hair Spa": (
        Offer("Minimal", "699", "899", 45),
        Offer("Classic", "999", "1299", 60),
        Offer("Premium", "1499", "1899", 75),
    ),
    "Makeup": (
        Offer("Minimal", "1499", "1999", 45),
        Offer("Classic", "2999", "3799", 75),
        Offer("Premium", "5999", "7499", 120),
    ),
    "Massage": (
        Offer("Minimal", "999", "1299", 45),
        Offer("Classic", "1499", "1899", 60),
        Offer("Premium", "2199", "2799", 90),
    ),
    "Bleach & Detan": (
        Offer("Minimal", "349", "449", 20),
        Offer("Classic", "549", "699", 30),
        Offer("Premium", "799", "999", 40),
    ),
}

SKIN = ("Facial", "Bleach & Detan", "Threading")
NAILS = ("Manicure", "Pedicure")
BODY = ("Waxing", "Massage")
STYLING = ("Hair Spa", "Makeup")


@dataclass(frozen=True, slots=True)
class DemoPartner:
    name: str
    lat: float
    lng: float
    rating: float
    categories: tuple[str, ...]


PARTNERS = (
    DemoPartner("Priya Das", 22.5526, 88.3525, 4.8, (*SKIN, *NAILS)),  # Park Street
    DemoPartner("Ananya Ghosh", 22.5735, 88.4331, 4.6, (*SKIN, *BODY)),  # Salt Lake Sector V
    DemoPartner("Riya Banerjee", 22.5276, 88.3638, 4.9, (*STYLING, "Facial")),  # Ballygunge
    DemoPartner("Sneha Mukherjee", 22.5806, 88.4616, 4.5, (*NAILS, *BODY)),  # New Town
    DemoPartner("Pooja Chatterjee", 22.4986, 88.3106, 4.3, (*SKIN, "Waxing")),  # Behala
    DemoPartner("Moumita Sen", 22.4625, 88.3906, 4.7, (*NAILS, *STYLING)),  # Garia
    DemoPartner("Tanushree Roy", 22.5958, 88.2636, 4.4, (*SKIN, *NAILS, "Waxing")),  # Howrah
    DemoPartner("Shreya Bose", 22.622, 88.423, 4.6, (*BODY, "Hair Spa")),  # Dum Dum
    DemoPartner("Payel Dutta", 22.4989, 88.3475, 4.8, (*STYLING, *SKIN)),  # Tollygunge
    DemoPartner("Rupa Saha", 22.4955, 88.3709, 4.2, (*NAILS, *SKIN)),  # Jadavpur
    DemoPartner("Ishita Paul", 22.6012, 88.3727, 4.5, (*SKIN, *BODY, *NAILS)),  # Shyambazar
    DemoPartner("Debjani Mitra", 22.5308, 88.3305, 4.9, tuple(CATALOG)),  # Alipore
)


@dataclass(frozen=True, slots=True)
class DemoSeed:
    """What a seeding run added; `admin_password` is set only when the admin was created."""

    categories: int
    services: int
    partners: int
    promo_code: str | None
    admin_password: str | None


async def seed_demo_data(session: AsyncSession) -> DemoSeed | None:
    """Add the demo rows unless the database already has a catalog; None when nothing was added."""
    if await session.scalar(sa.select(Service.id).limit(1)) is not None:
        return None
    session.add_all(_services())
    session.add_all(_partners())
    promo_code = await _add_promo(session)
    admin_password = await _add_admin(session)
    await session.flush()
    return DemoSeed(
        categories=len(CATALOG),
        services=sum(len(offers) for offers in CATALOG.values()),
        partners=len(PARTNERS),
        promo_code=promo_code,
        admin_password=admin_password,
    )


def _services() -> list[Service]:
    return [
        Service(
            name=f"{category} - {offer.tier}",
            category=category,
            tier=offer.tier,
            product_cost=Decimal(offer.price),
            market_price=Decimal(offer.market_price),
            duration_minutes=offer.minutes,
        )
        for category, offers in CATALOG.items()
        for offer in offers
    ]


def _partners() -> list[Partner]:
    return [
        Partner(
            partner_code=f"MSP-KOL-{number:03d}",
            name=partner.name,
            phone_number=f"+91983120{number:04d}",
            service_categories=list(partner.categories),
            rating=partner.rating,
            current_lat=partner.lat,
            current_lng=partner.lng,
        )
        for number, partner in enumerate(PARTNERS, start=1)
    ]


async def _add_promo(session: AsyncSession) -> str | None:
    """WELCOME10: 10% off orders of 500 or more, no end date, the first 1000 uses."""
    if await session.scalar(sa.select(PromoCode.id).where(PromoCode.code == DEMO_PROMO_CODE)):
        return None
    session.add(
        PromoCode(
            code=DEMO_PROMO_CODE,
            discount_type=DiscountType.PERCENTAGE,
            discount_value=Decimal(10),
            min_order_amount=Decimal(500),
            usage_limit=1000,
        )
    )
    return DEMO_PROMO_CODE


async def _add_admin(session: AsyncSession) -> str | None:
    """The demo admin with a fresh random password, returned so it can be shown once."""
    if await session.scalar(sa.select(AdminUser.id).where(AdminUser.email == DEMO_ADMIN_EMAIL)):
        return None
    password = secrets.token_urlsafe(12)
    session.add(
        AdminUser(
            email=DEMO_ADMIN_EMAIL,
            password_hash=hash_password(password),
            name="Demo Admin",
            role=AdminRole.ADMIN,
        )
    )
    return password

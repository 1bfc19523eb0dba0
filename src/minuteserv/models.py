"""Every table's model, imported once so `Base.metadata` is complete (Alembic, tests)."""

from minuteserv.addresses.models import UserAddress
from minuteserv.auth.models import AdminUser, OtpVerification
from minuteserv.bookings.models import Booking, BookingEvent
from minuteserv.bookings.partner_days import PartnerDay
from minuteserv.bookings.revisions import BookingRevision
from minuteserv.bookings.totals import BookingDayTotal
from minuteserv.catalog.models import Service
from minuteserv.checkout.models import CheckoutPreview
from minuteserv.contact.models import ContactSubmission
from minuteserv.core.db import Base
from minuteserv.core.revisions import CacheRevision
from minuteserv.partners.models import Partner
from minuteserv.payments.models import Payment, WebhookEvent
from minuteserv.promos.models import PromoCode
from minuteserv.users.models import User

__all__ = [
    "AdminUser",
    "Base",
    "Booking",
    "BookingDayTotal",
    "BookingEvent",
    "BookingRevision",
    "CacheRevision",
    "CheckoutPreview",
    "ContactSubmission",
    "OtpVerification",
    "Partner",
    "PartnerDay",
    "Payment",
    "PromoCode",
    "Service",
    "User",
    "UserAddress",
    "WebhookEvent",
]

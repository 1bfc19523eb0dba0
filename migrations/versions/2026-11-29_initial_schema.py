"""initial schema

Revision ID: 9f58606d70a1
Revises:
Create Date: 2026-11-29 20:47:15.936763
"""

from collections.abc import Sequence
from decimal import Decimal

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from minuteserv.core.db import Money, UTCDateTime

revision: str = "9f58606d70a1"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "admin_users",
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column(
            "role",
            sa.Enum("admin", "support", name="adminrole", native_enum=False, length=20),
            server_default="admin",
            nullable=False,
        ),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_users")),
        sa.UniqueConstraint("email", name=op.f("uq_admin_users_email")),
    )
    op.create_table(
        "contact_submissions",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("phone", sa.String(length=15), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "new", "in_progress", "resolved", name="contactstatus", native_enum=False, length=20
            ),
            server_default="new",
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_submissions")),
    )
    with op.batch_alter_table("contact_submissions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_contact_submissions_status_created", ["status", "created_at"], unique=False
        )

    op.create_table(
        "otp_verifications",
        sa.Column("phone_number", sa.String(length=15), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("is_verified", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_otp_verifications")),
    )
    with op.batch_alter_table("otp_verifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_otp_verifications_expires_at"), ["expires_at"], unique=False
        )
        batch_op.create_index(
            "ix_otp_verifications_phone_created", ["phone_number", "created_at"], unique=False
        )

    op.create_table(
        "partners",
        sa.Column("partner_code", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("phone_number", sa.String(length=15), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column(
            "service_categories",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("is_available", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column(
            "rating",
            sa.Numeric(precision=3, scale=2, asdecimal=False).with_variant(sa.Float(), "sqlite"),
            server_default="0",
            nullable=False,
        ),
        sa.Column("total_bookings", sa.Integer(), server_default="0", nullable=False),
        sa.Column("total_earnings", Money(), server_default="0", nullable=False),
        sa.Column("pending_payout", Money(), server_default="0", nullable=False),
        sa.Column(
            "current_lat",
            sa.Numeric(precision=11, scale=8, asdecimal=False).with_variant(sa.Float(), "sqlite"),
            nullable=True,
        ),
        sa.Column(
            "current_lng",
            sa.Numeric(precision=11, scale=8, asdecimal=False).with_variant(sa.Float(), "sqlite"),
            nullable=True,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("rating >= 0 AND rating <= 5", name=op.f("ck_partners_rating_range")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partners")),
        sa.UniqueConstraint("partner_code", name=op.f("uq_partners_partner_code")),
        sa.UniqueConstraint("phone_number", name=op.f("uq_partners_phone_number")),
    )
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.create_index(
            "ix_partners_active_available", ["is_active", "is_available"], unique=False
        )

    op.create_table(
        "promo_codes",
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column(
            "discount_type",
            sa.Enum("percentage", "fixed", name="discounttype", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("discount_value", Money(), nullable=False),
        sa.Column("min_order_amount", Money(), nullable=True),
        sa.Column("usage_limit", sa.Integer(), nullable=True),
        sa.Column("used_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("valid_from", UTCDateTime(), nullable=True),
        sa.Column("valid_until", UTCDateTime(), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(  # a Money literal: 10000 on SQLite, which stores paise
            sa.or_(
                sa.column("discount_type") != "percentage",
                sa.column("discount_value") <= sa.literal(Decimal(100), Money()),
            ),
            name=op.f("ck_promo_codes_percentage_at_most_100"),
        ),
        sa.CheckConstraint("discount_value > 0", name=op.f("ck_promo_codes_discount_positive")),
        sa.CheckConstraint(
            "usage_limit IS NULL OR used_count <= usage_limit",
            name=op.f("ck_promo_codes_within_limit"),
        ),
        sa.CheckConstraint("used_count >= 0", name=op.f("ck_promo_codes_used_count_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promo_codes")),
        sa.UniqueConstraint("code", name=op.f("uq_promo_codes_code")),
    )
    op.create_table(
        "services",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("tier", sa.String(length=50), nullable=False),
        sa.Column("product_cost", Money(), nullable=False),
        sa.Column("market_price", Money(), nullable=True),
        sa.Column("duration_minutes", sa.Integer(), server_default="60", nullable=False),
        sa.Column("image_url", sa.String(length=500), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("duration_minutes > 0", name=op.f("ck_services_duration_positive")),
        sa.CheckConstraint(
            "market_price IS NULL OR market_price > 0",
            name=op.f("ck_services_market_price_positive"),
        ),
        sa.CheckConstraint("product_cost > 0", name=op.f("ck_services_product_cost_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_services")),
    )
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.create_index("ix_services_category_tier", ["category", "tier"], unique=False)

    op.create_table(
        "users",
        sa.Column("phone_number", sa.String(length=15), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("is_verified", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("phone_number", name=op.f("uq_users_phone_number")),
    )
    op.create_table(
        "user_addresses",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), server_default="Home", nullable=False),
        sa.Column("address_line1", sa.String(length=255), nullable=False),
        sa.Column("address_line2", sa.String(length=255), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=100), nullable=False),
        sa.Column("pincode", sa.String(length=10), nullable=False),
        sa.Column(
            "lat",
            sa.Numeric(precision=11, scale=8, asdecimal=False).with_variant(sa.Float(), "sqlite"),
            nullable=True,
        ),
        sa.Column(
            "lng",
            sa.Numeric(precision=11, scale=8, asdecimal=False).with_variant(sa.Float(), "sqlite"),
            nullable=True,
        ),
        sa.Column("place_id", sa.String(length=255), nullable=True),
        sa.Column("is_default", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_addresses_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_addresses")),
    )
    with op.batch_alter_table("user_addresses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_addresses_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            "uq_user_addresses_one_default",
            ["user_id"],
            unique=True,
            sqlite_where=sa.text("is_default AND deleted_at IS NULL"),
            postgresql_where=sa.text("is_default AND deleted_at IS NULL"),
        )

    op.create_table(
        "bookings",
        sa.Column("booking_number", sa.String(length=50), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("address_id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=True),
        sa.Column(
            "services",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("booking_date", sa.Date(), nullable=False),
        sa.Column("booking_time", sa.Time(), nullable=False),
        sa.Column("start_at", UTCDateTime(), nullable=False),
        sa.Column("end_at", UTCDateTime(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "confirmed",
                "in_progress",
                "completed",
                "cancelled",
                name="bookingstatus",
                native_enum=False,
                length=20,
            ),
            server_default="pending",
            nullable=False,
        ),
        sa.Column(
            "payment_method",
            sa.Enum("cash", "online", name="paymentmethod", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column(
            "payment_status",
            sa.Enum(
                "pending",
                "paid",
                "failed",
                "refund_pending",
                "refunded",
                name="paymentstatus",
                native_enum=False,
                length=20,
            ),
            server_default="pending",
            nullable=False,
        ),
        sa.Column("razorpay_order_id", sa.String(length=255), nullable=True),
        sa.Column("razorpay_payment_id", sa.String(length=255), nullable=True),
        sa.Column("hold_expires_at", UTCDateTime(), nullable=True),
        sa.Column("total_price", Money(), nullable=False),
        sa.Column("discount", Money(), server_default="0", nullable=False),
        sa.Column("tax", Money(), nullable=False),
        sa.Column("grand_total", Money(), nullable=False),
        sa.Column("partner_payout", Money(), nullable=True),
        sa.Column("promo_code", sa.String(length=50), nullable=True),
        sa.Column("promo_code_id", sa.Uuid(), nullable=True),
        sa.Column("customer_name", sa.String(length=255), nullable=True),
        sa.Column("customer_phone", sa.String(length=15), nullable=True),
        sa.Column("customer_email", sa.String(length=255), nullable=True),
        sa.Column(
            "assignment_status",
            sa.Enum(
                "assigned",
                "accepted",
                "rejected",
                name="assignmentstatus",
                native_enum=False,
                length=20,
            ),
            nullable=True,
        ),
        sa.Column("assigned_at", UTCDateTime(), nullable=True),
        sa.Column("accepted_at", UTCDateTime(), nullable=True),
        sa.Column("cancelled_at", UTCDateTime(), nullable=True),
        sa.Column("cancellation_reason", sa.Text(), nullable=True),
        sa.Column("refund_amount", Money(), nullable=True),
        sa.Column("customer_rating", sa.Integer(), nullable=True),
        sa.Column("customer_feedback", sa.Text(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "customer_rating IS NULL OR customer_rating BETWEEN 1 AND 5",
            name=op.f("ck_bookings_rating_range"),
        ),
        sa.CheckConstraint(
            "discount <= total_price", name=op.f("ck_bookings_discount_within_subtotal")
        ),
        sa.CheckConstraint("end_at > start_at", name=op.f("ck_bookings_range_ordered")),
        sa.CheckConstraint(
            "total_price >= 0 AND discount >= 0 AND tax >= 0 AND grand_total >= 0",
            name=op.f("ck_bookings_amounts_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["address_id"],
            ["user_addresses.id"],
            name=op.f("fk_bookings_address_id_user_addresses"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_bookings_partner_id_partners")
        ),
        sa.ForeignKeyConstraint(
            ["promo_code_id"],
            ["promo_codes.id"],
            name=op.f("fk_bookings_promo_code_id_promo_codes"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_bookings_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
        sa.UniqueConstraint("booking_number", name=op.f("uq_bookings_booking_number")),
    )
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.create_index("ix_bookings_booking_date", ["booking_date"], unique=False)
        batch_op.create_index("ix_bookings_hold_expires", ["hold_expires_at"], unique=False)
        batch_op.create_index("ix_bookings_partner_start", ["partner_id", "start_at"], unique=False)
        batch_op.create_index("ix_bookings_status", ["status"], unique=False)
        batch_op.create_index("ix_bookings_user_created", ["user_id", "created_at"], unique=False)

    op.create_table(
        "checkout_previews",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("address_id", sa.Uuid(), nullable=False),
        sa.Column(
            "items",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "categories",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("subtotal", Money(), nullable=False),
        sa.Column("discount", Money(), nullable=False),
        sa.Column("tax", Money(), nullable=False),
        sa.Column("grand_total", Money(), nullable=False),
        sa.Column("partner_payout", Money(), nullable=False),
        sa.Column(
            "promo",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("promo_code_id", sa.Uuid(), nullable=True),
        sa.Column("booking_date", sa.Date(), nullable=True),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("booking_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["address_id"],
            ["user_addresses.id"],
            name=op.f("fk_checkout_previews_address_id_user_addresses"),
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_checkout_previews_booking_id_bookings"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["promo_code_id"],
            ["promo_codes.id"],
            name=op.f("fk_checkout_previews_promo_code_id_promo_codes"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_checkout_previews_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkout_previews")),
        sa.UniqueConstraint("booking_id", name=op.f("uq_checkout_previews_booking_id")),
    )
    with op.batch_alter_table("checkout_previews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_checkout_previews_expires_at"), ["expires_at"], unique=False
        )
        batch_op.create_index(
            "ix_checkout_previews_user_created", ["user_id", "created_at"], unique=False
        )

    op.create_table(
        "payments",
        sa.Column("booking_id", sa.Uuid(), nullable=False),
        sa.Column("razorpay_order_id", sa.String(length=255), nullable=True),
        sa.Column("razorpay_payment_id", sa.String(length=255), nullable=True),
        sa.Column("amount", Money(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "captured",
                "failed",
                "refund_pending",
                "refunded",
                name="paymentrecordstatus",
                native_enum=False,
                length=20,
            ),
            server_default="pending",
            nullable=False,
        ),
        sa.Column("payment_method", sa.String(length=50), nullable=True),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payments_amount_positive")),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_payments_booking_id_bookings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint("razorpay_order_id", name=op.f("uq_payments_razorpay_order_id")),
        sa.UniqueConstraint("razorpay_payment_id", name=op.f("uq_payments_razorpay_payment_id")),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payments_booking_id"), ["booking_id"], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        _postgresql_safety_nets()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE bookings DROP CONSTRAINT IF EXISTS ex_bookings_partner_overlap")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_booking_id"))

    op.drop_table("payments")
    with op.batch_alter_table("checkout_previews", schema=None) as batch_op:
        batch_op.drop_index("ix_checkout_previews_user_created")
        batch_op.drop_index(batch_op.f("ix_checkout_previews_expires_at"))

    op.drop_table("checkout_previews")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index("ix_bookings_user_created")
        batch_op.drop_index("ix_bookings_status")
        batch_op.drop_index("ix_bookings_partner_start")
        batch_op.drop_index("ix_bookings_hold_expires")
        batch_op.drop_index("ix_bookings_booking_date")

    op.drop_table("bookings")
    with op.batch_alter_table("user_addresses", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_user_addresses_one_default",
            sqlite_where=sa.text("is_default AND deleted_at IS NULL"),
            postgresql_where=sa.text("is_default AND deleted_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_user_addresses_user_id"))

    op.drop_table("user_addresses")
    op.drop_table("users")
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.drop_index("ix_services_category_tier")

    op.drop_table("services")
    op.drop_table("promo_codes")
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.drop_index("ix_partners_active_available")

    op.drop_table("partners")
    with op.batch_alter_table("otp_verifications", schema=None) as batch_op:
        batch_op.drop_index("ix_otp_verifications_phone_created")
        batch_op.drop_index(batch_op.f("ix_otp_verifications_expires_at"))

    op.drop_table("otp_verifications")
    with op.batch_alter_table("contact_submissions", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_submissions_status_created")

    op.drop_table("contact_submissions")
    op.drop_table("admin_users")


TABLES = (
    "admin_users",
    "contact_submissions",
    "otp_verifications",
    "partners",
    "promo_codes",
    "services",
    "users",
    "user_addresses",
    "bookings",
    "checkout_previews",
    "payments",
)


def _postgresql_safety_nets() -> None:
    """PostgreSQL only. SQLite counterparts: bookings are checked inside BEGIN IMMEDIATE
    transactions (writers serialized), and SQLite has no roles to hide rows from."""
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    # No partner may hold two overlapping live bookings, whoever races whom.
    op.execute(
        "ALTER TABLE bookings ADD CONSTRAINT ex_bookings_partner_overlap "
        "EXCLUDE USING gist (partner_id WITH =, tstzrange(start_at, end_at, '[)') WITH &&) "
        "WHERE (partner_id IS NOT NULL AND status <> 'cancelled')"
    )
    # Row level security with no policies: Supabase's anon and authenticated roles see nothing;
    # the app connects as the tables' owner, which RLS does not restrict.
    for table in (*TABLES, "alembic_version"):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")

"""dashboard totals: bookings counted per date, status and payment status by triggers

Revision ID: d5b8f2c3e0a1
Revises: c4a7e1b2d9f0
Create Date: 2026-11-30 01:00:00

The staff dashboard reads `booking_day_totals` (a few rows a day) instead of scanning
every booking, and two indexes serve its newest bookings and the unassigned upcoming ones.
Triggers, not application code, keep the totals: no write path can forget to. They are
created before the backfill, whose snapshot then holds every booking they will not see.

PostgreSQL: the row triggers are deferred to commit. Confirms book many visits for the same
day; an immediate trigger would lock that day's row from the booking's insert until its
commit and queue every other confirm of the day behind it, a deferred one only during the
commit. TRUNCATE empties the totals too. SQLite serializes writers anyway: plain row triggers.
A later migration that makes SQLite rebuild `bookings` (batch mode) drops these and must
create them again. On PostgreSQL, a migration that writes to `bookings` and then alters or
truncates it in the same transaction (migrations/env.py runs them all in one) is refused while
these deferred trigger events are pending: run `SET CONSTRAINTS ALL IMMEDIATE` in between.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d5b8f2c3e0a1"
down_revision: str | None = "c4a7e1b2d9f0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNASSIGNED_LIVE = sa.text("partner_id IS NULL AND status <> 'cancelled'")
COUNTED = "booking_date, status, payment_status, grand_total"

INSERT = """
INSERT INTO booking_day_totals
    (booking_date, status, payment_status, booking_count, grand_total_paise)
{rows}
"""
UPSERT = (
    INSERT
    + """ON CONFLICT (booking_date, status, payment_status) DO UPDATE SET
    booking_count = booking_day_totals.booking_count + excluded.booking_count,
    grand_total_paise = booking_day_totals.grand_total_paise + excluded.grand_total_paise
"""
)
BACKFILL = """
SELECT booking_date, status, payment_status, count(*), sum({paise})
FROM bookings GROUP BY booking_date, status, payment_status
"""
PAISE = {
    "postgresql": "CAST(grand_total * 100 AS BIGINT)",
    "sqlite": "grand_total",  # the Money type stores paise there already
}

# One statement for INSERT, UPDATE and DELETE (OLD is NULL on insert, NEW on delete); rows
# in key order, so two transactions never take the same two rows in opposite orders.
POSTGRESQL_CHANGE = """
SELECT booking_date, status, payment_status, sum(booking_count), sum(grand_total_paise)
FROM (
    SELECT OLD.booking_date, OLD.status, OLD.payment_status, -1,
           -CAST(OLD.grand_total * 100 AS BIGINT)
    WHERE TG_OP <> 'INSERT'
    UNION ALL
    SELECT NEW.booking_date, NEW.status, NEW.payment_status, 1,
           CAST(NEW.grand_total * 100 AS BIGINT)
    WHERE TG_OP <> 'DELETE'
) AS change (booking_date, status, payment_status, booking_count, grand_total_paise)
GROUP BY booking_date, status, payment_status
ORDER BY booking_date, status, payment_status
"""
POSTGRESQL_FUNCTIONS = (
    f"""
CREATE FUNCTION count_booking_in_day_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {UPSERT.format(rows=POSTGRESQL_CHANGE)};
    RETURN NULL;
END
$$
""",
    """
CREATE FUNCTION empty_booking_day_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM booking_day_totals;
    RETURN NULL;
END
$$
""",
)
POSTGRESQL_TRIGGERS = (
    """
CREATE CONSTRAINT TRIGGER bookings_count_in_day_totals
AFTER INSERT OR DELETE ON bookings DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION count_booking_in_day_totals()
""",
    f"""
CREATE CONSTRAINT TRIGGER bookings_recount_in_day_totals
AFTER UPDATE OF {COUNTED} ON bookings DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW
WHEN ((OLD.booking_date, OLD.status, OLD.payment_status, OLD.grand_total)
      IS DISTINCT FROM (NEW.booking_date, NEW.status, NEW.payment_status, NEW.grand_total))
EXECUTE FUNCTION count_booking_in_day_totals()
""",
    """
CREATE TRIGGER bookings_truncate_empties_day_totals AFTER TRUNCATE ON bookings
FOR EACH STATEMENT EXECUTE FUNCTION empty_booking_day_totals()
""",
)
POSTGRESQL_DROPS = (
    "DROP TRIGGER bookings_truncate_empties_day_totals ON bookings",
    "DROP TRIGGER bookings_recount_in_day_totals ON bookings",
    "DROP TRIGGER bookings_count_in_day_totals ON bookings",
    "DROP FUNCTION empty_booking_day_totals()",
    "DROP FUNCTION count_booking_in_day_totals()",
)

SQLITE_ADD_NEW = "VALUES (NEW.booking_date, NEW.status, NEW.payment_status, 1, NEW.grand_total)"
SQLITE_TAKE_OLD = "VALUES (OLD.booking_date, OLD.status, OLD.payment_status, -1, -OLD.grand_total)"
SQLITE_TRIGGERS = {
    "bookings_insert_counts_in_day_totals": ("AFTER INSERT", [SQLITE_ADD_NEW]),
    "bookings_update_recounts_in_day_totals": (
        f"AFTER UPDATE OF {COUNTED}",
        [SQLITE_TAKE_OLD, SQLITE_ADD_NEW],
    ),
    "bookings_delete_uncounts_in_day_totals": ("AFTER DELETE", [SQLITE_TAKE_OLD]),
}


def upgrade() -> None:
    dialect = op.get_context().dialect.name
    op.create_table(
        "booking_day_totals",
        sa.Column("booking_date", sa.Date(), nullable=False),
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
            nullable=False,
        ),
        sa.Column("booking_count", sa.BigInteger(), nullable=False),
        sa.Column("grand_total_paise", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "booking_date", "status", "payment_status", name=op.f("pk_booking_day_totals")
        ),
    )
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.create_index("ix_bookings_created", ["created_at", "id"], unique=False)
        batch_op.create_index(
            "ix_bookings_unassigned_start",
            ["start_at"],
            unique=False,
            postgresql_where=UNASSIGNED_LIVE,
            sqlite_where=UNASSIGNED_LIVE,
        )
    if dialect == "postgresql":
        _create_postgresql_triggers()
    else:
        _create_sqlite_triggers()
    op.execute(INSERT.format(rows=BACKFILL.format(paise=PAISE[dialect])))


def _create_postgresql_triggers() -> None:
    op.execute("ALTER TABLE booking_day_totals ENABLE ROW LEVEL SECURITY")
    for statement in (*POSTGRESQL_FUNCTIONS, *POSTGRESQL_TRIGGERS):
        op.execute(statement)


def _create_sqlite_triggers() -> None:
    for name, (event, changes) in SQLITE_TRIGGERS.items():
        statements = " ".join(f"{UPSERT.format(rows=rows)};" for rows in changes)
        op.execute(f"CREATE TRIGGER {name} {event} ON bookings BEGIN {statements} END")


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        for drop in POSTGRESQL_DROPS:
            op.execute(drop)
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index("ix_bookings_unassigned_start")
        batch_op.drop_index("ix_bookings_created")
    op.drop_table("booking_day_totals")

"""booking revisions: counters that every write to bookings or partners bumps, for the
schedule and dashboard caches

Revision ID: f3d1b8a6c2e4
Revises: e2c9a4f7b3d6
Create Date: 2026-11-30 05:00:00

Each app process keeps the slot search's answer for a day and a set of categories
(bookings/schedules.py) and the staff dashboard (admin/dashboard.py), and checks these counters
before using them. `booking_revisions` has a row per booking date: a booking's insert, delete
or change bumps its old and new `booking_date`, so a day's schedule is read again only when a
booking of that day or of a neighbouring one has changed; a TRUNCATE of bookings bumps every
date. A write to partners that can change a schedule or the dashboard (insert, delete, or a
change of availability, categories, rating or position) bumps the `partners` counter in
`cache_revisions`. Triggers, not application code, bump them: no write path can forget to.
The counters only ever grow; a copy is trusted while the sum of those it depends on is what
it was.

PostgreSQL: the bookings row triggers are deferred to commit, like the day totals' (see
d5b8f2c3e0a1 for why, and for what that asks of later migrations). Both are keyed by booking
date and run in that order for each booking, so transactions that write bookings in date order
(the worker's batches) take their rows in one order. SQLite: row triggers.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f3d1b8a6c2e4"
down_revision: str | None = "e2c9a4f7b3d6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BUMP_PARTNERS = "UPDATE cache_revisions SET revision = revision + 1 WHERE name = 'partners'"
BUMP_EVERY_DATE = "UPDATE booking_revisions SET revision = revision + 1"
BUMP_DATES = """
INSERT INTO booking_revisions (day, revision)
SELECT DISTINCT day, 1 FROM ({dates}) AS touched
WHERE day IS NOT NULL
ORDER BY day
ON CONFLICT (day) DO UPDATE SET revision = booking_revisions.revision + 1
"""
# Dates in order, so two transactions never take the same two rows in opposite orders.
PARTNER_COLUMNS = "is_active, is_available, service_categories, rating, current_lat, current_lng"

POSTGRESQL_DATES = """
    SELECT OLD.booking_date AS day WHERE TG_OP <> 'INSERT'
    UNION ALL SELECT NEW.booking_date WHERE TG_OP <> 'DELETE'
"""
POSTGRESQL_FUNCTIONS = {
    "bump_booking_dates": BUMP_DATES.format(dates=POSTGRESQL_DATES),
    "bump_every_booking_date": BUMP_EVERY_DATE,
    "bump_partners_revision": BUMP_PARTNERS,
}
POSTGRESQL_TRIGGERS = (
    """
CREATE CONSTRAINT TRIGGER bookings_bump_dates
AFTER INSERT OR DELETE ON bookings DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION bump_booking_dates()
""",
    """
CREATE CONSTRAINT TRIGGER bookings_rebump_dates
AFTER UPDATE ON bookings DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
EXECUTE FUNCTION bump_booking_dates()
""",
    """
CREATE TRIGGER bookings_truncate_bumps_every_date AFTER TRUNCATE ON bookings
FOR EACH STATEMENT EXECUTE FUNCTION bump_every_booking_date()
""",
    f"""
CREATE TRIGGER partners_bump_revision
AFTER INSERT OR UPDATE OF {PARTNER_COLUMNS} OR DELETE OR TRUNCATE ON partners
FOR EACH STATEMENT EXECUTE FUNCTION bump_partners_revision()
""",
)
POSTGRESQL_DROPS = (
    "DROP TRIGGER partners_bump_revision ON partners",
    "DROP TRIGGER bookings_truncate_bumps_every_date ON bookings",
    "DROP TRIGGER bookings_rebump_dates ON bookings",
    "DROP TRIGGER bookings_bump_dates ON bookings",
    *(f"DROP FUNCTION {name}()" for name in POSTGRESQL_FUNCTIONS),
)

SQLITE_TRIGGERS = {
    "bookings_insert_bumps_dates": ("AFTER INSERT ON bookings", "SELECT NEW.booking_date AS day"),
    "bookings_update_bumps_dates": (
        "AFTER UPDATE ON bookings",
        "SELECT OLD.booking_date AS day UNION ALL SELECT NEW.booking_date",
    ),
    "bookings_delete_bumps_dates": ("AFTER DELETE ON bookings", "SELECT OLD.booking_date AS day"),
}
SQLITE_PARTNER_EVENTS = {  # row triggers only, one per event
    "insert": "INSERT",
    "update": f"UPDATE OF {PARTNER_COLUMNS}",
    "delete": "DELETE",
}


def upgrade() -> None:
    op.create_table(
        "booking_revisions",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_booking_revisions")),
    )
    op.execute("INSERT INTO cache_revisions (name, revision) VALUES ('partners', 0)")
    if op.get_context().dialect.name == "postgresql":
        _create_postgresql_triggers()
        return
    for name, (event, dates) in SQLITE_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {event} BEGIN {BUMP_DATES.format(dates=dates)}; END")
    for name, event in SQLITE_PARTNER_EVENTS.items():
        op.execute(
            f"CREATE TRIGGER partners_{name}_bumps_revision "
            f"AFTER {event} ON partners BEGIN {BUMP_PARTNERS}; END"
        )


def _create_postgresql_triggers() -> None:
    op.execute("ALTER TABLE booking_revisions ENABLE ROW LEVEL SECURITY")
    for name, body in POSTGRESQL_FUNCTIONS.items():
        op.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n    {body};\n    RETURN NULL;\nEND\n$$"
        )
    for trigger in POSTGRESQL_TRIGGERS:
        op.execute(trigger)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        for drop in POSTGRESQL_DROPS:
            op.execute(drop)
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
        for name in SQLITE_PARTNER_EVENTS:
            op.execute(f"DROP TRIGGER partners_{name}_bumps_revision")
    op.execute("DELETE FROM cache_revisions WHERE name = 'partners'")
    op.drop_table("booking_revisions")

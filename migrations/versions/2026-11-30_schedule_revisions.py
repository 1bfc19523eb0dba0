"""schedule revisions: counters that every write to bookings or partners bumps, for the
schedule cache

Revision ID: f3d1b8a6c2e4
Revises: e2c9a4f7b3d6
Create Date: 2026-11-30 05:00:00

Each app process keeps the slot search's answer for a day and a set of categories, and checks
these counters before using it (bookings/schedules.py). `schedule_revisions` has a row per UTC
date: a booking's insert, delete, or change of time, status or partner bumps the dates its old
and new [start_at, end_at] touch, so only the days it can change are re-read. Any write to
partners, and a TRUNCATE of bookings, bumps the `schedules` counter in `cache_revisions`, which
every day's copy depends on. Triggers, not application code, bump them: no write path can
forget to. The counters only ever grow; a copy is trusted while their sum is what it was.

PostgreSQL: the bookings triggers are deferred to commit, like the day totals' (see
d5b8f2c3e0a1 for why, and for what that asks of later migrations). SQLite: row triggers.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f3d1b8a6c2e4"
down_revision: str | None = "e2c9a4f7b3d6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEDULE_COLUMNS = "start_at, end_at, status, partner_id"
BUMP_SCHEDULES = "UPDATE cache_revisions SET revision = revision + 1 WHERE name = 'schedules'"
BUMP_DAYS = """
INSERT INTO schedule_revisions (day, revision)
SELECT DISTINCT day, 1 FROM ({dates}) AS touched
WHERE day IS NOT NULL
ORDER BY day
ON CONFLICT (day) DO UPDATE SET revision = schedule_revisions.revision + 1
"""
# Dates in order, so two transactions never take the same two rows in opposite orders.

POSTGRESQL_DATES = """
    SELECT (OLD.start_at AT TIME ZONE 'UTC')::date AS day WHERE TG_OP <> 'INSERT'
    UNION ALL SELECT (OLD.end_at AT TIME ZONE 'UTC')::date WHERE TG_OP <> 'INSERT'
    UNION ALL SELECT (NEW.start_at AT TIME ZONE 'UTC')::date WHERE TG_OP <> 'DELETE'
    UNION ALL SELECT (NEW.end_at AT TIME ZONE 'UTC')::date WHERE TG_OP <> 'DELETE'
"""
POSTGRESQL_FUNCTIONS = (
    f"""
CREATE FUNCTION bump_schedule_days() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {BUMP_DAYS.format(dates=POSTGRESQL_DATES)};
    RETURN NULL;
END
$$
""",
    f"""
CREATE FUNCTION bump_schedules_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {BUMP_SCHEDULES};
    RETURN NULL;
END
$$
""",
)
POSTGRESQL_TRIGGERS = (
    """
CREATE CONSTRAINT TRIGGER bookings_bump_schedule_days
AFTER INSERT OR DELETE ON bookings DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION bump_schedule_days()
""",
    f"""
CREATE CONSTRAINT TRIGGER bookings_rebump_schedule_days
AFTER UPDATE OF {SCHEDULE_COLUMNS} ON bookings DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW
WHEN ((OLD.start_at, OLD.end_at, OLD.status, OLD.partner_id)
      IS DISTINCT FROM (NEW.start_at, NEW.end_at, NEW.status, NEW.partner_id))
EXECUTE FUNCTION bump_schedule_days()
""",
    """
CREATE TRIGGER bookings_truncate_bumps_schedules AFTER TRUNCATE ON bookings
FOR EACH STATEMENT EXECUTE FUNCTION bump_schedules_revision()
""",
    """
CREATE TRIGGER partners_bump_schedules
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON partners
FOR EACH STATEMENT EXECUTE FUNCTION bump_schedules_revision()
""",
)
POSTGRESQL_DROPS = (
    "DROP TRIGGER partners_bump_schedules ON partners",
    "DROP TRIGGER bookings_truncate_bumps_schedules ON bookings",
    "DROP TRIGGER bookings_rebump_schedule_days ON bookings",
    "DROP TRIGGER bookings_bump_schedule_days ON bookings",
    "DROP FUNCTION bump_schedules_revision()",
    "DROP FUNCTION bump_schedule_days()",
)

SQLITE_OLD_DATES = "SELECT date(OLD.start_at) AS day UNION ALL SELECT date(OLD.end_at)"
SQLITE_NEW_DATES = "SELECT date(NEW.start_at) AS day UNION ALL SELECT date(NEW.end_at)"
SQLITE_TRIGGERS = {
    "bookings_insert_bumps_schedule_days": ("AFTER INSERT ON bookings", SQLITE_NEW_DATES),
    "bookings_update_bumps_schedule_days": (
        f"AFTER UPDATE OF {SCHEDULE_COLUMNS} ON bookings",
        f"{SQLITE_OLD_DATES} UNION ALL {SQLITE_NEW_DATES}",
    ),
    "bookings_delete_bumps_schedule_days": ("AFTER DELETE ON bookings", SQLITE_OLD_DATES),
}
SQLITE_PARTNER_EVENTS = ("insert", "update", "delete")  # row triggers only, one per event


def upgrade() -> None:
    op.create_table(
        "schedule_revisions",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_schedule_revisions")),
    )
    op.execute("INSERT INTO cache_revisions (name, revision) VALUES ('schedules', 0)")
    if op.get_context().dialect.name == "postgresql":
        op.execute("ALTER TABLE schedule_revisions ENABLE ROW LEVEL SECURITY")
        for statement in (*POSTGRESQL_FUNCTIONS, *POSTGRESQL_TRIGGERS):
            op.execute(statement)
        return
    for name, (event, dates) in SQLITE_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {event} BEGIN {BUMP_DAYS.format(dates=dates)}; END")
    for event in SQLITE_PARTNER_EVENTS:
        op.execute(
            f"CREATE TRIGGER partners_{event}_bumps_schedules "
            f"AFTER {event.upper()} ON partners BEGIN {BUMP_SCHEDULES}; END"
        )


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        for drop in POSTGRESQL_DROPS:
            op.execute(drop)
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
        for event in SQLITE_PARTNER_EVENTS:
            op.execute(f"DROP TRIGGER partners_{event}_bumps_schedules")
    op.execute("DELETE FROM cache_revisions WHERE name = 'schedules'")
    op.drop_table("schedule_revisions")

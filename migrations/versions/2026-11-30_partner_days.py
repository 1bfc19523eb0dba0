"""partner days: each partner's live bookings of a date, counted and as one multirange

Revision ID: a7e3c5d1f9b2
Revises: f3d1b8a6c2e4
Create Date: 2026-11-30 16:00:00

Confirm's ranking reads one `partner_days` row a partner (how many live bookings they have
that day, and the time they hold) instead of two index scans of each partner's bookings
(bookings/partner_days.py). PostgreSQL only, as it needs multiranges: triggers keep it, and
SQLite, where the ranking reads the bookings, gets the table empty.

The row triggers are deferred to commit, like those of the day totals and the revision
counters (d5b8f2c3e0a1, f3d1b8a6c2e4; see there what that asks of later migrations), and run
after them: each booking's events first take its date's `booking_revisions` row, held until the
commit, so two transactions never hold `partner_days` rows of one date at once, and these rows
add no lock cycle. (Immediate, they had: a customer's or the worker's cancel, which does not
hold the partner's lock, took the row at once and could wait, holding it, for a promo code or
another row that a confirm of the same partner held while it waited for this one.) Within one
change the rows are taken in key order all the same. Each partner's live bookings never
overlap (the exclusion constraint), so taking a booking's range out of its row leaves the
others' ranges whole. Triggers are created before the backfill, whose snapshot then holds
every booking they will not see. TRUNCATE empties the table too.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "a7e3c5d1f9b2"
down_revision: str | None = "f3d1b8a6c2e4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEPT = "partner_id, status, booking_date, start_at, end_at"

BACKFILL = """
INSERT INTO partner_days (booking_date, partner_id, booking_count, busy)
SELECT booking_date, partner_id, count(*), range_agg(tstzrange(start_at, end_at, '[)'))
FROM bookings WHERE partner_id IS NOT NULL AND status <> 'cancelled'
GROUP BY booking_date, partner_id
ORDER BY booking_date, partner_id
"""

# One loop for INSERT, UPDATE and DELETE (OLD is NULL on insert, NEW on delete): what the old
# row held is taken out before what the new one holds is put in, which matters when both are
# on one row and their ranges overlap (a visit moved by less than its length). A day whose
# last live booking went loses its row, so the table holds only days with bookings.
KEEP_FUNCTION = """
CREATE FUNCTION keep_partner_days() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    change record;
BEGIN
    FOR change IN
        SELECT booking_date, partner_id, sum(counted) AS counted,
               coalesce(range_agg(span) FILTER (WHERE counted < 0), '{}') AS removed,
               coalesce(range_agg(span) FILTER (WHERE counted > 0), '{}') AS added
        FROM (
            SELECT OLD.booking_date, OLD.partner_id, -1, tstzrange(OLD.start_at, OLD.end_at, '[)')
            WHERE TG_OP <> 'INSERT' AND OLD.partner_id IS NOT NULL AND OLD.status <> 'cancelled'
            UNION ALL
            SELECT NEW.booking_date, NEW.partner_id, 1, tstzrange(NEW.start_at, NEW.end_at, '[)')
            WHERE TG_OP <> 'DELETE' AND NEW.partner_id IS NOT NULL AND NEW.status <> 'cancelled'
        ) AS change (booking_date, partner_id, counted, span)
        GROUP BY booking_date, partner_id
        ORDER BY booking_date, partner_id
    LOOP
        INSERT INTO partner_days (booking_date, partner_id, booking_count, busy)
        VALUES (change.booking_date, change.partner_id, change.counted, change.added)
        ON CONFLICT (booking_date, partner_id) DO UPDATE SET
            booking_count = partner_days.booking_count + excluded.booking_count,
            busy = partner_days.busy - change.removed + excluded.busy;
        IF change.counted < 0 THEN
            DELETE FROM partner_days
            WHERE booking_date = change.booking_date AND partner_id = change.partner_id
              AND booking_count = 0;
        END IF;
    END LOOP;
    RETURN NULL;
END
$$
"""
EMPTY_FUNCTION = """
CREATE FUNCTION empty_partner_days() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM partner_days;
    RETURN NULL;
END
$$
"""
TRIGGERS = (
    """
CREATE CONSTRAINT TRIGGER bookings_keep_partner_days
AFTER INSERT OR DELETE ON bookings DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION keep_partner_days()
""",
    f"""
CREATE CONSTRAINT TRIGGER bookings_rekeep_partner_days
AFTER UPDATE OF {KEPT} ON bookings DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW
WHEN ((OLD.partner_id, OLD.status <> 'cancelled', OLD.booking_date, OLD.start_at, OLD.end_at)
      IS DISTINCT FROM
      (NEW.partner_id, NEW.status <> 'cancelled', NEW.booking_date, NEW.start_at, NEW.end_at))
EXECUTE FUNCTION keep_partner_days()
""",
    """
CREATE TRIGGER bookings_truncate_empties_partner_days AFTER TRUNCATE ON bookings
FOR EACH STATEMENT EXECUTE FUNCTION empty_partner_days()
""",
)
DROPS = (
    "DROP TRIGGER bookings_truncate_empties_partner_days ON bookings",
    "DROP TRIGGER bookings_rekeep_partner_days ON bookings",
    "DROP TRIGGER bookings_keep_partner_days ON bookings",
    "DROP FUNCTION empty_partner_days()",
    "DROP FUNCTION keep_partner_days()",
)


def upgrade() -> None:
    op.create_table(
        "partner_days",
        sa.Column("booking_date", sa.Date(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("booking_count", sa.Integer(), nullable=False),
        sa.Column(
            "busy",
            sa.Text().with_variant(postgresql.TSTZMULTIRANGE(), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("booking_date", "partner_id", name=op.f("pk_partner_days")),
    )
    if op.get_context().dialect.name != "postgresql":
        return
    # Every booking rewrites its row: room on the page lets the new version stay there.
    op.execute("ALTER TABLE partner_days SET (fillfactor = 70)")
    op.execute("ALTER TABLE partner_days ENABLE ROW LEVEL SECURITY")
    for statement in (KEEP_FUNCTION, EMPTY_FUNCTION, *TRIGGERS):
        op.execute(statement)
    op.execute(BACKFILL)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        for drop in DROPS:
            op.execute(drop)
    op.drop_table("partner_days")

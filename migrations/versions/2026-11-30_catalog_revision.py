"""catalog revision: a counter every write to services bumps, for the catalog cache

Revision ID: c4a7e1b2d9f0
Revises: 65f5a14e4757
Create Date: 2026-11-30 00:10:00

Each app process keeps the serialized catalog and checks this counter before answering from
it, so a price change made through any process (or by hand in SQL) is seen by the next read on
every process. Triggers, not application code, bump it: no write path can forget to.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c4a7e1b2d9f0"
down_revision: str | None = "65f5a14e4757"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BUMP = "UPDATE cache_revisions SET revision = revision + 1 WHERE name = 'catalog'"

POSTGRESQL_FUNCTION = f"""
CREATE FUNCTION bump_catalog_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {BUMP};
    RETURN NULL;
END
$$
"""
POSTGRESQL_TRIGGER = """
CREATE TRIGGER services_bump_catalog_revision
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON services
FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_revision()
"""
SQLITE_EVENTS = ("insert", "update", "delete")  # SQLite has row triggers only, one per event


def upgrade() -> None:
    op.create_table(
        "cache_revisions",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("revision", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_cache_revisions")),
    )
    op.execute("INSERT INTO cache_revisions (name, revision) VALUES ('catalog', 0)")
    if op.get_context().dialect.name == "postgresql":
        op.execute("ALTER TABLE cache_revisions ENABLE ROW LEVEL SECURITY")
        op.execute(POSTGRESQL_FUNCTION)
        op.execute(POSTGRESQL_TRIGGER)
        return
    for event in SQLITE_EVENTS:
        op.execute(
            f"CREATE TRIGGER services_{event}_bumps_catalog_revision "
            f"AFTER {event.upper()} ON services BEGIN {BUMP}; END"
        )


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER services_bump_catalog_revision ON services")
        op.execute("DROP FUNCTION bump_catalog_revision()")
    else:
        for event in SQLITE_EVENTS:
            op.execute(f"DROP TRIGGER services_{event}_bumps_catalog_revision")
    op.drop_table("cache_revisions")

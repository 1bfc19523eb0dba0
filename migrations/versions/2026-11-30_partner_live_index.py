"""partner live index: the slot search's bookings read from an index alone

Revision ID: e2c9a4f7b3d6
Revises: d5b8f2c3e0a1
Create Date: 2026-11-30 03:20:00

The slot search reads, for each partner covering a cart, their live bookings around one day.
Through `ix_bookings_partner_start` that meant a visit to the table for every booking of the
day and of the day before (the lower bound on start_at), cancelled ones included; this
partial index holds only live bookings and carries end_at, so PostgreSQL answers from the
index alone (an index-only scan, once vacuum has marked the pages all-visible).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e2c9a4f7b3d6"
down_revision: str | None = "d5b8f2c3e0a1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = sa.text("status <> 'cancelled'")


def upgrade() -> None:
    op.create_index(
        "ix_bookings_partner_live",
        "bookings",
        ["partner_id", "start_at"],
        postgresql_include=["end_at"],
        postgresql_where=LIVE,
        sqlite_where=LIVE,
    )


def downgrade() -> None:
    op.drop_index("ix_bookings_partner_live", table_name="bookings")

"""The ledger's read indexes: the last change's seq past any number of recorded page views (a partial index
on seq), and an item's story by its ref as people type it (upper(ref)), which every item page of the console
and `audit history` read. And one working calendar feed per address (a unique partial index): two "new feed"
presses at once could leave two.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 19:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As models.audit states it, written out: a migration keeps what it did even when the model moves on.
CHANGES = sa.text("kind NOT IN ('ConsolePageViewed', 'LedgerExported', 'LedgerVerified')")


def upgrade() -> None:
    op.create_index(
        "ix_audit_event_change", "audit_event", ["seq"], sqlite_where=CHANGES, postgresql_where=CHANGES
    )
    # SQLite cannot reflect an index on an expression: a later batch_alter_table("audit_event") on SQLite
    # would rebuild the table without this one, and must create it again.
    op.create_index("ix_audit_event_ref_upper", "audit_event", [sa.text("upper(ref)")])
    # Two feeds made at once before this index (revision 0012 only, a day's window): the older gives way,
    # ended now (it worked until this upgrade), with no ledger event: the upgrade's own time and this note
    # are its record.
    feeds = sa.table(
        "calendarfeed",
        sa.column("id", sa.Integer()),
        sa.column("email", sa.String()),
        sa.column("revoked_at", sqlmodel.sql.sqltypes.UTCDateTime()),
    )
    newest = sa.select(sa.func.max(feeds.c.id)).where(feeds.c.revoked_at.is_(None)).group_by(feeds.c.email)
    op.get_bind().execute(
        feeds.update()
        .where(feeds.c.revoked_at.is_(None), feeds.c.id.not_in(newest.scalar_subquery()))
        .values(revoked_at=datetime.now(UTC))
    )
    live = sa.text("revoked_at IS NULL")
    op.create_index(
        "uq_calendarfeed_live",
        "calendarfeed",
        ["email"],
        unique=True,
        sqlite_where=live,
        postgresql_where=live,
    )


def downgrade() -> None:
    op.drop_index("uq_calendarfeed_live", table_name="calendarfeed")
    op.drop_index("ix_audit_event_ref_upper", table_name="audit_event")
    op.drop_index("ix_audit_event_change", table_name="audit_event")

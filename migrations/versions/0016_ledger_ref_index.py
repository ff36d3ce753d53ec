"""The ledger's plain index on ref goes: since revision 0013 every reader of an item's events reads them
through the index on upper(ref) (the item's story as it stood on a day was the last to use this one), and
each index is paid for on every append, about 8% of a batched one on SQLite.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-08 01:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Not in a batch: on SQLite a batch rebuilds the table, and would lose the expression index it cannot
    # reflect (revision 0013).
    op.drop_index("ix_audit_event_ref", table_name="audit_event")


def downgrade() -> None:
    op.create_index("ix_audit_event_ref", "audit_event", ["ref"], unique=False)

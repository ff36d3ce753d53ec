"""The console's records: a pack's review (approved by whom and when, the covering summary, commentary per
exception), owners' due-date change requests awaiting a decision, and each person's calendar feed.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 15:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pack") as batch:
        batch.add_column(sa.Column("approved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch.add_column(
            sa.Column("approved_by", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True)
        )
        batch.add_column(sa.Column("covering_summary", sa.Text(), nullable=True))
        batch.add_column(sa.Column("commentary", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
    # Packs sent before reviews existed were approved by being sent.
    op.execute(
        "UPDATE pack SET approved_at = published_at, approved_by = 'system:packs' "
        "WHERE published_at IS NOT NULL"
    )
    op.create_table(
        "duechangerequest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("item_ref", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("item_kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("requested_by", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("on_behalf_of", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
        sa.Column("from_due", sa.Date(), nullable=False),
        sa.Column("to_due", sa.Date(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("requested_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("decided_by", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("decision_reason", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_duechangerequest_plan_id"), "duechangerequest", ["plan_id"], unique=False)
    op.create_index(op.f("ix_duechangerequest_status"), "duechangerequest", ["status"], unique=False)
    op.create_table(
        "calendarfeed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("nonce", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("nonce"),
    )
    op.create_index(op.f("ix_calendarfeed_email"), "calendarfeed", ["email"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_calendarfeed_email"), table_name="calendarfeed")
    op.drop_table("calendarfeed")
    op.drop_index(op.f("ix_duechangerequest_status"), table_name="duechangerequest")
    op.drop_index(op.f("ix_duechangerequest_plan_id"), table_name="duechangerequest")
    op.drop_table("duechangerequest")
    # In place (SQLite 3.35+ drops a plain column itself), as 0011 does for `person`.
    for column in ("commentary", "covering_summary", "approved_by", "approved_at"):
        op.drop_column("pack", column)

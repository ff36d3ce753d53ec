"""Word packs: a board's cover settings (lead officer, cabinet member, the access-to-information paragraph
exempt items are withheld under, whether it asks for Word), a meeting's agenda item, and a board's own
.docx template held as bytes (`packtemplate`).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 22:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("board", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lead_officer", sqlmodel.sql.sqltypes.AutoString(length=300)))
        batch_op.add_column(sa.Column("cabinet_member", sqlmodel.sql.sqltypes.AutoString(length=300)))
        batch_op.add_column(sa.Column("exempt_paragraph", sqlmodel.sql.sqltypes.AutoString(length=500)))
        batch_op.add_column(sa.Column("wants_word", sa.Boolean(), nullable=False, server_default="0"))
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.add_column(sa.Column("agenda_item", sqlmodel.sql.sqltypes.AutoString(length=20)))
    op.create_table(
        "packtemplate",
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("set_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("set_by", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.ForeignKeyConstraint(["board_id"], ["board.id"]),
        sa.PrimaryKeyConstraint("board_id"),
    )


def downgrade() -> None:
    op.drop_table("packtemplate")
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_column("agenda_item")
    with op.batch_alter_table("board", schema=None) as batch_op:
        batch_op.drop_column("wants_word")
        batch_op.drop_column("exempt_paragraph")
        batch_op.drop_column("cabinet_member")
        batch_op.drop_column("lead_officer")

"""Pack versions: a sent pack is never overwritten, so building again adds a row. Each pack records its
version (1, 2, ...) for its meeting and audience, the pack it supersedes, and the moment its data speaks
for (`data_as_of`). The old one-row-per-meeting-and-audience rule becomes one row per version.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 23:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# 0004 left the unique constraint unnamed: PostgreSQL named it itself; SQLite's batch copy needs a name to
# find it by, given here by a naming convention.
OLD_UNIQUE_PG = "pack_meeting_id_audience_key"
OLD_UNIQUE = "uq_pack_meeting_id_audience"
CONVENTION = {"uq": "uq_%(table_name)s_%(column_0_N_name)s"}


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("pack", schema=None, naming_convention=CONVENTION) as batch_op:
        batch_op.drop_constraint(OLD_UNIQUE_PG if postgres else OLD_UNIQUE, type_="unique")
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("supersedes_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("data_as_of", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_foreign_key("fk_pack_supersedes_id_pack", "pack", ["supersedes_id"], ["id"])
        batch_op.create_unique_constraint("uq_pack_version", ["meeting_id", "audience", "version"])


def downgrade() -> None:
    # Back to the name each database gave 0004's constraint, so upgrading again finds it.
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("pack", schema=None) as batch_op:
        batch_op.drop_constraint("uq_pack_version", type_="unique")
        batch_op.drop_constraint("fk_pack_supersedes_id_pack", type_="foreignkey")
        batch_op.drop_column("data_as_of")
        batch_op.drop_column("supersedes_id")
        batch_op.drop_column("version")
        batch_op.create_unique_constraint(
            OLD_UNIQUE_PG if postgres else OLD_UNIQUE, ["meeting_id", "audience"]
        )

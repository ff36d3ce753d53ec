"""The web face's two tables: links revoked by an operator (`lineofsight links revoke`), and the forms already
taken, so a form posted twice records one update.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 09:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "linkrevocation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("revoked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_linkrevocation_person_id"), "linkrevocation", ["person_id"], unique=False)
    op.create_table(
        "websubmission",
        sa.Column("form_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("update_id", sa.Integer(), nullable=True),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["update_id"], ["update.id"]),
        sa.PrimaryKeyConstraint("form_id"),
    )


def downgrade() -> None:
    op.drop_table("websubmission")
    op.drop_index(op.f("ix_linkrevocation_person_id"), table_name="linkrevocation")
    op.drop_table("linkrevocation")

"""The console: each person's console roles from the People sheet, grants of a role by an operator (an
inspector's, time-boxed), and the sign-in links already used.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 13:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("person") as batch:
        batch.add_column(
            sa.Column("console_roles", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )
    op.create_table(
        "accessgrant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("granted_by", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("granted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("revoked_by", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_accessgrant_email"), "accessgrant", ["email"], unique=False)
    op.create_index(op.f("ix_accessgrant_plan_id"), "accessgrant", ["plan_id"], unique=False)
    op.create_table(
        "signinuse",
        sa.Column("nonce", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("nonce"),
    )
    op.create_index("ix_signinuse_email", "signinuse", ["email"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_signinuse_email", table_name="signinuse")
    op.drop_table("signinuse")
    op.drop_index(op.f("ix_accessgrant_plan_id"), table_name="accessgrant")
    op.drop_index(op.f("ix_accessgrant_email"), table_name="accessgrant")
    op.drop_table("accessgrant")
    # In place (SQLite 3.35+ drops a plain column itself): a batch would copy and drop `person`, which the
    # tables pointing at it forbid while SQLite enforces foreign keys.
    op.drop_column("person", "console_roles")

"""The forecast_late warnings' notices by plan and day (a partial index): the sweep reads, for each batch
of plans, when each owner was first told; without it that read walks every notice of the last six weeks
(123,000 on the day of a 100,000-action bench) to find the few thousand warnings.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08 01:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As models.outbox states it, written out: a migration keeps what it did even when the model moves on.
WARNED = sa.text("kind = 'ForecastLateWarned'")


def upgrade() -> None:
    op.create_index(
        "ix_notice_forecast_late",
        "notice",
        ["plan", "not_before", "dedupe_key", "due_at"],
        sqlite_where=WARNED,
        postgresql_where=WARNED,
    )


def downgrade() -> None:
    op.drop_index("ix_notice_forecast_late", table_name="notice")

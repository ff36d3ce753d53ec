"""Column types shared by the tables: enums stored as plain strings, so PostgreSQL needs no ENUM types
and a new value never needs a schema migration."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Any

import sqlalchemy as sa


def enum_type(enum: type[Enum]) -> sa.Enum:
    return sa.Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=16,
        values_callable=lambda members: [m.value for m in members],
    )


def utcnow() -> datetime:
    """Record-keeping time (when a row was written), never a business rule's 'today'."""
    return datetime.now(UTC)


def key_of(row: Any) -> int:
    """The primary key of a flushed row, typed as int (SQLModel declares ids as optional)."""
    if row.id is None:
        raise RuntimeError(f"{type(row).__name__} has no id yet: flush the session first")
    return int(row.id)


def columns_of(table: type) -> Any:
    """A table's core columns, for the hot paths that select plain tuples instead of building objects."""
    return table.__table__.c  # type: ignore[attr-defined]

"""The audit ledger's table: one row per state change or automated decision, hash-chained.

`body` holds the exact bytes that were hashed: a header line of the indexed fields and the canonical JSON
of the event's data. The other columns are there to be queried; verification checks they still agree
with the body, so editing either is detected.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

GENESIS_HASH = "0" * 64

# The kinds of event a reader writes (a page view, an export, a verification): they change nothing a page
# shows. Spelled out, as the table's index needs them here (models.ledger.kinds names them; a test checks).
READ_ONLY_KINDS = ("ConsolePageViewed", "LedgerExported", "LedgerVerified")
CHANGES = sa.text("kind NOT IN (" + ", ".join(f"'{kind}'" for kind in READ_ONLY_KINDS) + ")")


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    __table_args__ = (
        # The last change's seq (models.reports.read_cache): one step down this index, however many page
        # views were recorded since.
        sa.Index("ix_audit_event_change", "seq", sqlite_where=CHANGES, postgresql_where=CHANGES),
        # An item's story, its ref matched as people type it (models.ledger.trail): without it every item
        # page reads the whole ledger.
        sa.Index("ix_audit_event_ref_upper", sa.func.upper(sa.column("ref"))),
    )

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    # ISO-8601 UTC with microseconds and a Z, fixed width: sorts as text and hashes without re-rendering.
    at: str = Field(max_length=32, index=True)
    actor: str = Field(max_length=320, index=True)
    kind: str = Field(max_length=64, index=True)
    plan: str | None = Field(default=None, max_length=200, index=True)
    # Read through `ix_audit_event_ref_upper` only (as people type it, or exactly within it): a second index
    # on ref cost every append about 8% (migration 0016 dropped it).
    ref: str | None = Field(default=None, max_length=64)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)
    body: bytes = Field(sa_type=sa.LargeBinary)

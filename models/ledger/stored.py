"""One ledger row as it is read back: the shape verification streams (plain tuples in this column order),
and the log, an item's story and the export read. The table itself is `models.audit.AuditEvent`."""

from __future__ import annotations

from typing import Any, NamedTuple

import sqlalchemy as sa

from models.audit import AuditEvent
from models.ledger.chain import decode_data

# The stored columns, in the order of `audit_event` and of the fields below.
COLUMNS = ("seq", "at", "actor", "kind", "plan", "ref", "prev_hash", "hash", "body")


class StoredEvent(NamedTuple):
    """A row as stored (a tuple, so the database's rows feed verification as they come), and what a reader
    adds: a defect found beside the chain (an export's copy), the day the event speaks for (the log)."""

    seq: int
    at: str
    actor: str
    kind: str
    plan: str | None
    ref: str | None
    prev_hash: str
    hash: str
    body: bytes
    defect: str | None = None
    day: str = ""  # ISO; see models.ledger.trail

    @property
    def data(self) -> dict[str, Any]:
        """The event's facts, read from the hashed body (they are nowhere else)."""
        return decode_data(self.body)

    def public(self) -> dict[str, Any]:
        """The event as the log shows it: no chain fields but its own hash."""
        return {
            "seq": self.seq,
            "at": self.at,
            "day": self.day,
            "actor": self.actor,
            "kind": self.kind,
            "plan": self.plan,
            "ref": self.ref,
            "data": self.data,
            "hash": self.hash,
        }


def select_stored() -> sa.Select[Any]:
    """The stored columns in `StoredEvent`'s order, in seq order: rows ready for `StoredEvent(*row)`."""
    table = AuditEvent.__table__  # type: ignore[attr-defined]
    return sa.select(*(table.c[name] for name in COLUMNS)).order_by(table.c.seq)

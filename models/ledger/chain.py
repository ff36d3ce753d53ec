"""The one seam through which every change and decision is recorded: `record` on the caller's session, so
the change and its event commit together or not at all.

Appends are serialised (an advisory lock on PostgreSQL, `BEGIN IMMEDIATE` on SQLite, see `models.db`) so
concurrent writers never fork the chain; the primary key on `seq` is the backstop.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from models.audit import GENESIS_HASH, READ_ONLY_KINDS, AuditEvent
from models.columns import utcnow
from models.db import events_recorded

SEP = "\x1f"  # ASCII unit separator: cannot appear in a header field (see _field)
# An arbitrary constant naming "the ledger" among PostgreSQL advisory locks.
LEDGER_LOCK_KEY = 0x4C4F53  # "LOS"


@dataclass(frozen=True)
class Event:
    """An event before it is chained: what happened, to what, by whom, and the facts."""

    kind: str
    actor: str
    plan: str | None = None
    ref: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    # `canonical_json(data)`, when the writer already has it (the sweep encodes a decision's facts once for
    # its event and its notice, `models.sweep.encoding`): the bytes hashed are the same either way.
    encoded: str | None = None


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"


def format_at(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(data: Mapping[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _field(value: str | None) -> str:
    text = "" if value is None else str(value)
    if SEP in text or "\n" in text:
        # Header fields are refs, names and kinds: control characters there are a bug upstream.
        raise ValueError(f"control character in ledger header field {text!r}")
    return text


def header(seq: int, at: str, actor: str, kind: str, plan: str | None, ref: str | None, prev: str) -> str:
    return SEP.join((str(seq), at, _field(actor), _field(kind), _field(plan), _field(ref), prev))


def encode(seq: int, at: str, event: Event, prev: str) -> bytes:
    return _body(seq, at, event, "\n" + canonical_json(event.data), prev)


def _body(seq: int, at: str, event: Event, data: str, prev: str) -> bytes:
    """The hashed bytes: the header line, then `data` (a newline and the canonical JSON, made ahead)."""
    return (header(seq, at, event.actor, event.kind, event.plan, event.ref, prev) + data).encode("utf-8")


def head(session: Session) -> Head | None:
    row = session.execute(
        sa.select(col(AuditEvent.seq), col(AuditEvent.hash)).order_by(col(AuditEvent.seq).desc()).limit(1)
    ).first()
    return Head(row[0], row[1]) if row else None


def record(session: Session, *events: Event, at: datetime | None = None) -> Head:
    """Chain `events` onto the ledger inside the caller's transaction; returns the new head."""
    return record_many(session, events, at=at)


def record_many(session: Session, events: Iterable[Event], *, at: datetime | None = None) -> Head:
    session.flush()  # the session's pending changes go first, as an ORM statement would have done
    events = tuple(events)
    new_head, count = append(session.connection(), events, at=at)
    events_recorded(session, count, sum(1 for e in events if e.kind not in READ_ONLY_KINDS))
    return new_head


_AUDIT = AuditEvent.__table__  # type: ignore[attr-defined]
_COLUMNS = ("seq", "at", "actor", "kind", "plan", "ref", "prev_hash", "hash", "body")
# Taken before the head is read, as a statement of its own: a statement's snapshot is taken when it starts,
# so a head read in the same statement as the lock could miss an append committed while it waited.
LOCK_SQL = f"SELECT pg_advisory_xact_lock({LEDGER_LOCK_KEY})"
HEAD_SQL = "SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1"

Prepared = list[tuple[Event, str]]
Row = tuple[Any, ...]


def prepare(events: Iterable[Event]) -> Prepared:
    """The events' JSON, written before taking the ledger's lock: every writer of every plan waits on that
    lock, so only what needs the chain's head (the header and the hash) is done while holding it."""
    return [
        (event, "\n" + (canonical_json(event.data) if event.encoded is None else event.encoded))
        for event in events
    ]


def chain(prepared: Prepared, found: Row | None, at: datetime | None = None) -> tuple[list[Row], Head]:
    """The rows that chain `prepared` onto the head `found` (seq, hash; None for an empty ledger)."""
    stamp = format_at(at or utcnow())
    seq, prev = (found[0], found[1]) if found else (0, GENESIS_HASH)
    rows = []
    for event, data in prepared:
        seq += 1
        body = _body(seq, stamp, event, data, prev)
        digest = hashlib.sha256(body).hexdigest()
        rows.append((seq, stamp, event.actor, event.kind, event.plan, event.ref, prev, digest, body))
        prev = digest
    return rows, Head(seq, prev)


def append(
    connection: sa.Connection, events: Iterable[Event], *, at: datetime | None = None
) -> tuple[Head, int]:
    """Chain `events` onto the ledger on a bare connection, inside its transaction (for hot paths that
    write with core statements and no session); returns the new head and how many events went in."""
    prepared = prepare(events)
    postgresql = connection.dialect.name == "postgresql"
    found = _locked_head(connection) if postgresql else connection.exec_driver_sql(HEAD_SQL).first()
    rows, new_head = chain(prepared, found, at)
    if rows:
        connection.execute(_AUDIT.insert(), [dict(zip(_COLUMNS, row, strict=True)) for row in rows])
    return new_head, len(rows)


def _locked_head(connection: sa.Connection) -> Row | None:
    """The ledger's lock, then its head, in one round trip: every writer of every plan queues on that lock,
    and a round trip less while holding it is a writer more a second (bench/README.md). Two statements in
    one message, as `receipts` sends them: under READ COMMITTED each reads a snapshot of its own, taken when
    it starts, so the head is read after the lock is held."""
    cursor: Any = connection.connection.cursor()  # psycopg's own: several results, nothing prepared
    try:
        cursor.execute(f"{LOCK_SQL}; {HEAD_SQL}", prepare=False)
        cursor.nextset()
        found = cursor.fetchone()
    finally:
        cursor.close()
    return tuple(found) if found is not None else None


def decode_data(body: bytes) -> dict[str, Any]:
    _, _, data = body.partition(b"\n")
    loaded: dict[str, Any] = json.loads(data)
    return loaded

"""Proving the ledger is intact (hashes, links, no gaps, columns agreeing with the hashed body, nothing cut
after a published head), by one pure check that the database stream and an exported file both feed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine

from models.audit import GENESIS_HASH
from models.errors import InvalidValue
from models.ledger.chain import SEP, Head
from models.ledger.stored import COLUMNS

HEADER_FIELDS = COLUMNS[:7]


@dataclass(frozen=True)
class Break:
    """Where the chain breaks, and how (not a workbook's `Problem`: nothing here is a bad cell)."""

    seq: int
    what: str

    def __str__(self) -> str:
        return f"seq {self.seq}: {self.what}"


@dataclass(frozen=True)
class Verdict:
    count: int
    head: Head | None
    problem: Break | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def parse_head(text: str) -> Head:
    seq, sep, digest = text.strip().partition(":")
    if not sep or not seq.isdigit() or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise InvalidValue("head", text, "SEQ:HASH, as printed by `lineofsight audit verify` or an export")
    return Head(int(seq), digest)


def _header(event: Sequence[Any]) -> bytes:
    seq, at, actor, kind, plan, ref, prev = event[:7]
    return f"{seq}{SEP}{at}{SEP}{actor}{SEP}{kind}{SEP}{plan or ''}{SEP}{ref or ''}{SEP}{prev}\n".encode()


def _field_difference(event: Sequence[Any]) -> str:
    stored = bytes(event[8]).partition(b"\n")[0].decode("utf-8", errors="replace").split(SEP)
    expected = _header(event).decode("utf-8").rstrip("\n").split(SEP)
    for name, got, want in zip(HEADER_FIELDS, expected, stored, strict=False):
        if got != want:
            return (
                f"the {name} column says {got!r} but the hashed record says {want!r} (changed after writing)"
            )
    return "the record's header does not match its columns (changed after writing)"


def check_chain(events: Iterable[Sequence[Any]], anchor: Head | None = None) -> Verdict:
    """`events` are StoredEvent-shaped rows in seq order. The loop is the hot path of `audit verify`
    (a million events): it works on plain tuples and local names on purpose."""
    sha256 = hashlib.sha256
    expected_seq, prev = 1, GENESIS_HASH
    anchor_seq = anchor.seq if anchor is not None else -1
    anchor_hash: str | None = None
    for event in events:
        seq, _at, _actor, _kind, _plan, _ref, prev_hash, digest, body = event[:9]
        problem = None
        if seq != expected_seq:
            problem = Break(
                expected_seq, f"gap: expected seq {expected_seq}, found {seq} (removed or reordered)"
            )
        elif prev_hash != prev:
            problem = Break(seq, f"broken link: prev_hash does not match the hash of seq {seq - 1}")
        elif sha256(body).hexdigest() != digest:
            problem = Break(seq, "hash mismatch: the stored record was changed after it was written")
        elif not body.startswith(_header(event)):
            problem = Break(seq, _field_difference(event))
        elif len(event) > 9 and event[9]:
            problem = Break(seq, event[9])
        if problem is not None:
            return Verdict(
                expected_seq - 1, Head(expected_seq - 1, prev) if expected_seq > 1 else None, problem
            )
        if seq == anchor_seq:
            anchor_hash = digest
        prev = digest
        expected_seq += 1
    count = expected_seq - 1
    head = Head(count, prev) if count else None
    if anchor is not None:
        if anchor_hash is None:
            what = f"missing anchored head: the ledger ends at seq {count} but seq {anchor.seq} was published"
            return Verdict(count, head, Break(count + 1, what))
        if anchor_hash != anchor.hash:
            what = "anchored head mismatch: the hash at this seq differs from the one published"
            return Verdict(count, head, Break(anchor.seq, what))
    return Verdict(count, head, None)


def check_each(events: Iterable[Sequence[Any]]) -> Verdict:
    """A plan's own events, without the others between them (a plan's export): each one's hash against its
    bytes, its columns against its hashed header, in rising seq. The links cannot be followed (the event
    before is often another plan's), so this proves each event is as written, not that none is missing:
    that is the whole chain's check, `check_chain`, which the operator runs (and the console's verify)."""
    sha256 = hashlib.sha256
    count, last = 0, 0
    found: Head | None = None
    for event in events:
        seq, digest, body = event[0], event[7], event[8]
        problem = None
        if seq <= last:
            problem = Break(seq, f"out of order: seq {seq} follows seq {last}")
        elif sha256(body).hexdigest() != digest:
            problem = Break(seq, "hash mismatch: the stored record was changed after it was written")
        elif not body.startswith(_header(event)):
            problem = Break(seq, _field_difference(event))
        elif len(event) > 9 and event[9]:
            problem = Break(seq, event[9])
        if problem is not None:
            return Verdict(count, found, problem)
        count, last, found = count + 1, seq, Head(seq, digest)
    return Verdict(count, found, None)


# --- reading the chain out of the database --------------------------------------------------------


def stream_events(engine: Engine, batch: int = 10_000) -> Iterator[Sequence[Any]]:
    """The ledger in seq order as plain tuples, through the driver's own cursor (a server-side one on
    PostgreSQL, so a million events never sit in memory at once)."""
    with engine.connect() as conn:
        dbapi = conn.connection.dbapi_connection
        if dbapi is None:
            raise RuntimeError("no database connection")
        query = f"SELECT {', '.join(COLUMNS)} FROM audit_event ORDER BY seq"
        cursor = dbapi.cursor("ledger_verify") if engine.dialect.name == "postgresql" else dbapi.cursor()
        try:
            cursor.execute(query)
            while rows := cursor.fetchmany(batch):
                yield from rows
        finally:
            cursor.close()


def verify_database(engine: Engine, anchor: Head | None = None) -> Verdict:
    return check_chain(stream_events(engine), anchor)

"""Proving the ledger is intact: every body hashes to its hash, every link points at the previous hash,
sequence numbers have no gaps, the queryable columns still say what the hashed body says, and (given a
head that was published earlier) nothing after it was cut off.

`check_chain` is pure and works on any iterable of stored rows: the database stream and an exported
file both feed it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from models.audit import GENESIS_HASH
from models.errors import InvalidValue
from models.ledger import SEP, Head

HEADER_FIELDS = ("seq", "at", "actor", "kind", "plan", "ref", "prev_hash")


@dataclass(frozen=True)
class StoredEvent:
    seq: int
    at: str
    actor: str
    kind: str
    plan: str | None
    ref: str | None
    prev_hash: str
    hash: str
    body: bytes
    header_ok: bool | None = None  # computed by the database when it can; None: check here
    defect: str | None = None  # something the reader found wrong beside the chain (an export's copy)


@dataclass(frozen=True)
class Problem:
    seq: int
    what: str

    def __str__(self) -> str:
        return f"seq {self.seq}: {self.what}"


@dataclass(frozen=True)
class Verdict:
    count: int
    head: Head | None
    problem: Problem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def parse_head(text: str) -> Head:
    seq, sep, digest = text.strip().partition(":")
    if not sep or not seq.isdigit() or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise InvalidValue("head", text, "SEQ:HASH, as printed by `lineofsight audit verify` or an export")
    return Head(int(seq), digest)


def _header(event: StoredEvent) -> bytes:
    fields = (
        str(event.seq),
        event.at,
        event.actor,
        event.kind,
        event.plan or "",
        event.ref or "",
        event.prev_hash,
    )
    return SEP.join(fields).encode("utf-8")


def _field_difference(event: StoredEvent) -> str:
    stored = event.body.partition(b"\n")[0].decode("utf-8", errors="replace").split(SEP)
    expected = _header(event).decode("utf-8").split(SEP)
    for name, got, want in zip(HEADER_FIELDS, expected, stored, strict=False):
        if got != want:
            return (
                f"the {name} column says {got!r} but the hashed record says {want!r} (changed after writing)"
            )
    return "the record's header does not match its columns (changed after writing)"


def check_chain(events: Iterable[StoredEvent], anchor: Head | None = None) -> Verdict:
    sha256 = hashlib.sha256
    expected_seq, prev = 1, GENESIS_HASH
    count = 0
    anchor_hash: str | None = None
    for event in events:
        if event.seq != expected_seq:
            what = f"gap: expected seq {expected_seq}, found {event.seq} (events removed or reordered)"
            return Verdict(count, Head(expected_seq - 1, prev), Problem(expected_seq, what))
        if event.prev_hash != prev:
            what = f"broken link: prev_hash does not match the hash of seq {event.seq - 1}"
            return Verdict(count, Head(event.seq - 1, prev), Problem(event.seq, what))
        if sha256(event.body).hexdigest() != event.hash:
            what = "hash mismatch: the stored record was changed after it was written"
            return Verdict(count, Head(event.seq - 1, prev), Problem(event.seq, what))
        header_ok = event.header_ok
        if header_ok is None:
            header_ok = event.body.partition(b"\n")[0] == _header(event)
        if not header_ok:
            return Verdict(count, Head(event.seq - 1, prev), Problem(event.seq, _field_difference(event)))
        if event.defect:
            return Verdict(count, Head(event.seq - 1, prev), Problem(event.seq, event.defect))
        if anchor is not None and event.seq == anchor.seq:
            anchor_hash = event.hash
        prev = event.hash
        expected_seq += 1
        count += 1
    head = Head(count, prev) if count else None
    if anchor is not None:
        if anchor_hash is None:
            last = head.seq if head else 0
            what = f"missing anchored head: the ledger ends at seq {last} but seq {anchor.seq} was published"
            return Verdict(count, head, Problem(last + 1, what))
        if anchor_hash != anchor.hash:
            what = "anchored head mismatch: the hash at this seq differs from the one published"
            return Verdict(count, head, Problem(anchor.seq, what))
    return Verdict(count, head, None)


# --- reading the chain out of the database --------------------------------------------------------


def _header_sql(dialect: str) -> str:
    """The header rebuilt from the columns and compared with the body's first line, inside the
    database: Python then fetches one boolean instead of seven columns."""
    if dialect == "postgresql":
        expected = (
            "convert_to(seq::text || chr(31) || at || chr(31) || actor || chr(31) || kind || chr(31) || "
            "coalesce(plan, '') || chr(31) || coalesce(ref, '') || chr(31) || prev_hash, 'UTF8')"
        )
        return f"(substring(body from 1 for position('\\x0a'::bytea in body) - 1) = {expected})"
    expected = (
        "CAST(CAST(seq AS TEXT) || char(31) || at || char(31) || actor || char(31) || kind || char(31) || "
        "coalesce(plan, '') || char(31) || coalesce(ref, '') || char(31) || prev_hash AS BLOB)"
    )
    return f"(substr(body, 1, instr(body, x'0a') - 1) = {expected})"


def stream_events(engine: Engine, batch: int = 20_000) -> Iterator[StoredEvent]:
    """The ledger in seq order, in batches by key range (no server-side cursor needed)."""
    header_ok = _header_sql(engine.dialect.name)
    query = sa.text(
        f"SELECT seq, prev_hash, hash, body, {header_ok} FROM audit_event "
        "WHERE seq > :after ORDER BY seq LIMIT :batch"
    )
    detail = sa.text("SELECT at, actor, kind, plan, ref FROM audit_event WHERE seq = :seq")
    after = 0
    with engine.connect() as conn:
        while True:
            rows = conn.execute(query, {"after": after, "batch": batch}).all()
            for seq, prev_hash, digest, body, ok in rows:
                if ok:
                    # The columns agree with the body; StoredEvent needs them only to explain a mismatch.
                    yield StoredEvent(seq, "", "", "", None, None, prev_hash, digest, bytes(body), True)
                else:
                    at, actor, kind, plan, ref = conn.execute(detail, {"seq": seq}).one()
                    yield StoredEvent(seq, at, actor, kind, plan, ref, prev_hash, digest, bytes(body), None)
            if len(rows) < batch:
                return
            after = rows[-1][0]


def verify_database(engine: Engine, anchor: Head | None = None) -> Verdict:
    return check_chain(stream_events(engine), anchor)

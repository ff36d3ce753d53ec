"""The ledger's fast seam for delivery receipts: a sent message's notices marked sent and their `NoticeSent`
events chained, in one short transaction on a connection held for the whole dispatch run.

Between the mail server accepting a message and its receipt committing, a crash would send it again (with
the same Message-ID), so the receipt is written through the driver itself: on PostgreSQL in two messages, on
SQLite with no statement compiled (figures in bench/README.md, "Delivery"). Everything else goes through
`record` on a guarded session.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from models.ledger.chain import HEAD_SQL, LOCK_SQL, Event, Row, chain, prepare
from models.ledger.kinds import EventKind
from models.outbox import Channel, Notice, NoticeStatus

_RETURNED = "RETURNING id, dedupe_key, recipient, channel, attempts, item_refs"
# A receipt's events go in as multi-row INSERTs written here (no statement compiled) of at most this many rows
# each: nine parameters a row, well inside any SQLite build's limit.
SMALL_BATCH = 20


def placeholder(dialect: sa.Dialect) -> str:
    """The driver's own parameter mark, for statements written here rather than compiled."""
    return "?" if dialect.paramstyle == "qmark" else "%s"


def inserts(rows: list[Row], mark: str, size: int = SMALL_BATCH) -> list[tuple[str, tuple[Any, ...]]]:
    """The ledger rows as INSERT statements of at most `size` rows, each with its flat parameters."""
    batches = [rows[i : i + size] for i in range(0, len(rows), size)]
    return [(_insert_sql(len(b), mark), tuple(value for row in b for value in row)) for b in batches]


def _insert_sql(count: int, mark: str) -> str:
    one = "(" + ", ".join([mark] * 9) + ")"
    return 'INSERT INTO audit_event (seq, at, actor, kind, "plan", ref, prev_hash, hash, body) VALUES ' + (
        ", ".join([one] * count)
    )


@dataclass(frozen=True)
class Receipt:
    """What went: the notices one message carried, under which Message-ID, for which plan, by whom."""

    notice_ids: Sequence[int]
    message_id: str
    plan: str
    actor: str


class ReceiptBook:
    """Open with `ReceiptBook.held(engine)`; `write(receipt, now)` records one message's receipt and returns
    how many of its notices it marked (a notice no longer `sending`, cancelled meanwhile, is left alone).

    Database errors leave as SQLAlchemy's, like every other statement's, so the flow retries what may pass
    (`OperationalError`) and the command line reports them. A connection lost between two receipts (a
    restart, an idle cut) is replaced and the receipt written again: it marks only notices still `sending`,
    so writing it twice is harmless whether the first commit landed or not."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        dialect = engine.dialect
        self._dialect = dialect
        self._postgres = dialect.name == "postgresql"
        self._mark = placeholder(dialect)
        self._dbapi_error: type[Exception] = dialect.loaded_dbapi.Error
        # The timestamp exactly as SQLAlchemy stores it (on SQLite, its own text format), so that queries
        # on `sent_at` match it like any other timestamp.
        column_type = Notice.__table__.c.sent_at.type  # type: ignore[attr-defined]
        self._stamp = column_type.dialect_impl(dialect).bind_processor(dialect) or (lambda value: value)
        self._pooled: Any = None
        self._checkout()

    @classmethod
    @contextlib.contextmanager
    def held(cls, engine: Engine) -> Iterator[ReceiptBook]:
        book = cls(engine)
        try:
            yield book
        finally:
            book._checkin()

    def _checkout(self) -> None:
        self._pooled = self._engine.raw_connection()
        self._driver: Any = self._pooled.driver_connection
        if self._postgres:
            from psycopg import ClientCursor  # the PostgreSQL driver is an optional install

            self._driver.autocommit = True  # each receipt begins and ends its transaction in its own text
            self._cursor = ClientCursor(self._driver)

    def _checkin(self, *, lost: bool = False) -> None:
        pooled, self._pooled = self._pooled, None
        if pooled is None:
            return
        try:
            if self._postgres and not lost:
                self._driver.autocommit = False
        except Exception:  # left inside a transaction: not fit to go back to the pool
            lost = True
        if lost:
            pooled.invalidate()
        pooled.close()

    def write(self, receipt: Receipt, now: datetime, claims: Mapping[int, int] | None = None) -> int:
        """`claims` (notice id -> the claim number it was sent under), when given, lets the receipt tell a
        copy from a receipt written twice: see `_copies`."""
        if self._pooled is None:
            raise RuntimeError("receipts written after their connection went back to the pool")
        try:
            return self._write(receipt, now, claims)
        except self._dbapi_error as exc:
            if not self._dialect.is_disconnect(cast(Any, exc), self._driver, None):
                raise self._translated(exc) from exc
        self._checkin(lost=True)
        try:
            self._checkout()
            # Written again, it cannot tell whether its first write's copies (see `_copies`) committed: it
            # records none, so a copy is missed at worst, never invented.
            return self._write(receipt, now, None)
        except self._dbapi_error as exc:
            raise self._translated(exc) from exc

    def _translated(self, exc: Exception) -> Exception:
        # Parameters stay out of the message: they carry addresses and message ids.
        return sa.exc.DBAPIError.instance(None, None, exc, self._dbapi_error, hide_parameters=True)

    def _update_sql(self, count: int) -> str:
        ids = ", ".join([self._mark] * count)
        # `coalesce` so no planner walks the status index: right after a claim its statistics still say
        # few notices are `sending`, and PostgreSQL then read every claimed row to find three.
        return (
            f"UPDATE notice SET status = {self._mark}, sent_at = {self._mark}, message_id = {self._mark}, "
            f"last_error = NULL WHERE id IN ({ids}) AND coalesce(status, '') = {self._mark} {_RETURNED}"
        )

    def _write(self, receipt: Receipt, now: datetime, claims: Mapping[int, int] | None) -> int:
        ids = list(receipt.notice_ids)
        update = self._update_sql(len(ids))
        params = (
            NoticeStatus.SENT.value,
            self._stamp(now),
            receipt.message_id,
            *ids,
            NoticeStatus.SENDING.value,
        )
        try:
            if self._postgres:
                return self._write_postgres(receipt, update, params, claims)
            return self._write_sqlite(receipt, update, params, claims)
        except BaseException:
            with contextlib.suppress(Exception):  # no transaction left open, or a broken connection
                self._driver.execute("ROLLBACK")
            raise

    def _write_postgres(
        self, receipt: Receipt, update: str, params: tuple[Any, ...], claims: Mapping[int, int] | None
    ) -> int:
        """Two round trips: what must be known before chaining (the marked notices and, under the ledger's
        lock, its head), then the events and the commit. Values are bound on this side (a client cursor),
        as the protocol that carries several statements in one message takes no parameters."""
        cursor = self._cursor
        # READ COMMITTED whatever the server's default, so each statement reads a fresh snapshot and the
        # head is read after the lock is held. The commit returns before its WAL reaches the disk: a crash
        # of this process loses nothing (the server has the commit); only the loss of the server itself in
        # the next fraction of a second can undo a receipt, and then the message goes again with the same
        # Message-ID, as inside the window above. Saves the disk flush, a third of the receipt.
        cursor.execute(
            "BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL synchronous_commit TO OFF; "
            f"{update}; {LOCK_SQL}; {HEAD_SQL}",
            params,
        )
        rows = _result(cursor, 2)
        found = _result(cursor, 2)
        events = _events(receipt, rows)
        if claims is not None and len(rows) < len(receipt.notice_ids):
            events += self._copies(receipt, rows, cursor, claims)
        if not events:
            cursor.execute("ROLLBACK")
            return 0
        ledger_rows, _ = chain(prepare(events), found[0] if found else None)
        statements = inserts(ledger_rows, self._mark)
        cursor.execute(
            "; ".join(sql for sql, _ in statements) + "; COMMIT",
            tuple(value for _, values in statements for value in values),
        )
        return len(rows)

    def _write_sqlite(
        self, receipt: Receipt, update: str, params: tuple[Any, ...], claims: Mapping[int, int] | None
    ) -> int:
        driver = self._driver
        driver.execute("BEGIN IMMEDIATE")  # the connection leaves transactions to us (see models.db)
        rows = driver.execute(update, params).fetchall()
        events = _events(receipt, rows)
        if claims is not None and len(rows) < len(receipt.notice_ids):
            events += self._copies(receipt, rows, driver, claims)
        prepared = prepare(events)
        ledger_rows, _ = chain(prepared, driver.execute(HEAD_SQL).fetchone())
        for sql, values in inserts(ledger_rows, self._mark):
            driver.execute(sql, values)
        driver.execute("COMMIT")
        return len(rows)

    def _copies(
        self, receipt: Receipt, marked: list[Row], executor: Any, claims: Mapping[int, int]
    ) -> list[Event]:
        """A message the server took whose notices are no longer `sending` (another dispatcher sent them
        under a later claim after this one stalled past its lease, or they were cancelled meanwhile): the
        message went all the same, so the ledger says so, with what the notice already was. Every message a
        server accepted is in the ledger. A notice `sent` under this very claim is this receipt, written
        already: not a copy."""
        done = {row[0] for row in marked}
        missing = [i for i in receipt.notice_ids if i not in done]
        ids = ", ".join([self._mark] * len(missing))
        copies = executor.execute(
            f"SELECT id, dedupe_key, recipient, channel, attempts, item_refs, status FROM notice "
            f"WHERE id IN ({ids})",
            tuple(missing),
        ).fetchall()
        copies = [row for row in copies if row[6] != NoticeStatus.SENT.value or claims.get(row[0]) != row[4]]
        events = _events(receipt, [row[:6] for row in copies])
        for event, row in zip(events, copies, strict=True):
            event.data["already"] = str(row[6])
        return events


def _result(cursor: Any, skip: int) -> list[Row]:
    """The rows of the statement `skip` results on in a multi-statement message."""
    for _ in range(skip):
        if not cursor.nextset():
            raise RuntimeError("a receipt's message returned fewer results than it has statements")
    rows: list[Row] = cursor.fetchall()
    return rows


def _events(receipt: Receipt, rows: list[Row]) -> list[Event]:
    return [
        Event(
            EventKind.NOTICE_SENT,
            receipt.actor,
            receipt.plan,
            item_refs,
            {
                "notice_id": notice_id,
                "dedupe_key": dedupe_key,
                "recipient": recipient,
                "channel": Channel(channel).value,
                "attempt": attempts,
                "message_id": receipt.message_id,
            },
        )
        for notice_id, dedupe_key, recipient, channel, attempts, item_refs in rows
    ]

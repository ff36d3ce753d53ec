"""A per-process cache of the console's computed read models (the programme, the register's item states),
kept while nothing they are built from has changed.

Why it is correct: every change to a plan's data commits with its ledger event in the same transaction (the
unit of work refuses a commit without one, models.db), and appends are serialised, so the ledger's last seq
only grows in commit order. The key holds the last seq of any event that may change data (`ledger_mark`);
reading it before the rows means a model is never older than its key: a change committed after the mark is
read gives a newer mark to every later reader, who then misses and computes afresh. Events that only record
a read (a page view, an export, a verification) change no data and do not count. The rest of the key is what
the model is computed for besides the data: the plan, the day, and whether the viewer sees exempt items. One
cache per application (web.console.programme), whose database, policy and calendar are fixed when it starts,
so none of them can change under a kept model."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel import Session

from models.audit import CHANGES, AuditEvent

T = TypeVar("T")

SIZE = 64  # models kept per application: a few plans, both visibilities, today and yesterday

_AUDIT: sa.Table = AuditEvent.__table__  # type: ignore[attr-defined]
# The partial index's own condition, word for word: SQLite uses a partial index only for a query that
# states its condition as the index does.
_MARK = sa.select(_AUDIT.c.seq).where(CHANGES).order_by(_AUDIT.c.seq.desc()).limit(1)


def ledger_mark(session: Session) -> int:
    """The seq of the last event that may have changed data (0 for an empty ledger): one step down the
    ledger's index of changes (models.audit), whatever was read since."""
    return session.execute(_MARK).scalar() or 0


class ReadCache:
    """The last `SIZE` models computed, by key, least recently used first out. Kept models are shared
    between requests and threads: they must be immutable (frozen dataclasses, tuples)."""

    def __init__(self, size: int = SIZE) -> None:
        self._size = size
        self._kept: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()
        self._running: dict[Hashable, threading.Event] = {}

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The kept model, or `compute`'s. Readers who ask for a key being computed wait for it rather than
        compute it again (after a change, every reader under load would otherwise build the same model)."""
        with self._lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                return self._kept[key]  # type: ignore[return-value]
            running = self._running.get(key)
            if running is None:
                running = self._running[key] = threading.Event()
                mine = True
            else:
                mine = False
        if not mine:
            running.wait()
            with self._lock:
                if key in self._kept:
                    return self._kept[key]  # type: ignore[return-value]
            return compute()  # the one computing it failed (or it was pushed out already): on our own
        try:
            value = compute()
            with self._lock:
                self._kept[key] = value
                self._kept.move_to_end(key)
                while len(self._kept) > self._size:
                    self._kept.popitem(last=False)
            return value
        finally:
            with self._lock:
                del self._running[key]
            running.set()

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()


class SharedRun:
    """One run of a costly read at a time: callers who arrive while it runs wait for it and share its
    result (which is then at most as old as their call) rather than start another; later callers start
    afresh. Nothing is kept once it ends. For a read anyone may ask for on demand, such as verifying the
    whole ledger, which a crowd of presses must not multiply."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: Future[Any] | None = None

    def run(self, compute: Callable[[], T]) -> T:
        with self._lock:
            running, mine = self._running, False
            if running is None:
                running = self._running = Future()
                mine = True
        if not mine:
            return running.result()
        try:
            value = compute()
            running.set_result(value)
            return value
        except BaseException as exc:
            running.set_exception(exc)
            raise
        finally:
            with self._lock:
                self._running = None

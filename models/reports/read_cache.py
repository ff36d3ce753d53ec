"""A per-process cache of the console's computed read models (the programme, the register's item states),
kept while nothing they are built from has changed.

Why it is correct: every change to a plan's data commits with its ledger event in the same transaction (the
unit of work refuses a commit without one, models.db), and appends are serialised, so the ledger's last seq
only grows in commit order. The key holds the last event that may change data (`ledger_mark`);
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
from concurrent.futures import Future, wait
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel import Session

from models.audit import CHANGES, AuditEvent

T = TypeVar("T")

SIZE = 64  # models kept per application: a few plans, both visibilities, today and yesterday

_AUDIT: sa.Table = AuditEvent.__table__  # type: ignore[attr-defined]
# The partial index's own condition, word for word: SQLite uses a partial index only for a query that
# states its condition as the index does.
_MARK = sa.select(_AUDIT.c.seq, _AUDIT.c.hash).where(CHANGES).order_by(_AUDIT.c.seq.desc()).limit(1)
Mark = tuple[int, str]


def ledger_mark(session: Session) -> Mark:
    """The seq and hash of the last event that may have changed data ((0, "") for an empty ledger): one
    step down the ledger's index of changes (models.audit), whatever was read since. The hash too, so that
    a database restored under a running service (its seqs handed out again to other events) never matches
    a model kept from before."""
    found = session.execute(_MARK).first()
    return (found[0], found[1]) if found else (0, "")


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
    """One run of a costly read at a time, shared by the callers who asked while it was waiting to start.
    A caller who finds a run going does not take its result (it began before they asked, and may have
    passed what changed since): they wait for it to end and share the next, which the first of them starts.
    However many ask at once, the read runs at most twice; each caller's result began after they asked.
    Nothing is kept once it ends. For a read anyone may ask for on demand, such as verifying the whole
    ledger, which a crowd of presses must not multiply."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: Future[Any] | None = None
        self._next: Future[Any] | None = None
        self._waiting = 0

    @property
    def waiting(self) -> int:
        """Callers waiting for the next run (for tests and a page that says "in a moment")."""
        with self._lock:
            return self._waiting

    def run(self, compute: Callable[[], T]) -> T:
        mine: Future[Any]
        before: Future[Any] | None
        with self._lock:
            if self._running is None:
                mine, before, starts = Future(), None, True
                self._running = mine
            else:
                if self._next is None:
                    self._next, starts = Future(), True
                else:
                    starts = False
                mine, before = self._next, self._running
                self._waiting += 1
        if not starts:
            found: T = mine.result()
            return found
        if before is not None:
            wait([before])  # its end makes `mine` the running one (below), whatever its outcome
        try:
            value = compute()
        except BaseException as exc:
            self._end(mine)
            mine.set_exception(exc)
            raise
        self._end(mine)
        mine.set_result(value)
        return value

    def _end(self, run: Future[Any]) -> None:
        """Hand over before the result is out: whoever asks from now on waits for a run not yet begun."""
        with self._lock:
            if self._running is run:
                self._running, self._next, self._waiting = self._next, None, 0

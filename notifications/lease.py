"""Keeping a run's claim alive while it works, so a second dispatcher never takes notices the first is still
sending, however slow the server; and noticing when another dispatcher took some over after all."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from models.db import unit_of_work
from models.outbox import Notice, NoticeStatus

CHUNK = 500  # ids per IN list


class Lease:
    """Before a send, when a third of the lease has passed since the last renewal, the claim of every notice
    still to send is stamped afresh. Time is the run's `now` plus the time spent since (a monotonic clock),
    so a run given an earlier `now` stays consistent. A notice no longer `sending` under this run's claim
    number was taken by another dispatcher (this one stalled past the lease) or marked meanwhile: its
    digest is left to them."""

    def __init__(self, engine: Engine, now: datetime, lease: timedelta, claims: dict[int, int]) -> None:
        self._engine, self._now, self._every = engine, now, lease.total_seconds() / 3
        self._claims = dict(claims)  # notice id -> claim number, for the notices not yet done
        self._started = self._renewed = time.monotonic()

    def keep(self, ids: tuple[int, ...]) -> bool:
        if time.monotonic() - self._renewed >= self._every:
            self._renew()
        if all(i in self._claims for i in ids):
            return True
        self._release([i for i in ids if i in self._claims])
        return False

    @property
    def claims(self) -> dict[int, int]:
        return self._claims

    def done(self, ids: tuple[int, ...]) -> None:
        for i in ids:
            self._claims.pop(i, None)

    def _renew(self) -> None:
        self._renewed = time.monotonic()
        stamp = self._now + timedelta(seconds=self._renewed - self._started)
        table = Notice.__table__  # type: ignore[attr-defined]
        kept: dict[int, int] = {}
        ids = list(self._claims)
        with unit_of_work(self._engine, bookkeeping=True) as session:
            for start in range(0, len(ids), CHUNK):
                rows = session.execute(
                    table.update()
                    .where(
                        table.c.id.in_(ids[start : start + CHUNK]),
                        table.c.status == NoticeStatus.SENDING.value,
                    )
                    .values(claimed_at=stamp)
                    .returning(table.c.id, table.c.attempts)
                )
                kept.update({i: a for i, a in rows if self._claims.get(i) == a})
        self._claims = kept

    def _release(self, ids: list[int]) -> None:
        """Ours, but part of a digest another dispatcher now holds: pending again, for the next run."""
        self.done(tuple(ids))
        if not ids:
            return
        table = Notice.__table__  # type: ignore[attr-defined]
        with unit_of_work(self._engine, bookkeeping=True) as session:
            session.execute(
                table.update()
                .where(table.c.id.in_(ids), table.c.status == NoticeStatus.SENDING.value)
                .values(status=NoticeStatus.PENDING.value, claimed_at=None)
            )

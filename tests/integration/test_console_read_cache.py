"""The console keeps a computed programme and register until the ledger says something changed: a second
read of an unchanged plan builds nothing, a page view (a read) keeps the model, and a change with its event
shows at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.console.access_log import page_viewed
from models.console.roles import Role, Standing
from models.db import unit_of_work
from models.ledger.chain import Event, record
from models.ledger.kinds import EventKind
from models.outbox import Notice, NoticeStatus
from models.plan import Action
from models.reports.read_cache import ReadCache, SharedRun, ledger_mark
from tests.console_helpers import (
    AUDITOR,
    NOW,
    SECRETARIAT,
    Clock,
    console_client,
    console_plan,
    notice_about,
    sign_in,
)


def _statements(client: TestClient, path: str) -> tuple[int, str]:
    seen: list[str] = []

    def count(conn: object, cursor: object, statement: str, *rest: object) -> None:
        seen.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", count)
    try:
        answer = client.get(path)
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", count)
    assert answer.status_code == 200
    return len(seen), answer.text


def test_an_unchanged_plan_is_read_once_and_a_change_shows_at_once(db_url: str, engine: Engine) -> None:
    plan_id = console_plan(engine)
    client = sign_in(console_client(db_url, Clock()), SECRETARIAT)
    paths = (f"/console/plans/{plan_id}", f"/console/plans/{plan_id}/register")
    built = {}
    for path in paths:
        built[path], first = _statements(client, path)
        kept, again = _statements(client, path)
        assert kept < built[path] and again == first, path
    with unit_of_work(engine) as session:  # a change, with its event, as every change is made
        act = session.exec(select(Action).where(Action.ref == "ACT-1")).one()
        act.title = "Renamed while the model was kept"
        record(session, Event(EventKind.ACTION_CHANGED, "test", None, "ACT-1"))
    for path in paths:
        rebuilt, text = _statements(client, path)
        assert rebuilt == built[path], path
    assert "Renamed while the model was kept" in text  # the register lists every title


def test_a_page_view_is_not_a_change(db_url: str, engine: Engine) -> None:
    plan_id = console_plan(engine)
    with Session(engine) as session:
        before = ledger_mark(session)
    auditor = sign_in(console_client(db_url, Clock()), AUDITOR)
    assert auditor.get(f"/console/plans/{plan_id}/register").status_code == 200  # writes its view
    with unit_of_work(engine) as session:
        standing = Standing(plan_id, "Test Plan", AUDITOR, "Audra", None, frozenset({Role.AUDITOR}))
        page_viewed(session, standing, "/somewhere", NOW, None)
    with Session(engine) as session:
        assert ledger_mark(session) == before
        record(session, Event(EventKind.PLAN_CHANGED, "test"))
        session.commit()
        assert ledger_mark(session) > before


def test_the_cache_keeps_the_latest_few() -> None:
    cache = ReadCache(size=2)
    built: list[str] = []

    def make(name: str) -> str:
        built.append(name)
        return name.upper()

    assert cache.get("a", lambda: make("a")) == "A"
    assert cache.get("a", lambda: make("a")) == "A"
    cache.get("b", lambda: make("b"))
    cache.get("a", lambda: make("a"))  # a is now the most recent: c pushes b out
    cache.get("c", lambda: make("c"))
    cache.get("a", lambda: make("a"))
    cache.get("b", lambda: make("b"))
    assert built == ["a", "b", "c", "b"]


def test_readers_of_a_model_being_computed_wait_for_it_and_a_failure_is_not_kept() -> None:
    cache = ReadCache()
    started, release = threading.Event(), threading.Event()
    calls: list[str] = []

    def slow() -> str:
        calls.append("slow")
        started.set()
        release.wait(5)
        return "model"

    results: list[str] = []
    first = threading.Thread(target=lambda: results.append(cache.get("k", slow)))
    first.start()
    started.wait(5)
    second = threading.Thread(target=lambda: results.append(cache.get("k", slow)))
    second.start()
    time.sleep(0.2)  # the second reader is asking by now: without waiting it would build the model again
    release.set()
    first.join(5)
    second.join(5)
    assert results == ["model", "model"] and calls == ["slow"]

    def broken() -> str:
        raise ValueError("no model")

    with pytest.raises(ValueError):
        cache.get("other", broken)
    assert cache.get("other", lambda: "built") == "built"


def test_a_shared_run_is_never_older_than_the_ask_and_runs_at_most_twice_for_a_crowd() -> None:
    """Five presses while a verification runs: none takes that reading (it began before they asked); they
    share the next, which starts when it ends. A press after both reads afresh; a failure is not kept."""
    shared = SharedRun()
    started, release = threading.Event(), threading.Event()
    calls: list[int] = []

    def verify() -> str:
        calls.append(1)
        if len(calls) == 1:
            started.set()
            release.wait(5)
        return f"reading {len(calls)}"

    results: list[str] = []
    first = threading.Thread(target=lambda: results.append(shared.run(verify)))
    first.start()
    assert started.wait(5)
    crowd = [threading.Thread(target=lambda: results.append(shared.run(verify))) for _ in range(5)]
    for press in crowd:
        press.start()
    _until(lambda: shared.waiting == 5)
    release.set()
    for press in [first, *crowd]:
        press.join(5)
    assert sorted(results) == ["reading 1"] + ["reading 2"] * 5 and len(calls) == 2
    assert shared.run(verify) == "reading 3"

    def broken() -> str:
        raise ValueError("unreadable")

    with pytest.raises(ValueError):
        shared.run(broken)
    assert shared.run(lambda: "again") == "again"


def _until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.005)


def test_an_item_page_is_kept_by_its_ref_in_any_case_and_its_messages_are_read_every_time(
    db_url: str, engine: Engine
) -> None:
    """The item's facts and story are kept until a change is recorded (the same entry for `act-1` and
    `ACT-1`); its messages are read on every view, as the outbox's lease changes a notice with no event."""
    plan_id = console_plan(engine)
    client = sign_in(console_client(db_url, Clock()), SECRETARIAT)
    with unit_of_work(engine) as session:
        session.add(notice_about("ACT-1", SECRETARIAT))
        record(session, Event(EventKind.OVERDUE_NOTICE_QUEUED, "system:sweep", "Test Plan", "ACT-1", {}))
    built, first = _statements(client, f"/console/plans/{plan_id}/items/ACT-1")
    kept, again = _statements(client, f"/console/plans/{plan_id}/items/act-1")
    assert kept < built and again == first
    with unit_of_work(engine, bookkeeping=True) as session:  # the lease, as the dispatcher takes a notice
        session.execute(sa.update(Notice).values(status=NoticeStatus.SENDING))
    _, leased = _statements(client, f"/console/plans/{plan_id}/items/ACT-1")
    assert leased != first and NoticeStatus.SENDING.value in leased
    with unit_of_work(engine) as session:
        act = session.exec(select(Action).where(Action.ref == "ACT-1")).one()
        act.title = "Renamed while its page was kept"
        record(session, Event(EventKind.ACTION_CHANGED, "test", "Test Plan", "ACT-1"))
    assert (
        "Renamed while its page was kept" in _statements(client, f"/console/plans/{plan_id}/items/ACT-1")[1]
    )

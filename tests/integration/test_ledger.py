"""The ledger on real databases: protected by triggers, every kind of tampering found at the right
sequence number, appends that never fork the chain, and no change without its event."""

from __future__ import annotations

import hashlib
import multiprocessing

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from flows import demo_plan
from models.audit import AuditEvent
from models.db import UnrecordedChange, make_engine, unit_of_work
from models.ledger.chain import Event, Head, encode, record, record_many
from models.ledger.kinds import EventKind
from models.ledger.verification import verify_database
from models.people import Person
from models.plans.importer import import_plan
from models.plans.updates import apply_update
from tests.integration.ledger_tamper import behind_the_triggers, put, row


@pytest.fixture
def ledger(engine: Engine) -> Engine:
    """A real ledger: the demo plan loaded and its owners' updates replayed (about a hundred events)."""
    with unit_of_work(engine) as session:
        import_plan(session, demo_plan.load_spec(), actor="test")
    for update in demo_plan.UPDATES[:20]:
        with unit_of_work(engine) as session:
            apply_update(session, update)
    assert verify_database(engine).ok
    return engine


@pytest.mark.parametrize("statement", ["UPDATE audit_event SET actor = 'x'", "DELETE FROM audit_event"])
def test_triggers_block_update_and_delete(ledger: Engine, statement: str) -> None:
    with pytest.raises(DBAPIError, match="append-only"), ledger.begin() as conn:
        conn.exec_driver_sql(statement)
    assert verify_database(ledger).ok


def test_truncate_is_blocked_on_postgresql(ledger: Engine) -> None:
    if ledger.dialect.name != "postgresql":
        return  # SQLite has no TRUNCATE statement; DELETE is covered above
    with pytest.raises(DBAPIError, match="append-only"), ledger.begin() as conn:
        conn.exec_driver_sql("TRUNCATE audit_event")


def _problem(engine: Engine, anchor: Head | None = None) -> tuple[int, str]:
    verdict = verify_database(engine, anchor)
    assert verdict.problem is not None, "tampering went unnoticed"
    return verdict.problem.seq, verdict.problem.what


def _an_action_added(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(sa.text("SELECT min(seq) FROM audit_event WHERE kind = 'ActionAdded'")).scalar_one()
        )


def test_changed_data_is_found(ledger: Engine) -> None:
    seq = _an_action_added(ledger) + 3
    with behind_the_triggers(ledger) as conn:
        body = bytes(row(conn, seq)["body"])
        put(conn, seq, {"body": body.replace(b'"percent":0', b'"percent":9')})
        assert row(conn, seq)["body"] != body
    assert _problem(ledger) == (seq, "hash mismatch: the stored record was changed after it was written")


def test_changed_data_with_a_recomputed_hash_breaks_the_next_link(ledger: Engine) -> None:
    seq = _an_action_added(ledger) + 3
    with behind_the_triggers(ledger) as conn:
        body = bytes(row(conn, seq)["body"]).replace(b'"percent":0', b'"percent":90')
        assert body != row(conn, seq)["body"]
        put(conn, seq, {"body": body, "hash": hashlib.sha256(body).hexdigest()})
    assert _problem(ledger)[0] == seq + 1
    assert "broken link" in _problem(ledger)[1]


def test_changed_time_is_found(ledger: Engine) -> None:
    with behind_the_triggers(ledger) as conn:
        put(conn, 33, {"at": "2017-01-01T00:00:00.000000Z"})
    seq, what = _problem(ledger)
    assert seq == 33 and "the at column" in what


def test_deleted_row_is_found(ledger: Engine) -> None:
    with behind_the_triggers(ledger) as conn:
        conn.exec_driver_sql("DELETE FROM audit_event WHERE seq = 27")
    seq, what = _problem(ledger)
    assert seq == 27 and "gap" in what


def test_swapped_rows_are_found(ledger: Engine) -> None:
    with behind_the_triggers(ledger) as conn:
        a, b = row(conn, 50), row(conn, 51)
        columns = ("at", "actor", "kind", "plan", "ref", "prev_hash", "hash", "body")
        put(conn, 50, {k: b[k] for k in columns})
        put(conn, 51, {k: a[k] for k in columns})
    seq, what = _problem(ledger)
    assert seq == 50 and "broken link" in what


def test_forged_row_inserted_mid_chain_is_found(ledger: Engine) -> None:
    """The forger renumbers the rest and chains the forgery properly onto seq 59: the first row after it
    no longer links, and verification names it."""
    with behind_the_triggers(ledger) as conn:
        last = conn.exec_driver_sql("SELECT max(seq) FROM audit_event").scalar_one()
        for seq in range(last, 59, -1):  # make room at 60, from the top down (the primary key)
            conn.execute(sa.text("UPDATE audit_event SET seq = seq + 1 WHERE seq = :s"), {"s": seq})
        prev = row(conn, 59)["hash"]
        at = "2017-10-02T06:00:00.000000Z"
        forged = Event(
            "ActionUpdated", "director.csc@example.org", demo_plan.PLAN_NAME, "TAP-07", {"after": {}}
        )
        body = encode(60, at, forged, prev)
        conn.execute(
            sa.insert(AuditEvent.__table__),  # type: ignore[attr-defined]
            {
                "seq": 60,
                "at": at,
                "actor": forged.actor,
                "kind": forged.kind,
                "plan": forged.plan,
                "ref": forged.ref,
                "prev_hash": prev,
                "hash": hashlib.sha256(body).hexdigest(),
                "body": body,
            },
        )
    seq, what = _problem(ledger)
    assert seq == 61 and "broken link" in what


def test_truncated_tail_is_found_with_a_published_head(ledger: Engine) -> None:
    published = verify_database(ledger).head
    assert published is not None
    with behind_the_triggers(ledger) as conn:
        conn.execute(sa.text("DELETE FROM audit_event WHERE seq > :s"), {"s": published.seq - 5})
    assert verify_database(ledger).ok  # the chain alone cannot tell...
    seq, what = _problem(ledger, published)  # ...the published head can
    assert seq == published.seq - 4 and "missing anchored head" in what


def test_a_change_recorded_only_as_a_read_is_refused(ledger: Engine) -> None:
    """A page view (or an export) is not a change's event: the console keeps what it read until a change is
    recorded, so a change committed with a read's event alone would leave kept pages showing the past."""
    with pytest.raises(UnrecordedChange, match="only as a read"), unit_of_work(ledger) as session:
        person = session.exec(select(Person).where(Person.email == "chair@example.org")).one()
        person.name = "Someone Else"
        record(session, Event(EventKind.CONSOLE_PAGE_VIEWED, "auditor@example.org", None, None, {}))
    with unit_of_work(ledger) as session:  # a read recorded on its own is what it is for
        record(session, Event(EventKind.CONSOLE_PAGE_VIEWED, "auditor@example.org", None, None, {}))
    with Session(ledger) as session:
        assert not session.exec(select(Person).where(Person.name == "Someone Else")).first()


def test_a_change_without_its_event_is_refused(ledger: Engine) -> None:
    with Session(ledger) as session:
        events_before = session.exec(select(sa.func.count()).select_from(AuditEvent)).one()
    with pytest.raises(UnrecordedChange), unit_of_work(ledger) as session:
        person = session.exec(select(Person).where(Person.email == "chair@example.org")).one()
        person.name = "Someone Else"
    with pytest.raises(UnrecordedChange), unit_of_work(ledger) as session:
        session.execute(sa.update(Person).values(name="Nobody"))
    with Session(ledger) as session:
        assert session.exec(select(Person).where(Person.email == "chair@example.org")).one().name != "Nobody"
        assert session.exec(select(sa.func.count()).select_from(AuditEvent)).one() == events_before
        assert (
            session.exec(
                select(sa.func.count()).select_from(Person).where(Person.name == "Someone Else")
            ).one()
            == 0
        )


def test_batched_appends_chain_in_order(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        first = record_many(session, (Event("Batched", "test", data={"i": i}) for i in range(500)))
    with unit_of_work(engine) as session:
        second = record(session, Event("Single", "test"))
    assert second.seq == first.seq + 1
    verdict = verify_database(engine)
    assert verdict.ok and verdict.head == second


def _append_worker(url: str, n: int, worker: int) -> None:
    engine = make_engine(url)
    for i in range(n):
        with unit_of_work(engine) as session:
            record(session, Event("Appended", f"worker:{worker}", data={"i": i}))
    engine.dispose()


def test_concurrent_writers_never_fork_the_chain(db_url: str, engine: Engine) -> None:
    """Four processes append at once: one valid chain with every event. 1,000 each on PostgreSQL (the
    issue's figure); 250 each on SQLite, whose writers queue on one file lock."""
    per_worker = 1000 if engine.dialect.name == "postgresql" else 250
    before = verify_database(engine).count
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_append_worker, args=(db_url, per_worker, w)) for w in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=300)
        assert w.exitcode == 0
    verdict = verify_database(engine)
    assert verdict.ok, verdict.problem
    assert verdict.count == before + 4 * per_worker
    with Session(engine) as session:
        actors = session.exec(select(AuditEvent.actor, sa.func.count()).group_by(AuditEvent.actor)).all()
    assert sorted(a for a in actors if a[0].startswith("worker:")) == [
        (f"worker:{w}", per_worker) for w in range(4)
    ]

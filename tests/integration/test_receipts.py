"""Receipts on real databases: the record that a digest went marks only notices still being sent, chains
their events onto the ledger, and a receipt that fails half-way leaves nothing behind, not even on the
connection it was written on."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.audit import AuditEvent
from models.db import make_engine
from models.ledger.chain import decode_data
from models.ledger.verification import verify_database
from models.outbox import Notice, NoticeStatus
from notifications.dispatch import claim
from notifications.messages import Digest, build_digests
from notifications.receipts import Receipts
from tests.factories import queue_notices

NOW = datetime(2017, 10, 16, 8, 0, tzinfo=UTC)


def _digests(engine: Engine, notices: int = 6, recipients: int = 2) -> list[Digest]:
    queue_notices(engine, notices, recipients=recipients, at=NOW)
    claimed = claim(engine, NOW)
    plan_of = {n.id: str(n.payload.pop("_plan")) for n in claimed}
    return build_digests(claimed, plan_of, "example.org")


def _sent_events(engine: Engine) -> list[dict[str, object]]:
    with Session(engine) as session:
        rows = session.exec(
            select(AuditEvent).where(AuditEvent.kind == "NoticeSent").order_by(col(AuditEvent.seq))
        ).all()
        return [decode_data(row.body) for row in rows]


def _status(engine: Engine, notice_id: int) -> NoticeStatus:
    with Session(engine) as session:
        notice = session.get(Notice, notice_id)
        assert notice is not None
        return notice.status


def test_a_receipt_marks_what_is_still_being_sent_and_chains_its_events(engine: Engine) -> None:
    first, second = _digests(engine)
    withdrawn = second.notice_ids[0]
    with engine.begin() as connection:  # cancelled while its digest was on the wire
        connection.execute(
            sa.update(Notice).where(col(Notice.id) == withdrawn).values(status=NoticeStatus.CANCELLED)
        )
    with Receipts.held(engine) as receipts:
        assert receipts.sent(first, NOW) == len(first.notice_ids)
        assert receipts.sent(second, NOW) == len(second.notice_ids) - 1
        assert receipts.sent(first, NOW) == 0  # written already: nothing twice

    events = _sent_events(engine)
    assert sorted(int(str(e["notice_id"])) for e in events) == sorted(
        i for i in first.notice_ids + second.notice_ids if i != withdrawn
    )
    assert {e["message_id"] for e in events} == {first.message_id, second.message_id}
    assert _status(engine, withdrawn) is NoticeStatus.CANCELLED
    with Session(engine) as session:
        marked = session.exec(select(Notice).where(Notice.status == NoticeStatus.SENT)).all()
        assert {n.sent_at for n in marked} == {NOW}
    with engine.connect() as connection:  # and stored as SQLAlchemy stores it, so SQL comparisons find it
        found = connection.execute(sa.select(sa.func.count()).where(col(Notice.sent_at) == NOW)).scalar()
        assert found == len(first.notice_ids) + len(second.notice_ids) - 1
        assert {n.message_id for n in marked if n.id in first.notice_ids} == {first.message_id}
    assert verify_database(engine).ok


def test_a_receipt_that_fails_half_way_leaves_nothing_behind(engine: Engine, db_url: str) -> None:
    first, second = _digests(engine)
    # A plan name that cannot go in a ledger header: refused after the notices were marked and the
    # ledger's lock taken, the worst moment to fail. One connection in the pool, so the end of the test
    # runs on the very connection the receipts used.
    single = make_engine(db_url, pool_size=1, max_overflow=0)
    broken = replace(first, plan="P\nforged")
    with Receipts.held(single) as receipts:
        with pytest.raises(ValueError, match="control character"):
            receipts.sent(broken, NOW)
        assert all(_status(engine, i) is NoticeStatus.SENDING for i in first.notice_ids)
        # The same connection goes on: no transaction and no lock were left on it.
        assert receipts.sent(second, NOW) == len(second.notice_ids)
        assert receipts.sent(first, NOW) == len(first.notice_ids)
    assert len(_sent_events(engine)) == len(first.notice_ids) + len(second.notice_ids)
    assert verify_database(engine).ok

    # It went back to the pool as it came (on PostgreSQL, out of autocommit): work rolled back is undone.
    with single.connect() as connection:
        connection.execute(
            sa.update(Notice).where(col(Notice.id) == first.notice_ids[0]).values(last_error="undone")
        )
        connection.rollback()
    single.dispose()
    with Session(engine) as session:
        assert not session.exec(select(Notice).where(Notice.last_error == "undone")).all()


REFUSED = "<refused@example.org>"


def _refusing_trigger(engine: Engine) -> tuple[list[str], list[str]]:
    """A trigger that makes the database itself refuse one receipt's update, and how to take it away."""
    if engine.dialect.name == "sqlite":
        create = [
            "CREATE TRIGGER refuse_receipt BEFORE UPDATE ON notice "
            f"WHEN NEW.message_id = '{REFUSED}' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
        ]
        return create, ["DROP TRIGGER refuse_receipt"]
    create = [
        "CREATE FUNCTION refuse_receipt() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF NEW.message_id = '{REFUSED}' THEN RAISE EXCEPTION 'refused by the test'; END IF; "
        "RETURN NEW; END $$",
        "CREATE TRIGGER refuse_receipt BEFORE UPDATE ON notice "
        "FOR EACH ROW EXECUTE FUNCTION refuse_receipt()",
    ]
    return create, ["DROP TRIGGER refuse_receipt ON notice", "DROP FUNCTION refuse_receipt()"]


def test_a_receipt_the_database_refuses_is_reported_as_a_database_error(engine: Engine) -> None:
    first, second = _digests(engine)
    create, drop = _refusing_trigger(engine)
    with engine.begin() as connection:
        for statement in create:
            connection.exec_driver_sql(statement)
    try:
        with Receipts.held(engine) as receipts:
            with pytest.raises(sa.exc.DBAPIError, match="refused by the test") as refused:
                receipts.sent(replace(first, message_id=REFUSED), NOW)
            assert first.recipient not in str(refused.value)  # no parameters in the message
            assert receipts.sent(second, NOW) == len(second.notice_ids)
    finally:
        with engine.begin() as connection:
            for statement in drop:
                connection.exec_driver_sql(statement)
    assert all(_status(engine, i) is NoticeStatus.SENDING for i in first.notice_ids)
    assert len(_sent_events(engine)) == len(second.notice_ids)
    assert verify_database(engine).ok


def test_a_connection_lost_between_receipts_is_replaced(db_url: str) -> None:
    engine = make_engine(db_url)
    handed_out: list[Any] = []
    sa.event.listen(engine, "checkout", lambda dbapi_connection, *_: handed_out.append(dbapi_connection))
    first, second = _digests(engine)
    with Receipts.held(engine) as receipts:
        held = handed_out[-1]
        assert receipts.sent(first, NOW) == len(first.notice_ids)
        if engine.dialect.name == "postgresql":  # the server ends it, as a restart or an idle cut would
            with sa.create_engine(db_url).connect() as admin:
                admin.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": held.info.backend_pid})
        else:  # SQLite has no server to lose: the nearest thing is a closed handle
            held.close()
        assert receipts.sent(second, NOW) == len(second.notice_ids)
        assert handed_out[-1] is not held
    assert len(_sent_events(engine)) == len(first.notice_ids) + len(second.notice_ids)
    assert verify_database(engine).ok
    engine.dispose()


def test_a_copy_sent_after_another_dispatcher_took_over_is_in_the_ledger(engine: Engine) -> None:
    """This dispatcher stalled past its lease; another claimed the first digest's notices and sent them, and
    one notice of the second was cancelled meanwhile. Both messages went from here too: the ledger says so."""
    first, second = _digests(engine)
    claims = {i: 1 for i in first.notice_ids + second.notice_ids}  # each claimed once, by this dispatcher
    withdrawn = second.notice_ids[0]
    with engine.begin() as connection:
        connection.execute(
            sa.update(Notice)
            .where(col(Notice.id).in_(first.notice_ids))
            .values(status=NoticeStatus.SENT, attempts=2)  # the other dispatcher's claim, and its receipt
        )
        connection.execute(
            sa.update(Notice).where(col(Notice.id) == withdrawn).values(status=NoticeStatus.CANCELLED)
        )
    with Receipts.held(engine) as receipts:
        assert receipts.sent(first, NOW, claims) == 0
        assert receipts.sent(second, NOW, claims) == len(second.notice_ids) - 1
    events = _sent_events(engine)
    copies = {int(str(e["notice_id"])): e["already"] for e in events if "already" in e}
    assert copies == {**{i: "sent" for i in first.notice_ids}, withdrawn: "cancelled"}
    assert len(events) == len(first.notice_ids) + len(second.notice_ids)
    assert verify_database(engine).ok

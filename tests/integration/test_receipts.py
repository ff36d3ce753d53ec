"""Receipts on real databases: the record that a digest went marks only notices still being sent, chains
their events onto the ledger, and a receipt that fails half-way leaves nothing behind, not even on the
connection it was written on."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.audit import AuditEvent
from models.ledger import decode_data
from models.outbox import Notice, NoticeStatus
from models.verification import verify_database
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
        assert {n.message_id for n in marked if n.id in first.notice_ids} == {first.message_id}
    assert verify_database(engine).ok


def test_a_receipt_that_fails_half_way_leaves_nothing_behind(engine: Engine) -> None:
    first, second = _digests(engine)
    # A plan name that cannot go in a ledger header: refused after the notices were marked and the
    # ledger's lock taken, the worst moment to fail.
    broken = replace(first, plan="P\nforged")
    with Receipts.held(engine) as receipts:
        with pytest.raises(ValueError, match="control character"):
            receipts.sent(broken, NOW)
        assert all(_status(engine, i) is NoticeStatus.SENDING for i in first.notice_ids)
        # The same connection goes on: no transaction and no lock were left on it.
        assert receipts.sent(second, NOW) == len(second.notice_ids)
        assert receipts.sent(first, NOW) == len(first.notice_ids)
    assert len(_sent_events(engine)) == len(first.notice_ids) + len(second.notice_ids)
    assert verify_database(engine).ok

    # And the connection went back to the pool as it came (on PostgreSQL, out of autocommit): work rolled
    # back on it is undone.
    with engine.connect() as connection:
        connection.execute(
            sa.update(Notice).where(col(Notice.id) == first.notice_ids[0]).values(last_error="undone")
        )
        connection.rollback()
    with Session(engine) as session:
        assert not session.exec(select(Notice).where(Notice.last_error == "undone")).all()

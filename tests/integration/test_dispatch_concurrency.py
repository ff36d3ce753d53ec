"""Four dispatcher processes over the same outbox: every notice is delivered exactly once."""

from __future__ import annotations

import json
import multiprocessing
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.audit import AuditEvent
from models.db import make_engine, unit_of_work
from models.ledger import Event, decode_data, record
from models.outbox import Notice
from notifications.dispatch import dispatch
from notifications.transport import FileSink

NOW = datetime(2017, 10, 16, 8, 0, tzinfo=UTC)


def _worker(url: str, folder: str) -> None:
    engine = make_engine(url)
    while dispatch(engine, FileSink(Path(folder)), NOW, sender="los@example.org", limit=50).claimed:
        pass
    engine.dispose()


def test_four_dispatchers_deliver_each_notice_once(db_url: str, engine: Engine, tmp_path: Path) -> None:
    count = 2000 if engine.dialect.name == "postgresql" else 400
    rows = [
        {
            "dedupe_key": f"P|REF-{i}|2017-10-02|overdue|0|person{i % 100}@example.org",
            "plan": "P",
            "recipient": f"person{i % 100}@example.org",
            "channel": "email",
            "kind": "OverdueNoticeQueued",
            "item_refs": f"REF-{i}",
            "payload": json.dumps({"ref": f"REF-{i}", "title": "T", "reason": "overdue"}),
            "urgency": 3,
            "created_at": NOW,
            "not_before": NOW,
            "attempts": 0,
            "status": "pending",
        }
        for i in range(count)
    ]
    with unit_of_work(engine) as session:
        session.execute(sa.insert(Notice.__table__), rows)  # type: ignore[attr-defined]
        record(session, Event("TestNoticesQueued", "test", data={"count": count}))
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_worker, args=(db_url, str(tmp_path / f"w{w}"))) for w in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=300)
        assert w.exitcode == 0
    with Session(engine) as session:
        statuses = {n.status.value for n in session.exec(select(Notice))}
        sent = [
            decode_data(e.body)["dedupe_key"]
            for e in session.exec(select(AuditEvent).where(AuditEvent.kind == "NoticeSent"))
        ]
    assert statuses == {"sent"}
    assert len(sent) == len(set(sent)) == count
    delivered = [
        line
        for f in tmp_path.glob("w*/*.eml")
        for line in f.read_text().splitlines()
        if line.startswith("REF-")
    ]
    assert len(delivered) == count  # each item appears in exactly one delivered email

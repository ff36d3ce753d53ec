"""Four dispatcher processes over the same outbox: every notice is delivered exactly once."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.audit import AuditEvent
from models.db import make_engine
from models.ledger.chain import decode_data
from models.outbox import Notice
from notifications.dispatch import dispatch
from notifications.transport import FileSink
from tests.factories import queue_notices

NOW = datetime(2017, 10, 16, 8, 0, tzinfo=UTC)


def _worker(url: str, folder: str) -> None:
    engine = make_engine(url)
    while dispatch(engine, FileSink(Path(folder)), NOW, sender="los@example.org", limit=50).claimed:
        pass
    engine.dispose()


def test_four_dispatchers_deliver_each_notice_once(db_url: str, engine: Engine, tmp_path: Path) -> None:
    count = 2000 if engine.dialect.name == "postgresql" else 400
    queue_notices(engine, count, recipients=100, at=NOW)
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
        # The plain-text part's item headings ("REF-7: Item 7"); the HTML part names each item again.
        if line.startswith("REF-") and not line.endswith("</h2>")
    ]
    assert len(delivered) == count  # each item appears in exactly one delivered email

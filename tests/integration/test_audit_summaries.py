"""`audit log`'s "What" column on a ledger like the demo's (on SQLite and PostgreSQL): a plan imported,
owners' updates, a sweep's reminders and escalations, a re-import that keeps an owner's progress, a pack
built, sent, superseded by a new version and rebuilt at a chosen moment. Every event reads as one line of
words: no Python repr (`{'name': ...}`, `[{...}]`, `['...']`) and no empty summary."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from config.policy import load_policy
from models.db import unit_of_work
from models.ledger.trail import LogFilter, read_log
from models.meetings import Meeting
from models.plans.importer import import_plan
from models.plans.spec import ActionSpec, UpdateSpec
from models.plans.updates import apply_update
from models.reports.event_lines import summary as _summary
from models.reports.pack_data.moment import parse_as_of
from models.sweep.run import sweep_plans
from models.vocab import RAG, Audience, Status
from packs.build import build_pack
from packs.publish import publish
from tests.factories import OWNER
from tests.pack_fixtures import PACK_DAY, load_pack_plan, pack_plan
from workbooks.plan_workbook import import_workbook
from workbooks.writer import write_template

APPROVED = "test: approved and sent by the operator"  # a draft is sent only with an approval (packs.review)

POLICY = load_policy()
LONDON = ZoneInfo("Europe/London")
REPR = ("{'", "[{", "['", "None ->")


def _demo_like_ledger(engine: Engine, folder: Path) -> None:
    load_pack_plan(engine)
    with Session(engine) as session:
        meeting = session.exec(select(Meeting).where(Meeting.audience == Audience.BOARD)).one().id or 0
    write_template(folder / "template.xlsx")  # a second plan, through the workbook door as the demo's
    import_workbook(engine, folder / "template.xlsx", actor="secretariat@example.org")
    sweep_plans(engine, POLICY, date(2017, 9, 20))
    morning = datetime(2017, 9, 25, 8, 0, tzinfo=LONDON)
    sent = build_pack(engine, meeting, Audience.BOARD, POLICY, PACK_DAY, folder, now=morning)
    publish(engine, sent.pack_id, approval=APPROVED, now=morning.replace(hour=8, minute=30))
    with unit_of_work(engine) as session:
        at = datetime(2017, 9, 27, 10, tzinfo=UTC)
        apply_update(session, UpdateSpec("ACT-1", OWNER, status=Status.COMPLETE, note="Done", at=at))
    spec = pack_plan()
    new = ActionSpec("NEW-1", "Added later", "A1", OWNER, date(2017, 12, 1), status=Status.IN_PROGRESS)
    with unit_of_work(engine) as session:  # the workbook still says ACT-1 is in progress: kept
        import_plan(session, dataclasses.replace(spec, actions=(*spec.actions, new)), actor="test")
    with unit_of_work(engine) as session:
        apply_update(session, UpdateSpec("NEW-1", OWNER, rag=RAG.RED, percent=10, at=at))
    sweep_plans(engine, POLICY, date(2017, 10, 16))
    # Built again as of the end of the pack date rather than the sent pack's morning: a new version.
    end_of_day = parse_as_of(PACK_DAY.isoformat(), "Europe/London")
    later = build_pack(
        engine, meeting, Audience.BOARD, POLICY, date(2017, 11, 1), folder, data_as_of=end_of_day
    )
    assert later.state == "new version"
    chosen = parse_as_of("2017-09-28", "Europe/London")
    day = date(2017, 12, 1)
    rebuilt = build_pack(engine, meeting, Audience.BOARD, POLICY, day, folder, data_as_of=chosen)
    assert rebuilt.state == "rebuilt"
    publish(engine, rebuilt.pack_id, approval=APPROVED, now=datetime(2017, 12, 1, 9, 0, tzinfo=UTC))


def test_every_event_reads_as_words(engine: Engine, tmp_path: Path) -> None:
    _demo_like_ledger(engine, tmp_path)
    with Session(engine) as session:
        events = read_log(session, LogFilter())
    kinds = {e.kind for e in events}
    assert {"PackBuilt", "PackSuperseded", "PackPublished", "ProgressKept", "ActionUpdated"} <= kinds
    for event in events:
        what = _summary(event)
        assert what.strip(), f"{event.kind} (seq {event.seq}) has an empty summary"
        assert not any(r in what for r in REPR), f"{event.kind} (seq {event.seq}): {what}"

    built = [_summary(e) for e in events if e.kind == "PackBuilt"]
    assert built[0].startswith("pack 1 version 1 for ") and "built from ledger seq" in built[0]
    assert "supersedes pack 1" in built[1] and "data as of the end of 2017-09-25" in built[1]
    assert "rebuilt, replacing " in built[-1] and ".pdf" in built[-1]
    imported = [_summary(e) for e in events if e.kind == "PlanImported"]
    assert any("source: file template.xlsx, sha256 " in text for text in imported), imported
    superseded = next(_summary(e) for e in events if e.kind == "PackSuperseded")
    assert "is followed by pack 2 version 2" in superseded and "sent 2017-09-25" in superseded

"""Issue #14 point 1, on the demo's own history: every pack the demo built and sent is rebuilt, as of its
own moment, byte for byte the same ("unchanged"), right after the replay and again after owners post
updates and the workbook is re-imported today. Issue #17: the December meeting's packs are left as drafts
for the secretariat to approve in the console; the earlier ones were sent by their board's secretariat.
The demo runs on SQLite only; the same rebuilds over a generated history run on both databases in
test_pack_as_of.py."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sqlmodel import Session, col, select

from flows import demo_plan
from flows.demo import DemoResult, run_demo
from models.audit import AuditEvent
from models.board_packs import Pack
from models.db import unit_of_work
from models.ledger.kinds import EventKind
from models.meetings import Meeting
from models.outbox import PACK_PUBLISHED, Notice
from models.people import Person
from models.plan import Action
from models.plans.spec import UpdateSpec
from models.plans.updates import apply_update
from models.reports.pack_data.moment import AsOf
from models.vocab import RAG, Status
from packs.build import BuiltPack, build_pack
from workbooks.plan_workbook import import_workbook

LONDON = "Europe/London"


def _rebuild_all(demo: DemoResult, *, explicit: bool) -> list[BuiltPack]:
    """Each demo pack built again today: by default (as `pack build --meeting` does) or `explicit`ly as of
    the moment it was built for (07:30 on its pack date). A sent pack's rebuild speaks for the sent moment;
    a draft's by default for the end of its pack date (nothing has fixed it yet), so the drafts are rebuilt
    explicitly as of their own moment."""
    engine = demo.app.engine
    with Session(engine) as session:
        packs = session.exec(select(Pack).order_by(col(Pack.id))).all()
    assert len(packs) == len(demo.packs) == 7
    rebuilt = []
    for pack in packs:
        assert pack.data_as_of is not None
        moment = AsOf(pack.data_as_of, LONDON)
        # Built by the morning run, it holds the morning's data (a pack date before the replay: that day's).
        assert moment.words.startswith("07:30 on ") or moment.day < demo_plan.START, moment.words
        rebuilt.append(
            build_pack(
                engine,
                pack.meeting_id,
                pack.audience,
                demo.app.policy,
                date(2018, 1, 15),
                demo.app.settings.packs_dir,
                data_as_of=moment if explicit or pack.published_at is None else None,
            )
        )
    return rebuilt


def _last_update(built: BuiltPack, ref: str) -> date | None:
    return next(a.last_update for area in built.context.register for a in area.actions if a.ref == ref)


def test_every_demo_pack_rebuilds_unchanged_after_more_updates_and_a_reimport(tmp_path: Path) -> None:
    demo = run_demo(tmp_path / "demo", prefect_run=False)
    _december_waits_for_approval(demo)
    first = _rebuild_all(demo, explicit=False)
    assert [b.state for b in first] == ["unchanged"] * 7, [(b.meeting_date, b.state) for b in first]
    # The first pack (pack date 25 August, before the replay starts) shows the plan as it was loaded.
    assert all(b.context.total.total == 40 for b in first if b.audience == "board")
    # The 3 October pack (data of 25 September): last updated on the workbook's date, though their owners
    # updated them afterwards (TAP-08 on 28 September, TAP-35 on 4 October...).
    october = next(b for b in first if b.meeting_date == date(2017, 10, 3))
    refs = ("TAP-01", "TAP-08", "TAP-12", "TAP-35")
    assert {_last_update(october, ref) for ref in refs} == {date(2017, 9, 4)}

    # Today: owners post updates, then the secretariat re-imports the original workbook.
    engine = demo.app.engine
    with Session(engine) as session:
        open_actions = session.exec(
            select(Action.ref, Person.email)
            .where(Action.owner_id == Person.id, Action.status == Status.IN_PROGRESS)
            .order_by(Action.ref)
        ).all()
    assert len(open_actions) >= 3
    for ref, owner in open_actions[:3]:
        with unit_of_work(engine) as session:
            apply_update(session, UpdateSpec(ref, owner, rag=RAG.RED, note="Slipping today."))
    with unit_of_work(engine) as session:
        apply_update(session, UpdateSpec(open_actions[3][0], open_actions[3][1], status=Status.COMPLETE))
    reimported = import_workbook(engine, demo_plan.WORKBOOK, actor="test:secretariat").report
    assert reimported.conflicts  # the owners' newer progress is kept: the re-import wrote events today

    again = _rebuild_all(demo, explicit=True)
    assert [b.state for b in again] == ["unchanged"] * 7, [(b.meeting_date, b.state) for b in again]
    again = _rebuild_all(demo, explicit=False)
    assert [b.state for b in again] == ["unchanged"] * 7, [(b.meeting_date, b.state) for b in again]
    assert [b.pack_id for b in again] == [b.pack_id for b in first]


def _december_waits_for_approval(demo: DemoResult) -> None:
    """The December meeting's packs (board and public) are drafts: built, not sent, nobody told; each
    earlier pack was sent by its board's secretariat (the Boards sheet's), as the ledger says."""
    with Session(demo.app.engine) as session:
        packs = session.exec(select(Pack, Meeting).where(Pack.meeting_id == Meeting.id)).all()
        published = session.exec(
            select(AuditEvent.actor).where(AuditEvent.kind == EventKind.PACK_PUBLISHED.value)
        ).all()
        told = session.exec(select(Notice.payload).where(Notice.kind == PACK_PUBLISHED)).all()
    drafts = sorted(p.audience.value for p, m in packs if m.date == demo_plan.REVIEW_MEETING)
    assert drafts == ["board", "public"] and [p.meeting_date for p in demo.drafts] == [date(2017, 12, 5)] * 2
    assert all(p.published_at is None for p, m in packs if m.date == demo_plan.REVIEW_MEETING)
    sent = [p for p, m in packs if m.date != demo_plan.REVIEW_MEETING]
    assert len(sent) == len(demo.sent) == 5 and all(p.published_at is not None for p in sent)
    assert sorted(published) == sorted(
        ["improvement.manager@example.org"] * 3 + ["scrutiny.officer@example.org"] * 2
    )
    draft_ids = {p.pack_id for p in demo.drafts}
    told_of = {json.loads(t)["pack_id"] for t in told}
    assert told_of == {p.pack_id for p in demo.sent} and not told_of & draft_ids
    # The console tour points at them.
    assert demo.console is not None
    assert [d.pack_id for d in demo.console.drafts] == sorted(draft_ids)

"""Issue #14 point 1 on real SQLite and PostgreSQL: a pack never changes after it is sent. The demo's story:
the pack is built on its date and sent, owners post updates and the plan is re-imported afterwards, and the
pack is built again weeks later. The sent pack keeps its row, files, hashes and sent record; the new
version speaks as of the end of the pack date, so its figures and ledger head are the sent pack's, and it
records the pack it supersedes; the ledger records both."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from config.policy import load_policy
from models.audit import AuditEvent
from models.board_packs import Pack
from models.db import unit_of_work
from models.escalations import Escalation
from models.ledger.chain import decode_data
from models.ledger.verification import verify_database
from models.meetings import Meeting
from models.plans.importer import import_plan
from models.plans.spec import ActionSpec, UpdateSpec
from models.plans.updates import apply_update
from models.reports.pack_data.moment import end_of, parse_as_of
from models.reports.packs import pack_detail
from models.vocab import RAG, Audience, Status
from packs.build import build_pack
from packs.files import PackFileExists
from packs.publish import publish
from tests.factories import OWNER
from tests.pack_fixtures import PACK_DAY, load_pack_plan, pack_plan

APPROVED = "test: approved and sent by the operator"  # a draft is sent only with an approval (packs.review)

POLICY = load_policy()
LONDON = ZoneInfo("Europe/London")


def _sha(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture
def board_meeting(engine: Engine) -> int:
    load_pack_plan(engine)
    with Session(engine) as session:
        meeting = session.exec(select(Meeting).where(Meeting.audience == Audience.BOARD)).one()
    return meeting.id or 0


def _later_history(engine: Engine) -> None:
    """After the pack date: an owner completes ACT-1, and the plan is re-imported with a new action, a
    moved due date and a new title (the import is written now, the updates in the autumn of 2017)."""
    with unit_of_work(engine) as session:
        apply_update(
            session,
            UpdateSpec(
                "ACT-1",
                OWNER,
                status=Status.COMPLETE,
                rag=RAG.GREEN,
                percent=100,
                at=datetime(2017, 9, 27, 10, tzinfo=UTC),
            ),
        )
    spec = pack_plan()
    actions = tuple(
        dataclasses.replace(a, title="Renamed after the pack", due=date(2018, 3, 30))
        if a.ref == "MK-1"
        else a
        for a in spec.actions
    )
    new = ActionSpec(
        "NEW-1", "Added after the pack", "A1", OWNER, date(2017, 12, 1), status=Status.IN_PROGRESS
    )
    with unit_of_work(engine) as session:
        import_plan(session, dataclasses.replace(spec, actions=(*actions, new)), actor="test")


def test_a_sent_pack_is_never_changed_and_a_later_build_is_a_new_version(
    engine: Engine, board_meeting: int, tmp_path: Path
) -> None:
    # Built on its date at 08:00 (the daily run), then sent.
    morning = datetime(2017, 9, 25, 8, 0, tzinfo=LONDON)
    sent = build_pack(engine, board_meeting, Audience.BOARD, POLICY, PACK_DAY, tmp_path, now=morning)
    publish(engine, sent.pack_id, approval=APPROVED, now=morning.replace(hour=8, minute=30))
    with Session(engine) as session:
        before = session.get(Pack, sent.pack_id)
        assert before is not None and before.published_at is not None
        kept = (before.files, before.summary, before.ledger_seq, before.ledger_hash, before.published_at)
    assert sent.context.data_as_of is not None and sent.context.data_as_of.words == (
        "08:00 on Monday 25 September 2017"
    )

    _later_history(engine)
    # Built again later as `pack build --meeting` does: it speaks for the sent pack's moment, so the same.
    same = build_pack(engine, board_meeting, Audience.BOARD, POLICY, date(2017, 11, 1), tmp_path)
    assert (same.state, same.pack_id) == ("unchanged", sent.pack_id)
    # Built again as of the end of the pack date: the day's later hours hold nothing new, but the cover's
    # moment differs, so a new version; the sent one is kept.
    end_of_day = end_of(PACK_DAY, "Europe/London", chosen=True)
    again = build_pack(
        engine, board_meeting, Audience.BOARD, POLICY, date(2017, 11, 1), tmp_path, data_as_of=end_of_day
    )

    # The sent pack: its row, files, hashes and sent record as they were.
    with Session(engine) as session:
        old = session.get(Pack, sent.pack_id)
        assert old is not None
        assert (old.files, old.summary, old.ledger_seq, old.ledger_hash, old.published_at) == kept
        new = session.get(Pack, again.pack_id)
        assert new is not None
        detail = pack_detail(session, sent.pack_id)
        events = {
            e.kind: decode_data(e.body)
            for e in session.exec(
                select(AuditEvent).where(col(AuditEvent.kind).in_(["PackSuperseded", "PackBuilt"]))
            )
        }
    assert all(_sha(f["path"]) == f["sha256"] for f in old.files)
    assert detail.published_at is not None and detail.superseded_by == again.pack_id

    # The new version: same figures and ledger head as the sent pack, the moment the end of the pack date.
    assert again.state == "new version" and again.pack_id != sent.pack_id
    assert (new.version, new.supersedes_id) == (2, sent.pack_id) and new.published_at is None
    assert new.summary["items"] == old.summary["items"] and new.summary["counts"] == old.summary["counts"]
    assert "NEW-1" not in new.summary["items"] and new.summary["items"]["ACT-1"]["status"] == "in progress"
    assert new.summary["items"]["MK-1"]["due"] == "2017-11-30"
    assert (new.ledger_seq, new.ledger_hash) == (old.ledger_seq, old.ledger_hash)
    assert (
        again.as_of is not None
        and str(again.as_of) == "end of Monday 25 September 2017 (chosen with --as-of)"
    )
    assert {f["path"] for f in new.files}.isdisjoint({f["path"] for f in old.files})
    assert "PackSuperseded" not in events  # a draft replaces nothing yet: only once it is sent
    assert events["PackBuilt"]["supersedes"] == sent.pack_id and events["PackBuilt"]["version"] == 2
    assert verify_database(engine).ok

    # Building again changes nothing; a chosen later moment rebuilds the unsent version in place.
    assert build_pack(
        engine, board_meeting, Audience.BOARD, POLICY, date(2017, 12, 1), tmp_path, data_as_of=end_of_day
    ).state == ("unchanged")
    later = build_pack(
        engine,
        board_meeting,
        Audience.BOARD,
        POLICY,
        date(2017, 12, 1),
        tmp_path,
        data_as_of=parse_as_of("2017-09-28", "Europe/London"),
    )
    assert later.state == "rebuilt" and later.pack_id == again.pack_id
    with Session(engine) as session:
        rebuilt = session.get(Pack, again.pack_id)
        assert rebuilt is not None and rebuilt.summary["items"]["ACT-1"]["status"] == "complete"
        assert rebuilt.summary["as_of_chosen"] is True
        assert len(session.exec(select(Pack)).all()) == 2
    publish(engine, later.pack_id, approval=APPROVED, now=datetime(2017, 12, 1, 9, 0, tzinfo=UTC))
    with Session(engine) as session:
        [superseded] = session.exec(select(AuditEvent).where(AuditEvent.kind == "PackSuperseded")).all()
    assert decode_data(superseded.body) | {
        "pack_id": sent.pack_id,
        "by_pack_id": again.pack_id,
    } == decode_data(superseded.body)


def test_pack_files_never_replace_another_packs_without_force(
    engine: Engine, board_meeting: int, tmp_path: Path
) -> None:
    stranger = tmp_path / "2017-10-03-improvement-board-board.pdf"
    stranger.write_bytes(b"another pack's PDF")
    with pytest.raises(PackFileExists, match="--force"):
        build_pack(engine, board_meeting, Audience.BOARD, POLICY, PACK_DAY, tmp_path, into=True)
    assert stranger.read_bytes() == b"another pack's PDF"
    with Session(engine) as session:
        assert session.exec(select(Pack)).all() == []
    built = build_pack(
        engine, board_meeting, Audience.BOARD, POLICY, PACK_DAY, tmp_path, into=True, force=True
    )
    assert built.path(".pdf") == stranger.resolve() and stranger.read_bytes()[:4] == b"%PDF"


def test_escalations_and_milestones_stand_as_they_did_at_the_moment(engine: Engine, tmp_path: Path) -> None:
    """A milestone at risk on the pack date is on the exceptions list; completed and its ladder closed by the
    sweep two days later, it is still on the list of a pack built afterwards as of the pack date."""
    from models.plans.spec import MilestoneSpec
    from models.sweep.run import sweep_plans
    from tests.factories import LEAD

    at_risk = MilestoneSpec("MS-2", "Monitoring visit", date(2017, 10, 13), LEAD, ("EX-7",))  # EX-7 is red
    load_pack_plan(engine, (at_risk,))
    sweep_plans(engine, POLICY, PACK_DAY)
    with Session(engine) as session:
        meeting = session.exec(select(Meeting).where(Meeting.audience == Audience.BOARD)).one()
    on_the_day = build_pack(engine, meeting.id or 0, Audience.BOARD, POLICY, PACK_DAY, tmp_path)
    assert "MS-2" in [e.ref for e in on_the_day.context.exceptions]
    with unit_of_work(engine) as session:
        apply_update(
            session,
            UpdateSpec("MS-2", LEAD, status=Status.COMPLETE, at=datetime(2017, 9, 26, 9, tzinfo=UTC)),
        )
    sweep_plans(engine, POLICY, date(2017, 9, 27))
    with Session(engine) as session:
        closed = session.exec(select(Escalation).where(Escalation.item_ref == "MS-2")).all()
    assert closed and all(e.closed_on == date(2017, 9, 27) for e in closed)
    later = build_pack(engine, meeting.id or 0, Audience.BOARD, POLICY, date(2017, 10, 2), tmp_path)
    assert later.state == "unchanged"  # not sent, and the same pack: nothing to rebuild
    assert [e.ref for e in later.context.exceptions] == [e.ref for e in on_the_day.context.exceptions]
    now = build_pack(
        engine,
        meeting.id or 0,
        Audience.BOARD,
        POLICY,
        date(2017, 10, 2),
        tmp_path,
        data_as_of=parse_as_of("2017-09-27", "Europe/London"),
    )
    assert "MS-2" not in [e.ref for e in now.context.exceptions]


def test_a_reimport_today_stays_out_of_an_old_pack_after_a_sweep_of_that_day(
    engine: Engine, board_meeting: int, tmp_path: Path
) -> None:
    """Issue #14 review, finding 5: a re-import written today, then `sweep --as-of` the pack date (run
    today, its decisions dated that morning): the pack of that day does not take in the re-import because
    dated events follow it in the ledger."""
    from models.sweep.run import sweep_plans

    spec = pack_plan()
    renamed = tuple(
        dataclasses.replace(a, title="Renamed today") if a.ref == "MK-1" else a for a in spec.actions
    )
    with unit_of_work(engine) as session:
        import_plan(session, dataclasses.replace(spec, actions=renamed), actor="test")
    sweep_plans(engine, POLICY, PACK_DAY)
    with Session(engine) as session:
        swept = session.exec(select(AuditEvent).order_by(col(AuditEvent.seq).desc())).first()
    assert swept is not None and decode_data(swept.body).get("as_of") == PACK_DAY.isoformat()
    built = build_pack(engine, board_meeting, Audience.BOARD, POLICY, date(2017, 11, 1), tmp_path)
    titles = {a.ref: a.title for area in built.context.register for a in area.actions}
    assert titles["MK-1"] == next(a.title for a in spec.actions if a.ref == "MK-1")
    assert built.context.head_seq >= swept.seq  # the sweep of the day counts; the re-import does not


def test_the_bounded_ledger_read_cuts_as_a_read_of_the_whole_ledger_would(
    engine: Engine, board_meeting: int
) -> None:
    """Issue #14 review, finding 10: a pack reads the ledger from its moment on (plus the plan's updates
    and notice events before it), not every event of every plan. At every moment of a history written over
    time (each event's write time, and the pack dates), it cuts exactly as the pure cut of the whole."""
    from datetime import timedelta

    from models.plan import Plan
    from models.reports.pack_data.history import CHANGES
    from models.reports.pack_data.loading import NOTICE_EVENTS, PACK_EVENTS, ledger_at
    from models.reports.pack_data.moment import AsOf, Recorded, end_of, split
    from models.sweep.run import sweep_plans

    sweep_plans(engine, POLICY, PACK_DAY)
    _later_history(engine)
    sweep_plans(engine, POLICY, date(2017, 9, 28))
    with Session(engine) as session:
        plan = session.exec(select(Plan)).one()
        rows = session.exec(select(AuditEvent).order_by(col(AuditEvent.seq))).all()
        whole = [
            Recorded(
                r.seq,
                r.hash,
                datetime.fromisoformat(r.at.replace("Z", "+00:00")),
                r.kind,
                r.plan,
                r.ref,
                decode_data(r.body),
            )
            for r in rows
            if r.kind not in PACK_EVENTS
        ]
        writes = sorted({e.at for e in whole})
        moments = [
            AsOf(at + d, plan.timezone) for at in writes for d in (timedelta(0), timedelta(microseconds=1))
        ]
        moments += [end_of(PACK_DAY + timedelta(days=n), plan.timezone) for n in (-30, 0, 2, 3, 400)]
        assert (
            len(writes) >= 3
        )  # the plan, the sweeps, the update and the re-import: written at different times
        for moment in moments:
            expected = split(whole, moment)
            cut, _ = ledger_at(session, plan.name, moment)
            assert (cut.head_seq, cut.head_hash) == (expected.head_seq, expected.head_hash), moment

            def undone(events: tuple[Recorded, ...]) -> set[int]:  # what the roll-back and dead notices read
                return {e.seq for e in events if e.plan == plan.name and e.kind in (*CHANGES, *NOTICE_EVENTS)}

            assert undone(cut.later) == undone(expected.later), moment

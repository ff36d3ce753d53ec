"""The reliability drill: three months of a plan's life through real Prefect flow runs on PostgreSQL, with a
real SMTP server and a real HTTPS Workflows endpoint, one day at a time (`as_of` passed, time never frozen).

On the way: the SMTP server is down for three working days; a dispatcher is killed in the middle of a run;
the sweep is triggered twice on one day; a malformed update arrives; a re-import re-baselines two actions.
At the end: every message reached its server once (a copy sent twice inside the crash window carries the
same Message-ID), nothing went out on a weekend or bank holiday, each meeting's pack was built on its pack
date, the ledger verifies and tells each item's story, and `doctor` is green.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from datetime import date, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from cli.app import app
from config.settings import Settings
from flows.doctor import State, diagnose
from models.audit import AuditEvent
from models.calendar import WorkingCalendar
from models.db import unit_of_work
from models.ledger.chain import decode_data
from models.ledger.trail import item_history
from models.ledger.verification import verify_database
from models.meetings import Meeting
from models.outbox import Channel, Notice, NoticeStatus
from models.plan import Action
from models.plans.importer import import_plan
from models.plans.spec import ActionSpec, BoardSpec, MeetingSpec, PersonSpec, UpdateSpec
from models.plans.updates import apply_update
from models.vocab import RAG, Audience, Status
from packs.schedule import pack_date
from tests.conftest import BACKENDS
from tests.factories import LEAD, MANAGER, OWNER, SECRETARIAT, small_plan
from tests.https_server import workflows_endpoint
from tests.smtp_server import start

LONDON = ZoneInfo("Europe/London")
ENG = WorkingCalendar("ENG")
FIRST, LAST = date(2017, 10, 2), date(2017, 12, 29)
OUTAGE = (date(2017, 10, 18), date(2017, 10, 19), date(2017, 10, 20))  # SMTP down, Wednesday to Friday
KILL_DAY = date(2017, 10, 23)  # the backlog goes out: a dispatcher dies in the middle of it
TWICE_DAY = date(2017, 11, 7)  # the sweep is triggered twice
BAD_UPDATE_DAY = date(2017, 11, 9)
REIMPORT_DAY = date(2017, 11, 13)
TEAMS_OWNER = "teams.owner@example.org"
MEMBER = "member@example.org"
ROOT = Path(__file__).parents[2]

pytestmark = pytest.mark.slow


def drill_plan(teams_url: str, rebaselined: bool = False):
    spec = small_plan("Drill Plan")
    late = {"ACT-2": date(2017, 12, 15), "ACT-5": date(2017, 12, 20)} if rebaselined else {}
    actions = [dataclasses.replace(a, due=late.get(a.ref, a.due)) for a in spec.actions]
    actions += [
        ActionSpec(
            "ACT-4", "Train the duty team", "A2", TEAMS_OWNER, date(2017, 10, 27), status=Status.IN_PROGRESS
        ),
        ActionSpec("ACT-5", "Review the front door", "A1", OWNER, late.get("ACT-5", date(2017, 11, 10))),
        ActionSpec("ACT-6", "Publish the sufficiency strategy", "A2", TEAMS_OWNER, date(2017, 11, 24)),
        ActionSpec("ACT-7", "Audit supervision records", "A1", MANAGER, date(2017, 12, 8)),
    ]
    return dataclasses.replace(
        spec,
        people=(
            *spec.people,
            PersonSpec(TEAMS_OWNER, "Teams Owner", manager_email=MANAGER, teams_url=teams_url),
            PersonSpec(MEMBER, "Board Member"),
        ),
        actions=tuple(actions),
        boards=(BoardSpec("Improvement Board", SECRETARIAT, LEAD, (MANAGER, MEMBER)),),
        meetings=(
            MeetingSpec("Improvement Board", date(2017, 10, 17), "A1"),
            MeetingSpec("Improvement Board", date(2017, 11, 14), "A2"),
            MeetingSpec("Improvement Board", date(2017, 12, 12), "A1"),
            MeetingSpec("Improvement Board", date(2017, 12, 12), "A1", Audience.PUBLIC),
        ),
    )


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)


def _kill_a_dispatcher(db_url: str, port: int, moment: datetime) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.dispatcher_process", db_url, str(port), moment.isoformat()],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdout is not None and process.stdout.readline().strip() == b"ready"
    time.sleep(0.4)
    process.send_signal(signal.SIGKILL)
    process.wait()


# On PostgreSQL, as the issue asks, whenever it is configured (always in CI, where that leg is mandatory);
# on SQLite on a machine without it, rather than not at all.
@pytest.mark.parametrize("db_url", [BACKENDS[-1]], indirect=True)
def test_three_month_drill(prefect_harness, db_url: str, engine: Engine, monkeypatch, tmp_path: Path) -> None:
    from flows.board_pack import board_pack_flow
    from flows.dispatch import dispatch_flow
    from flows.sweep import sweep_flow

    controller, server = start()
    port = controller.port
    received = [server.received]  # one recorder per life of the SMTP server
    runner = CliRunner()
    built_on: dict[tuple[str, str], date] = {}
    with workflows_endpoint(tmp_path) as endpoint:
        env = {
            "LINEOFSIGHT_DATABASE_URL": db_url,
            "LINEOFSIGHT_SECRET_KEY": "drill-key-" + "x" * 40,  # doctor fails without one
            "LINEOFSIGHT_SMTP_URL": f"smtp://127.0.0.1:{port}",
            "LINEOFSIGHT_TEAMS_VERIFY_TLS": "false",
            "LINEOFSIGHT_OUTBOX_DIR": str(tmp_path / "outbox"),
            "LINEOFSIGHT_PACKS_DIR": str(tmp_path / "packs"),
        }
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        with unit_of_work(engine) as session:
            import_plan(session, drill_plan(endpoint.url()), actor="test")
        try:
            day = FIRST
            while day <= LAST:
                if day == OUTAGE[0]:
                    controller.stop()
                if day == KILL_DAY:
                    controller, server = start(port=port)
                    received.append(server.received)
                for result in board_pack_flow(as_of=_at(day, 6, 30)):
                    built_on[(result["meeting"], result["audience"])] = day
                swept = sweep_flow(as_of=_at(day, 7))
                if day == TWICE_DAY:
                    again = sweep_flow(as_of=_at(day, 7, 5))
                    assert swept and all(r["new"] == 0 for r in again)
                if day == KILL_DAY:
                    _kill_a_dispatcher(db_url, port, _at(day, 8))
                if day == BAD_UPDATE_DAY:
                    before = verify_database(engine).head
                    bad = runner.invoke(app, ["update", "ACT-1", "--by", OWNER, "--rag", "purple"], env=env)
                    assert bad.exit_code == 2 and "purple" in bad.output
                    assert verify_database(engine).head == before  # nothing changed
                if day == REIMPORT_DAY:
                    with unit_of_work(engine) as session:
                        import_plan(session, drill_plan(endpoint.url(), rebaselined=True), actor="test")
                if ENG.is_working_day(day) and day.weekday() == 2:  # owners answer on Wednesdays
                    with unit_of_work(engine) as session:
                        apply_update(
                            session,
                            UpdateSpec(
                                "ACT-7", MANAGER, rag=RAG.AMBER, percent=20, note="Under way", at=_at(day, 10)
                            ),
                        )
                dispatch_flow(as_of=_at(day, 14))
                day += timedelta(days=1)
        finally:
            controller.stop()
        cards = list(endpoint.cards)

    with Session(engine) as session:
        notices = session.exec(select(Notice)).all()
        meetings = session.exec(select(Meeting)).all()
        actions = session.exec(select(Action)).all()
        events = session.exec(select(AuditEvent)).all()

    # Nothing lost: every notice was delivered in the end (the outage only delayed them).
    assert notices and {n.status for n in notices} <= {NoticeStatus.SENT, NoticeStatus.CANCELLED}
    assert any(n.attempts > 1 for n in notices)  # some went through the outage and were retried

    # Every email notice reached the server, each digest under one Message-ID; a copy sent twice inside the
    # crash window is the same message.
    emails = [m for recorder in received for m in recorder]
    at_server: dict[str, int] = defaultdict(int)
    for message in emails:
        at_server[message.message["Message-ID"]] += 1
    sent_ids = {n.message_id for n in notices if n.channel == Channel.EMAIL and n.status == NoticeStatus.SENT}
    assert sent_ids == set(at_server)
    duplicated = [mid for mid, count in at_server.items() if count > 1]
    assert len(duplicated) <= 1  # at most the digest in flight when the dispatcher was killed

    # Teams: one card per digest for the person with a Workflows URL, never the URL's signature in the DB.
    teams_digests = {
        n.message_id for n in notices if n.channel == Channel.TEAMS and n.status == NoticeStatus.SENT
    }
    assert teams_digests and len(cards) - len(teams_digests) in (0, 1)

    # Nothing went out on a weekend or a bank holiday.
    sent_days = {parsedate_to_datetime(m.message["Date"]).astimezone(LONDON).date() for m in emails}
    assert sent_days and all(ENG.is_working_day(d) for d in sent_days)
    decided = {decode_data(e.body).get("as_of") for e in events if e.kind.endswith(("Queued", "Requested"))}
    assert decided and all(ENG.is_working_day(date.fromisoformat(d)) for d in decided if d)

    # Each meeting's pack on its pack date (or on the first day of the drill when that date came before it).
    for meeting in meetings:
        due = max(pack_date(meeting.date, ENG, 5), FIRST)
        assert built_on[(meeting.date.isoformat(), meeting.audience.value)] == due, meeting

    # The re-import re-baselined two actions; the malformed update changed nothing.
    assert sorted(a.ref for a in actions if a.rebaseline_count) == ["ACT-2", "ACT-5"]

    # The ledger verifies and tells each item's story.
    assert verify_database(engine).ok
    with Session(engine) as session:
        for action in actions:
            story = [e.kind for e in item_history(session, action.ref, "Drill Plan")]
            assert story, action.ref
    assert endpoint.url().split("sig=")[1] not in " ".join(e.body.decode() for e in events)

    print(
        f"drill: {len(notices)} notices, {len(emails)} emails received ({len(duplicated)} sent twice), "
        f"{len(cards)} Teams cards, {len(built_on)} packs, {len(events)} ledger events, "
        f"{sum(n.attempts > 1 for n in notices)} notices retried"
    )

    # And doctor is green (the SMTP server is down again now: point it at a live one).
    controller, _ = start(port=port)
    try:
        checks = diagnose(Settings())
    finally:
        controller.stop()
    assert all(c.state is not State.FAIL for c in checks), [c for c in checks if c.state is State.FAIL]

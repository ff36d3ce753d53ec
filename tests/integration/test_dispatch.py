"""Delivery through the outbox on real databases, with the file transport: one digest per person, nothing
sent twice, failures retried then dead, stale claims reclaimed, user text kept inert."""

from __future__ import annotations

import email
import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage, Message
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from config.policy import load_policy
from models.audit import AuditEvent
from models.db import unit_of_work
from models.ledger.verification import verify_database
from models.outbox import Notice, NoticeStatus, revive
from models.plans.importer import import_plan
from models.plans.spec import ActionSpec
from models.sweep.run import sweep_plans
from notifications.dispatch import MAX_ATTEMPTS, claim, dispatch
from notifications.transport import Delivery, FileSink
from tests.factories import OWNER, load_small_plan, small_plan

POLICY = load_policy()
MORNING = datetime(2017, 10, 16, 8, 0, tzinfo=UTC)
SENDER = "lineofsight@example.org"


class Refusing:
    """A transport whose server is having a bad day: transient (4xx) or permanent (5xx) refusals."""

    def __init__(self, transient: bool) -> None:
        self.transient, self.calls = transient, 0

    def send_email(self, message: Message) -> Delivery:
        self.calls += 1
        return Delivery(
            ok=False,
            transient=self.transient,
            error="451 try again later" if self.transient else "550 no such user",
        )

    def send_card(self, url: str | None, card: dict[str, Any], recipient: str) -> Delivery:
        return self.send_email(EmailMessage())


def _statuses(engine: Engine) -> dict[NoticeStatus, int]:
    with Session(engine) as session:
        out: dict[NoticeStatus, int] = {}
        for notice in session.exec(select(Notice)):
            out[notice.status] = out.get(notice.status, 0) + 1
        return out


def test_one_digest_per_person_and_nothing_twice(engine: Engine, tmp_path: Path) -> None:
    load_small_plan(engine)
    sweep_plans(engine, POLICY, date(2017, 10, 16))  # ACT-1 10 days overdue, ACT-2 due in 4 days
    sink = FileSink(tmp_path / "outbox")
    first = dispatch(engine, sink, MORNING, sender=SENDER)
    assert first.sent == first.claimed > 1
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == first.digests == len({n for n in _recipients(engine)})
    owner_mail = email.message_from_bytes(next(f for f in files if f.name.startswith(OWNER)).read_bytes())
    assert owner_mail["To"] == OWNER and "overdue" in owner_mail["Subject"]
    parts = {p.get_content_type(): _text(p) for p in owner_mail.walk() if p.get_payload(decode=True)}
    assert "ACT-1" in parts["text/plain"] and "ACT-1" in parts["text/html"] and "<table" in parts["text/html"]
    second = dispatch(engine, sink, MORNING + timedelta(minutes=15), sender=SENDER)
    assert second.claimed == 0 and len(list((tmp_path / "outbox").glob("*.eml"))) == len(files)
    with Session(engine) as session:
        sent = session.exec(select(AuditEvent).where(AuditEvent.kind == "NoticeSent")).all()
    assert len(sent) == first.sent
    assert verify_database(engine).ok


def test_a_sender_with_a_display_name(engine: Engine, tmp_path: Path) -> None:
    load_small_plan(engine)
    sweep_plans(engine, POLICY, date(2017, 10, 16))
    named = "Line of Sight <los@council.example.org>"
    assert dispatch(engine, FileSink(tmp_path), MORNING, sender=named).sent > 0
    for path in tmp_path.glob("*.eml"):
        mail = email.message_from_bytes(path.read_bytes())
        assert mail["From"] == named and mail["Message-ID"].endswith("@council.example.org>")


def _text(part: email.message.Message) -> str:
    payload = part.get_payload(decode=True)
    return payload.decode() if isinstance(payload, bytes) else ""


def _recipients(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(Notice.recipient)))


def test_user_text_stays_inert(engine: Engine, tmp_path: Path) -> None:
    spec = small_plan()
    hostile = "<script>alert('x')</script> [link](javascript:alert(1))"
    actions = tuple(_titled(a, hostile) for a in spec.actions)
    with unit_of_work(engine) as session:
        import_plan(session, replace(spec, actions=actions), actor="test")
    sweep_plans(engine, POLICY, date(2017, 10, 16))
    dispatch(engine, FileSink(tmp_path / "outbox"), MORNING, sender=SENDER)
    html = "".join(
        _text(p)
        for f in (tmp_path / "outbox").glob("*.eml")
        for p in email.message_from_bytes(f.read_bytes()).walk()
        if p.get_content_type() == "text/html"
    )
    assert "<script>" not in html and "&lt;script&gt;" in html


def _titled(action: ActionSpec, title: str) -> ActionSpec:
    return replace(action, title=title)


def test_transient_failures_retry_with_backoff_then_die(engine: Engine) -> None:
    load_small_plan(engine)
    sweep_plans(engine, POLICY, date(2017, 10, 16))
    server = Refusing(transient=True)
    now = MORNING
    for _ in range(MAX_ATTEMPTS):
        result = dispatch(engine, server, now, sender=SENDER)
        assert result.claimed > 0
        assert dispatch(engine, server, now, sender=SENDER).claimed == 0  # backing off: nothing due yet
        now += timedelta(hours=7)
    assert set(_statuses(engine)) == {NoticeStatus.DEAD}
    with Session(engine) as session:
        failed = session.exec(select(AuditEvent).where(AuditEvent.kind == "NoticeFailed")).all()
        dead = session.exec(select(Notice)).first()
    assert failed and dead is not None and dead.last_error == "451 try again later"


def test_permanent_failure_is_dead_at_once_and_can_be_revived(engine: Engine, tmp_path: Path) -> None:
    load_small_plan(engine)
    sweep_plans(engine, POLICY, date(2017, 10, 16))
    result = dispatch(engine, Refusing(transient=False), MORNING, sender=SENDER)
    assert result.dead == result.claimed > 0 and set(_statuses(engine)) == {NoticeStatus.DEAD}
    with Session(engine) as session:
        first = session.exec(select(Notice).order_by(col(Notice.id))).first()
    assert first is not None and first.id is not None
    with unit_of_work(engine) as session:
        revive(session, first.id, "secretariat@example.org", MORNING)
    again = dispatch(engine, FileSink(tmp_path / "outbox"), MORNING + timedelta(minutes=1), sender=SENDER)
    assert again.sent == 1


def test_a_crashed_dispatchers_claim_is_taken_again_after_the_lease(engine: Engine, tmp_path: Path) -> None:
    load_small_plan(engine)
    sweep_plans(engine, POLICY, date(2017, 10, 16))
    taken = claim(engine, MORNING)  # ...and the dispatcher dies before sending
    assert taken and claim(engine, MORNING + timedelta(minutes=5)) == []  # still leased
    later = dispatch(engine, FileSink(tmp_path / "outbox"), MORNING + timedelta(minutes=20), sender=SENDER)
    assert later.sent == len(taken)


def test_teams_card_for_people_with_a_workflows_url(engine: Engine, tmp_path: Path) -> None:
    load_small_plan(engine)
    from models.people import Person

    with unit_of_work(engine) as session:
        person = session.exec(select(Person).where(Person.email == OWNER)).one()
        person.teams_url = (
            "https://prod-00.uksouth.logic.azure.com/workflows/x/triggers/manual/run?sig=SECRET"
        )
        from models.ledger.chain import Event, record

        record(session, Event("PersonChanged", "test", None, None, {"teams_url": "(redacted)"}))
    sweep_plans(engine, POLICY, date(2017, 10, 16))
    dispatch(engine, FileSink(tmp_path / "outbox"), MORNING, sender=SENDER)
    cards = list((tmp_path / "outbox").glob("*.teams.json"))
    assert len(cards) == 1
    card = json.loads(cards[0].read_text())
    body = card["attachments"][0]["content"]["body"]
    assert any("ACT-1" in block.get("text", "") for block in body)  # as written: no needless backslash
    assert "SECRET" not in cards[0].read_text()


def test_dead_notices_are_reported_to_the_secretariat_next_day(engine: Engine, tmp_path: Path) -> None:
    load_small_plan(engine)
    sweep_plans(engine, POLICY, date(2017, 10, 16))
    dispatch(engine, Refusing(transient=False), MORNING, sender=SENDER)
    sweep_plans(engine, POLICY, date(2017, 10, 17))
    with Session(engine) as session:
        alerts = session.exec(select(Notice).where(Notice.kind == "DeadNoticesReported")).all()
    assert [a.recipient for a in alerts] == ["secretariat@example.org"]
    assert "could not be delivered" in alerts[0].payload and "550 no such user" in alerts[0].payload
    sweep_plans(engine, POLICY, date(2017, 10, 17))  # once a day, not once a sweep
    with Session(engine) as session:
        assert len(session.exec(select(Notice).where(Notice.kind == "DeadNoticesReported")).all()) == 1

"""A missed milestone on real databases: a milestone already at the board as at risk is a new fact when its
date passes unmet; the board's secretariat and its owner are told once, on the first working day after, with
the ledger event in the same transaction, and the message says so."""

from __future__ import annotations

import email
import json
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from config.policy import load_policy
from models.audit import AuditEvent
from models.escalations import Escalation
from models.ledger.chain import decode_data
from models.ledger.verification import verify_database
from models.outbox import Notice
from models.sweep.run import sweep_plans
from notifications.dispatch import dispatch
from notifications.transport import FileSink
from tests.factories import LEAD, SECRETARIAT, load_small_plan

POLICY = load_policy()
D = date.fromisoformat


def _milestone_notices(engine: Engine) -> list[Notice]:
    with Session(engine) as session:
        return list(session.exec(select(Notice).where(Notice.item_refs == "MS-1").order_by(col(Notice.id))))


def test_a_milestone_at_the_board_as_at_risk_is_told_missed_once(engine: Engine, tmp_path: Path) -> None:
    load_small_plan(engine)  # MS-1 due Monday 11 December 2017, depends on ACT-1 (due 2 October, overdue)
    sweep_plans(engine, POLICY, D("2017-11-13"))  # at risk: to the board
    at_risk = [n for n in _milestone_notices(engine) if n.kind == "EscalatedToBoard"]
    assert {n.recipient for n in at_risk} == {SECRETARIAT, LEAD}
    for day in ("2017-12-08", "2017-12-09", "2017-12-11"):  # before and on its date: nothing new
        sweep_plans(engine, POLICY, D(day))
    assert not [n for n in _milestone_notices(engine) if n.kind == "MilestoneMissed"]
    for day in ("2017-12-12", "2017-12-12", "2017-12-13", "2017-12-19"):  # the first working day after, then
        sweep_plans(engine, POLICY, D(day))
    missed = [n for n in _milestone_notices(engine) if n.kind == "MilestoneMissed"]
    assert sorted(n.recipient for n in missed) == sorted([SECRETARIAT, LEAD])
    assert {n.not_before.date() for n in missed} == {D("2017-12-12")}
    payload = json.loads(missed[0].payload)
    assert payload["reason"] == (
        "milestone MS-1 was due on Monday 11 December 2017 and was not met: reported to Improvement Board"
    )
    with Session(engine) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.kind == "MilestoneMissed")).all()
        ladder = session.exec(select(Escalation).where(Escalation.item_ref == "MS-1")).all()
    assert sorted(decode_data(e.body)["recipient"] for e in events) == sorted([SECRETARIAT, LEAD])
    assert {decode_data(e.body)["as_of"] for e in events} == {"2017-12-12"}
    assert [(e.level, e.rule) for e in ladder] == [(3, "milestone_at_risk")]  # no second rung at the top
    result = dispatch(
        engine, FileSink(tmp_path), datetime(2017, 12, 12, 9, tzinfo=UTC), sender="los@example.org"
    )
    assert result.dead == 0
    [mail] = [p for p in tmp_path.glob(f"{LEAD}-*.eml")]
    text = _plain(mail)
    assert "MS-1: Plan to inspectorate" in text and "Missed" in text
    assert "was due on Monday 11 December 2017 and was not met" in text
    assert "goes to" not in text and "Dear Area Lead," in text
    assert verify_database(engine).ok


def _plain(path: Path) -> str:
    return "".join(
        part.get_payload(decode=True).decode()  # type: ignore[union-attr]
        for part in email.message_from_bytes(path.read_bytes()).walk()
        if part.get_content_type() == "text/plain"
    )

"""Teams cards through apprise's Workflows plugin to a local HTTPS endpoint (self-signed, verify off):
the card's facts as the server received them, 429 retried, 400 dead, the URL's signature never leaked."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from config.policy import load_policy
from models.audit import AuditEvent
from models.db import unit_of_work
from models.ledger import Event, record
from models.outbox import Channel, Notice, NoticeStatus
from models.people import Person
from models.sweep import sweep_plans
from notifications.dispatch import dispatch
from notifications.teams import Channels, TeamsTransport
from notifications.transport import FileSink
from tests.factories import OWNER, load_small_plan
from tests.https_server import workflows_endpoint

POLICY = load_policy()
MORNING = datetime(2017, 10, 16, 8, 0, tzinfo=UTC)


def _with_teams(engine: Engine, url: str) -> None:
    load_small_plan(engine)
    with unit_of_work(engine) as session:
        person = session.exec(select(Person).where(Person.email == OWNER)).one()
        person.teams_url = url
        record(session, Event("PersonChanged", "test", None, None, {"after": {"teams_url": "(redacted)"}}))
    sweep_plans(engine, POLICY, date(2017, 10, 16))


def _teams_status(engine: Engine) -> set[NoticeStatus]:
    with Session(engine) as session:
        return {n.status for n in session.exec(select(Notice).where(Notice.channel == Channel.TEAMS))}


def test_card_arrives_with_the_facts(engine: Engine, tmp_path: Path) -> None:
    with workflows_endpoint(tmp_path) as endpoint:
        _with_teams(engine, endpoint.url())
        transport = Channels(FileSink(tmp_path / "mail"), TeamsTransport(verify=False))
        dispatch(engine, transport, MORNING, sender="los@example.org")
    assert _teams_status(engine) == {NoticeStatus.SENT}
    [card] = endpoint.cards
    content = card["attachments"][0]["content"]
    assert content["type"] == "AdaptiveCard"
    text = str(content["body"])
    assert "ACT\\\\-1" in text and "overdue" in text
    assert "sig=SECRETSIG" in endpoint.queries[0]  # the signature went where it belongs...
    with Session(engine) as session:
        ledger = " ".join(e.body.decode() for e in session.exec(select(AuditEvent)))
        errors = " ".join(n.last_error or "" for n in session.exec(select(Notice)))
    assert "SECRETSIG" not in ledger and "SECRETSIG" not in errors  # ...and nowhere else


def test_429_is_retried_then_delivered(engine: Engine, tmp_path: Path) -> None:
    with workflows_endpoint(tmp_path) as endpoint:
        endpoint.answers = [429]
        _with_teams(engine, endpoint.url())
        transport = Channels(FileSink(tmp_path / "mail"), TeamsTransport(verify=False))
        first = dispatch(engine, transport, MORNING, sender="los@example.org")
        assert _teams_status(engine) == {NoticeStatus.FAILED} and first.retrying >= 1
        dispatch(engine, transport, MORNING + timedelta(hours=1), sender="los@example.org")
    assert _teams_status(engine) == {NoticeStatus.SENT} and len(endpoint.cards) == 1


def test_400_is_dead_at_once(engine: Engine, tmp_path: Path) -> None:
    with workflows_endpoint(tmp_path) as endpoint:
        endpoint.answers = [400]
        _with_teams(engine, endpoint.url())
        transport = Channels(FileSink(tmp_path / "mail"), TeamsTransport(verify=False))
        dispatch(engine, transport, MORNING, sender="los@example.org")
    assert _teams_status(engine) == {NoticeStatus.DEAD}
    with Session(engine) as session:
        dead = session.exec(select(Notice).where(Notice.channel == Channel.TEAMS)).all()
    assert {n.last_error for n in dead} == {"Teams Workflows endpoint answered HTTP 400"}


def test_the_signature_stays_out_of_every_log_line(engine: Engine, tmp_path: Path, caplog) -> None:
    # Even at DEBUG, where urllib3 writes each request line with its query string.
    caplog.set_level(logging.DEBUG)
    with workflows_endpoint(tmp_path) as endpoint:
        endpoint.answers = [429, 400]
        _with_teams(engine, endpoint.url())
        transport = Channels(FileSink(tmp_path / "mail"), TeamsTransport(verify=False))
        dispatch(engine, transport, MORNING, sender="los@example.org")
        dispatch(engine, transport, MORNING + timedelta(hours=3), sender="los@example.org")
    # Both requests were logged (429 then 400), each line with its signature taken out.
    assert caplog.text.count("sig=(redacted)") >= 2 and "SECRETSIG" not in caplog.text

"""Teams cards through apprise's Workflows plugin to a local HTTPS endpoint (self-signed, verify off):
the card's facts as the server received them, 429 retried, 400 dead, the URL's signature never leaked."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from config.policy import load_policy
from models.audit import AuditEvent
from models.db import unit_of_work
from models.ledger.chain import Event, record
from models.outbox import Channel, Notice, NoticeStatus
from models.people import Person
from models.plans.importer import import_plan
from models.sweep.run import sweep_plans
from notifications.dispatch import dispatch
from notifications.transport import Channels, FileSink, TeamsTransport
from tests.factories import OWNER, small_plan
from tests.https_server import workflows_endpoint

POLICY = load_policy()
MORNING = datetime(2017, 10, 16, 8, 0, tzinfo=UTC)


def _with_teams(engine: Engine, url: str, title: str | None = None) -> None:
    spec = small_plan()
    if title is not None:  # ACT-1, the overdue action, under another title
        spec = replace(spec, actions=(replace(spec.actions[0], title=title), *spec.actions[1:]))
    with unit_of_work(engine) as session:
        import_plan(session, spec, actor="test")
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
    assert "ACT-1" in text and "overdue" in text
    assert "sig=SECRETSIG" in endpoint.queries[0]  # the signature went where it belongs...
    with Session(engine) as session:
        ledger = " ".join(e.body.decode() for e in session.exec(select(AuditEvent)))
        errors = " ".join(n.last_error or "" for n in session.exec(select(Notice)))
    assert "SECRETSIG" not in ledger and "SECRETSIG" not in errors  # ...and nowhere else


def _texts(card: dict[str, Any]) -> list[str]:
    """Every Markdown string of the card as Teams received it: text blocks and fact values."""
    out = []
    for block in card["attachments"][0]["content"]["body"]:
        out += [block["text"]] if "text" in block else [f["value"] for f in block.get("facts", [])]
    return out


def test_a_card_escapes_only_what_would_become_markup(engine: Engine, tmp_path: Path) -> None:
    """Teams' mobile clients show a needless backslash as it is: refs, dates and full stops arrive clean,
    while a title written as Markdown arrives escaped, to be shown as the words typed."""
    with workflows_endpoint(tmp_path) as endpoint:
        _with_teams(engine, endpoint.url(), title="**Audit** [cases](https://evil.example) now")
        transport = Channels(FileSink(tmp_path / "mail"), TeamsTransport(verify=False))
        dispatch(engine, transport, MORNING, sender="los@example.org")
    [card] = endpoint.cards
    texts = _texts(card)
    assert "ACT-1: \\*\\*Audit\\*\\* \\[cases\\](https://evil.example) now" in texts
    others = [t for t in texts if "Audit" not in t]
    assert any("2017-10-02" in t or "2 October 2017" in t for t in others)  # the due date, as written
    assert not [t for t in others if "\\" in t]  # no backslash anywhere else: not in refs, dates or stops


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

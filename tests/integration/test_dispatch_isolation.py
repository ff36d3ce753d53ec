"""One digest that cannot go never stops the others: a bad address already in the database, odd data that
no template can take, a transport that raises, an unreachable Teams endpoint. Each fails alone, with its
reason; every healthy notice goes the same morning; nothing is left `sending`; the ledger verifies."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.audit import AuditEvent
from models.db import unit_of_work
from models.ledger.chain import Event, decode_data, record
from models.ledger.verification import verify_database
from models.outbox import Notice, NoticeStatus
from models.people import Person
from notifications.dispatch import dispatch
from notifications.smtp import parse_smtp_url
from notifications.transport import Channels, Delivery, SmtpTransport, TeamsTransport
from tests.factories import LEAD, MANAGER, load_small_plan
from tests.https_server import Endpoint, workflows_endpoint
from tests.smtp_server import free_port, start

PLAN = "Test Plan"  # load_small_plan's
MORNING = datetime(2017, 10, 16, 8, 0, tzinfo=UTC)
SENDER = "lineofsight@example.org"
ZERO_WIDTH = "zw\u200bsp@example.org"
CYRILLIC = "\u043ewner@example.org"  # a Cyrillic o


def queue(
    engine: Engine, notices: list[tuple[str, str, dict[str, Any]]], at: datetime, channel: str = "email"
) -> None:
    """(recipient, ref, payload) as notices, written straight into the table as old data would be."""
    rows = [
        {
            "dedupe_key": f"P|{ref}|{at.date()}|overdue|0|{recipient}|{channel}",
            "plan": PLAN,  # the loaded plan: Teams URLs are looked up by (plan, recipient)
            "recipient": recipient,
            "channel": channel,
            "kind": "OverdueNoticeQueued",
            "item_refs": ref,
            "payload": json.dumps({"ref": ref, "title": f"Item {ref}", "due": "2017-10-09", **payload}),
            "urgency": 3,
            "created_at": at,
            "not_before": at,
            "attempts": 0,
            "status": "pending",
        }
        for recipient, ref, payload in notices
    ]
    with unit_of_work(engine) as session:
        session.execute(sa.insert(Notice.__table__), rows)  # type: ignore[attr-defined]
        record(session, Event("TestNoticesQueued", "test", data={"count": len(rows)}))


def notices(engine: Engine) -> dict[str, Notice]:
    """Every notice by its ref."""
    with Session(engine) as session:
        return {n.item_refs: n for n in session.exec(select(Notice))}


def refs_in(message: Message) -> set[str]:
    text = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    body = text.get_payload(decode=True).decode()  # type: ignore[union-attr]
    return {line.split(":")[0] for line in body.splitlines() if line.startswith("REF-")}


def test_an_address_no_server_can_take_fails_alone(engine: Engine) -> None:
    healthy = ["alice@example.org", "mike@example.org", "zoe@example.org"]
    recipients = [healthy[0], ZERO_WIDTH, healthy[1], CYRILLIC, healthy[2]]
    queue(engine, [(r, f"REF-{i}", {}) for i, r in enumerate(recipients)], MORNING)
    controller, server = start(smtputf8=True)  # as Exchange Online: smtplib then raises TypeError
    try:
        result = dispatch(
            engine,
            SmtpTransport(parse_smtp_url(f"smtp://127.0.0.1:{controller.port}")),
            MORNING,
            sender=SENDER,
        )
    finally:
        controller.stop()
    assert sorted(r.recipients[0] for r in server.received) == healthy
    assert result.sent == 3 and result.dead == 2
    found = notices(engine)
    assert {found[f"REF-{i}"].status for i in (0, 2, 4)} == {NoticeStatus.SENT}
    for ref, named in (("REF-1", "U+200B ZERO WIDTH SPACE"), ("REF-3", "U+043E CYRILLIC SMALL LETTER O")):
        assert found[ref].status is NoticeStatus.DEAD
        error = found[ref].last_error or ""
        assert "refused before sending" in error and named in error and "\n" not in error
    assert verify_database(engine).ok


def _message(to: str) -> Message:
    message = Message()  # compat32, as rendering builds them
    message["From"], message["To"], message["Subject"] = SENDER, to, "hello"
    message.set_payload("hello")
    return message


def test_smtp_transport_reports_an_address_it_cannot_encode() -> None:
    """Behind the dispatcher's own check, the transport too reports instead of raising."""
    controller, server = start(smtputf8=True)
    transport = SmtpTransport(parse_smtp_url(f"smtp://127.0.0.1:{controller.port}"))
    try:
        delivery = transport.send_email(_message(CYRILLIC))
        after = transport.send_email(_message("ok@example.org"))  # and the next message goes
    finally:
        transport.close()
        controller.stop()
    assert not delivery.ok and not delivery.transient and "TypeError" in (delivery.error or "")
    assert after.ok and [r.recipients for r in server.received] == [["ok@example.org"]]


def _nobody_listening() -> str:
    """A well-formed Workflows URL at a port nobody listens on."""
    closed = Endpoint()
    closed.port = free_port()
    return closed.url()


class RaisesFor:
    """A hand-written transport in front of the real ones, raising what no transport should for one
    recipient (a bug in a transport, an exception of a library it uses)."""

    def __init__(self, inner: Channels, recipient: str) -> None:
        self.inner, self.recipient = inner, recipient

    def send_email(self, message: Message) -> Delivery:
        if message["To"] == self.recipient:
            raise RuntimeError("boom, https://user:hunter2@relay.example.org/ refused it")
        return self.inner.send_email(message)

    def send_card(self, url: str | None, card: dict[str, Any], recipient: str) -> Delivery:
        return self.inner.send_card(url, card, recipient)

    def close(self) -> None:
        self.inner.close()


def test_healthy_notices_go_the_same_morning_among_poisoned_ones(engine: Engine, tmp_path: Path) -> None:
    load_small_plan(engine)  # people with Teams: LEAD reachable, MANAGER at a port nobody listens on
    with workflows_endpoint(tmp_path) as endpoint:
        with unit_of_work(engine) as session:
            for email, url in ((LEAD, endpoint.url()), (MANAGER, _nobody_listening())):
                person = session.exec(select(Person).where(Person.email == email)).one()
                person.teams_url = url
            record(
                session, Event("PersonChanged", "test", None, None, {"after": {"teams_url": "(redacted)"}})
            )
        healthy = [f"healthy{i}@example.org" for i in range(6)]
        mail: list[tuple[str, str, dict[str, Any]]] = [(h, f"REF-{i}", {}) for i, h in enumerate(healthy)]
        mail += [
            (ZERO_WIDTH, "REF-bad-address", {}),
            ("c-level@example.org", "REF-odd-level", {"level": "high"}),  # no digest can be built from it
            ("d-days@example.org", "REF-odd-days", {"working_days_to_due": "soon"}),  # no template takes it
            ("e-raises@example.org", "REF-raises", {}),
            ("healthy2@example.org", "REF-10", {}),  # a second item for a healthy person
        ]
        queue(engine, mail, MORNING)
        queue(engine, [(LEAD, "REF-teams", {}), (MANAGER, "REF-unreachable", {})], MORNING, channel="teams")
        with unit_of_work(engine) as session:  # odd data beyond the payload's fields: not JSON at all
            not_json = Notice(
                dedupe_key="P|REF-not-json",
                plan="P",
                recipient="f-json@example.org",
                kind="OverdueNoticeQueued",
                item_refs="REF-not-json",
                payload="{not json",
                created_at=MORNING,
                not_before=MORNING,
            )
            session.add(not_json)
            record(session, Event("TestNoticesQueued", "test", data={"count": 1}))
        controller, server = start(smtputf8=True)
        try:
            transport = RaisesFor(
                Channels(
                    SmtpTransport(parse_smtp_url(f"smtp://127.0.0.1:{controller.port}")),
                    TeamsTransport(verify=False, timeout=5),
                ),
                "e-raises@example.org",
            )
            result = dispatch(engine, transport, MORNING, sender=SENDER)
        finally:
            controller.stop()
    found = notices(engine)
    delivered = {ref for r in server.received for ref in refs_in(r.message)}
    assert delivered == {f"REF-{i}" for i in (0, 1, 2, 3, 4, 5, 10)}
    assert sorted(r.recipients[0] for r in server.received) == healthy
    assert len(endpoint.cards) == 1 and found["REF-teams"].status is NoticeStatus.SENT
    assert all(found[f"REF-{i}"].status is NoticeStatus.SENT for i in (0, 1, 2, 3, 4, 5, 10))
    expected = {
        "REF-bad-address": (NoticeStatus.DEAD, "U+200B"),
        "REF-odd-level": (NoticeStatus.DEAD, "could not be built: ValueError"),
        "REF-odd-days": (NoticeStatus.DEAD, "could not render the message: TypeError"),
        "REF-raises": (NoticeStatus.DEAD, "the transport failed unexpectedly: RuntimeError"),
        "REF-not-json": (NoticeStatus.DEAD, "could not be read"),
        "REF-unreachable": (NoticeStatus.FAILED, "could not reach the Teams Workflows endpoint"),
    }
    for ref, (status, reason) in expected.items():
        notice = found[ref]
        assert notice.status is status and reason in (notice.last_error or ""), (ref, notice.last_error)
        assert "\n" not in (notice.last_error or "") and "hunter2" not in (notice.last_error or "")
    assert result.sent == 8 and result.dead == 5 and result.retrying == 1
    assert NoticeStatus.SENDING not in {n.status for n in found.values()}
    with Session(engine) as session:
        failed = [
            decode_data(e.body)
            for e in session.exec(select(AuditEvent).where(AuditEvent.kind == "NoticeFailed"))
        ]
    assert {f["dedupe_key"] for f in failed} == {found[ref].dedupe_key for ref in expected}
    assert verify_database(engine).ok


def test_the_dead_notices_of_an_old_bad_address_can_be_found_by_it(engine: Engine, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cli.app import app

    queue(engine, [(ZERO_WIDTH, "REF-old", {})], MORNING)
    env = {"LINEOFSIGHT_DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    result = CliRunner().invoke(app, ["outbox", "--recipient", ZERO_WIDTH], env=env)
    assert result.exit_code == 0 and "REF-old" in result.output, result.output


def test_a_malformed_sign_in_notice_fails_alone(engine: Engine, tmp_path: Path) -> None:
    """A sign-in notice whose payload has no nonce (written by hand, as a bad row would be) cannot have its
    link written: it is dead with its reason and recorded, and the good sign-in notice beside it is sent."""
    from models.console.sign_in_requests import request_sign_in
    from models.links.tokens import LinkMaker
    from notifications.transport import FileSink
    from tests.factories import SECRETARIAT

    load_small_plan(engine)
    bad = "aaa.first@example.org"  # first in the run, so a crash on it would stop the good one
    with unit_of_work(engine) as session:
        session.add(
            Notice(
                dedupe_key=f"console-sign-in|{bad}|1",
                plan=PLAN,
                recipient=bad,
                kind="SignInLinkSent",
                payload=json.dumps({"email": bad, "recipient_name": "First", "plans": [PLAN]}),
                urgency=9,
                created_at=MORNING,
                not_before=MORNING,
            )
        )
        record(session, Event("TestNoticesQueued", "test", data={"count": 1}))
    with unit_of_work(engine) as session:
        good = request_sign_in(session, SECRETARIAT, MORNING)
    assert good is not None
    links = LinkMaker("http://testserver", b"console-test-key-of-forty-characters-long", MORNING)
    result = dispatch(engine, FileSink(tmp_path / "out"), MORNING, sender=SENDER, links=links)
    assert (result.delivered, result.dead) == (1, 1)
    with Session(engine) as session:
        found = {n.recipient: n for n in session.exec(select(Notice))}
        failed = [decode_data(e.body) for e in session.exec(select(AuditEvent)) if e.kind == "NoticeFailed"]
    assert found[SECRETARIAT].status is NoticeStatus.SENT
    assert found[bad].status is NoticeStatus.DEAD and "KeyError" in (found[bad].last_error or "")
    assert [f["notice_id"] for f in failed] == [found[bad].id]
    assert len(list((tmp_path / "out").rglob("*.eml"))) == 1 and verify_database(engine).ok

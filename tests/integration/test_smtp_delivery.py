"""Email delivery against a real SMTP server (aiosmtpd): what the server received, and what the outbox and
the ledger say, through refusals, a busy server, a dead server and STARTTLS with a password."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from config.policy import load_policy
from models.audit import AuditEvent
from models.ledger.chain import decode_data
from models.outbox import Notice, NoticeStatus
from models.sweep.run import sweep_plans
from notifications.dispatch import dispatch
from notifications.smtp import parse_smtp_url
from notifications.transport import SmtpTransport
from tests.factories import OWNER, SECRETARIAT, load_small_plan
from tests.smtp_server import Behaviour, free_port, self_signed, start

POLICY = load_policy()
MORNING = datetime(2017, 10, 16, 8, 0, tzinfo=UTC)
SENDER = "lineofsight@example.org"


@pytest.fixture
def swept(engine: Engine) -> Engine:
    load_small_plan(engine)
    sweep_plans(engine, POLICY, date(2017, 10, 16))  # ACT-1 10 days overdue: the owner, and the board
    return engine


def _status(engine: Engine) -> dict[str, NoticeStatus]:
    with Session(engine) as session:
        return {n.recipient: n.status for n in session.exec(select(Notice))}


def test_digests_arrive_with_both_parts_and_a_stable_message_id(swept: Engine) -> None:
    controller, server = start()
    try:
        transport = SmtpTransport(parse_smtp_url(f"smtp://127.0.0.1:{controller.port}"))
        result = dispatch(swept, transport, MORNING, sender=SENDER)
    finally:
        controller.stop()
    assert result.sent > 0 and result.digests == len(server.received)
    assert sorted(r.recipients[0] for r in server.received) == sorted({OWNER, SECRETARIAT})
    owner = next(r for r in server.received if r.recipients == [OWNER])
    assert owner.sender == SENDER and "overdue" in owner.message["Subject"]
    types = [p.get_content_type() for p in owner.message.walk()]
    assert "text/plain" in types and "text/html" in types
    with Session(swept) as session:
        notice = session.exec(select(Notice).where(Notice.recipient == OWNER)).first()
        sent = session.exec(select(AuditEvent).where(AuditEvent.kind == "NoticeSent")).all()
    assert notice is not None and notice.message_id == owner.message["Message-ID"]
    assert {decode_data(e.body)["message_id"] for e in sent} >= {owner.message["Message-ID"]}


def test_every_email_says_it_is_automatic_so_no_out_of_office_reply_comes_back(swept: Engine) -> None:
    controller, server = start()
    try:
        transport = SmtpTransport(parse_smtp_url(f"smtp://127.0.0.1:{controller.port}"))
        dispatch(swept, transport, MORNING, sender=SENDER)
    finally:
        controller.stop()
    assert len(server.received) == 2
    for received in server.received:
        assert received.message["Auto-Submitted"] == "auto-generated"  # RFC 3834
        assert received.message["X-Auto-Response-Suppress"] == "All"  # Exchange's own


def test_a_refused_recipient_is_dead_the_others_go(swept: Engine) -> None:
    controller, _server = start(Behaviour(refuse={SECRETARIAT}))
    try:
        dispatch(
            swept,
            SmtpTransport(parse_smtp_url(f"smtp://127.0.0.1:{controller.port}")),
            MORNING,
            sender=SENDER,
        )
    finally:
        controller.stop()
    assert _status(swept) == {OWNER: NoticeStatus.SENT, SECRETARIAT: NoticeStatus.DEAD}
    with Session(swept) as session:
        dead = session.exec(select(Notice).where(Notice.recipient == SECRETARIAT)).one()
    assert dead.last_error and dead.last_error.startswith("550")


def test_a_busy_server_then_accepts(swept: Engine) -> None:
    controller, server = start(Behaviour(busy_for=5))
    transport = SmtpTransport(parse_smtp_url(f"smtp://127.0.0.1:{controller.port}"))
    try:
        now = MORNING
        for _ in range(6):
            dispatch(swept, transport, now, sender=SENDER)
            now += timedelta(hours=7)
    finally:
        controller.stop()
    assert set(_status(swept).values()) == {NoticeStatus.SENT}
    assert sorted(r.recipients[0] for r in server.received) == sorted({OWNER, SECRETARIAT})  # each once


def test_a_server_that_is_down_then_back(swept: Engine) -> None:
    port = free_port()
    transport = SmtpTransport(parse_smtp_url(f"smtp://127.0.0.1:{port}"), timeout=5)
    down = dispatch(swept, transport, MORNING, sender=SENDER)
    assert down.retrying == down.claimed > 0 and set(_status(swept).values()) == {NoticeStatus.FAILED}
    controller, server = start(port=port)
    try:
        back = dispatch(swept, transport, MORNING + timedelta(hours=7), sender=SENDER)
    finally:
        controller.stop()
    assert back.sent == down.claimed and len(server.received) == back.digests


def test_starttls_with_a_password(swept: Engine, tmp_path: Path) -> None:
    controller, server = start(tls=self_signed(tmp_path), auth=("lineofsight", "s3cret-pass"))
    try:
        url = f"smtp+starttls://lineofsight:s3cret-pass@127.0.0.1:{controller.port}?verify=no"
        result = dispatch(swept, SmtpTransport(parse_smtp_url(url)), MORNING, sender=SENDER)
        wrong = f"smtp+starttls://lineofsight:wrong-pass@127.0.0.1:{controller.port}?verify=no"
        failing = SmtpTransport(parse_smtp_url(wrong))
        from email.message import EmailMessage

        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = SENDER, OWNER, "x"
        refused = failing.send_email(message)
    finally:
        controller.stop()
    assert result.sent > 0 and len(server.received) == result.digests
    assert not refused.ok and refused.error is not None and "wrong-pass" not in refused.error


def test_an_unconfirmed_digest_goes_again_as_it_was_before_regrouping(engine: Engine) -> None:
    """The server stores the digest and the connection drops before its `250`: the next day that digest goes
    again with the same items and the same Message-ID, and the new item goes in a digest of its own."""
    from tests.integration.test_dispatch_isolation import queue, refs_in

    person = "alice@example.org"
    queue(engine, [(person, "REF-1", {}), (person, "REF-2", {})], MORNING)
    controller, server = start(Behaviour(drop_after_data=1))
    transport = SmtpTransport(parse_smtp_url(f"smtp://127.0.0.1:{controller.port}"))
    try:
        first = dispatch(engine, transport, MORNING, sender=SENDER)
        assert first.retrying == 2 and len(server.received) == 1
        stored = server.received[0].message
        next_day = MORNING + timedelta(days=1)
        queue(engine, [(person, "REF-3", {})], next_day)
        second = dispatch(engine, transport, next_day, sender=SENDER)
    finally:
        controller.stop()
    assert second.sent == 3 and second.digests == 2
    again, new = server.received[1].message, server.received[2].message
    if refs_in(again) == {"REF-3"}:
        again, new = new, again
    assert again["Message-ID"] == stored["Message-ID"] and refs_in(again) == refs_in(stored) == {
        "REF-1",
        "REF-2",
    }
    assert refs_in(new) == {"REF-3"} and new["Message-ID"] != stored["Message-ID"]
    with Session(engine) as session:
        failed = [
            decode_data(e.body)
            for e in session.exec(select(AuditEvent).where(AuditEvent.kind == "NoticeFailed"))
        ]
    assert len(failed) == 2 and all(
        f["unconfirmed"] and f["message_id"] == stored["Message-ID"] for f in failed
    )

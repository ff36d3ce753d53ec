"""Board packs against real SQLite and PostgreSQL: built on the right day, stored with their hashes and the
ledger head, identical when rebuilt from unchanged data, free of exempt items when public, markup printed
as text, and sent through the outbox with the PDF attached (a real SMTP server)."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from config.policy import load_policy
from models.audit import AuditEvent
from models.board_packs import Pack
from models.escalations import Escalation
from models.ledger.chain import decode_data
from models.ledger.verification import verify_database
from models.meetings import Meeting
from models.outbox import Notice, NoticeStatus
from models.plan import Plan
from models.reports.packs import pack_detail
from models.vocab import Audience
from notifications.dispatch import dispatch
from notifications.smtp import parse_smtp_url
from notifications.transport import SmtpTransport
from packs.build import BuiltPack, build_due_packs, build_pack, due_packs
from packs.publish import publish
from tests.factories import LEAD, MANAGER, SECRETARIAT
from tests.pack_fixtures import (
    EXEMPT_NOTE,
    EXEMPT_REF,
    EXEMPT_TITLE,
    MARKUP_NOTE,
    MARKUP_TITLE,
    MEMBER,
    PACK_DAY,
    load_pack_plan,
)
from tests.smtp_server import start

APPROVED = "test: approved and sent by the operator"  # a draft is sent only with an approval (packs.review)

POLICY = load_policy()


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


@pytest.fixture
def planned(engine: Engine) -> Engine:
    load_pack_plan(engine)
    return engine


def _build_all(engine: Engine, out: Path, day: date = PACK_DAY) -> dict[str, BuiltPack]:
    return {b.audience: b for b in build_due_packs(engine, POLICY, day, out)}


def test_packs_are_built_on_their_date_and_not_before(planned: Engine, tmp_path: Path) -> None:
    assert _build_all(planned, tmp_path, date(2017, 9, 22)) == {}
    built = _build_all(planned, tmp_path)
    assert set(built) == {"board", "public"}
    assert all(b.built_for == PACK_DAY and b.state == "built" for b in built.values())
    assert _build_all(planned, tmp_path, date(2017, 9, 26)) == {}  # built once, not every day after
    with Session(planned) as session:
        plan = session.exec(select(Plan)).one()
        assert due_packs(session, plan, POLICY, date(2017, 9, 26)) == []


def test_a_pack_is_stored_with_its_hashes_and_recorded(planned: Engine, tmp_path: Path) -> None:
    board = _build_all(planned, tmp_path)["board"]
    with Session(planned) as session:
        pack = session.exec(select(Pack).where(Pack.id == board.pack_id)).one()
        events = session.exec(select(AuditEvent).where(AuditEvent.kind == "PackBuilt")).all()
        detail = pack_detail(session, board.pack_id)
    for f in pack.files:
        data = Path(f["path"]).read_bytes()
        assert f["sha256"] == hashlib.sha256(data).hexdigest() and f["bytes"] == len(data)
    assert {f["name"].rsplit(".", 1)[1] for f in pack.files} == {"pdf", "html", "docx"}
    assert all(state == "intact" for _, state in detail.files)
    recorded = {decode_data(e.body)["audience"]: decode_data(e.body) for e in events}
    assert recorded["board"]["files"][0]["sha256"] == pack.files[0]["sha256"]
    assert recorded["board"]["built_from"] == {"seq": pack.ledger_seq, "hash": pack.ledger_hash}
    assert pack.summary["items"]["ACT-1"]["status"] == "in progress"
    assert verify_database(planned).ok


def test_rebuilding_from_unchanged_data_gives_the_same_pack(planned: Engine, tmp_path: Path) -> None:
    first = _build_all(planned, tmp_path)["board"]
    with Session(planned) as session:
        meeting = session.exec(select(Meeting).where(Meeting.audience == Audience.BOARD)).one()
    meeting_id = meeting.id or 0
    # A later day: the pack still speaks as of its own date, so nothing differs.
    again = build_pack(planned, meeting_id, Audience.BOARD, POLICY, date(2017, 9, 28), tmp_path)
    assert again.state == "unchanged" and again.files == first.files  # the PDF's bytes too, not only the HTML
    with Session(planned) as session:
        assert len(session.exec(select(AuditEvent).where(AuditEvent.kind == "PackBuilt")).all()) == 2


def test_the_pdf_has_every_section_and_the_refs(planned: Engine, tmp_path: Path) -> None:
    board = _build_all(planned, tmp_path)["board"]
    text = pdf_text(board.path(".pdf"))
    for heading in (
        "Summary",
        "Exceptions",
        "What changed since the last pack",
        "Milestones",
        "Deep dive",
        "Who did not update for this meeting",
        "Notices that could not be delivered",
        "Appendix A: the action register",
        "the RAG rules and escalation policy in force",
        "Page 1 of",
    ):
        assert heading in text, heading
    for ref in ("ACT-1", "ACT-2", "ACT-3", EXEMPT_REF, "MK-1"):
        assert ref in text
    assert EXEMPT_NOTE in text  # the board sees exempt items in full
    assert "Too late for this pack" not in text  # posted after the pack date: the next pack's
    catalog = PdfReader(board.path(".pdf")).root_object
    assert "/StructTreeRoot" in catalog  # tagged, for screen readers
    assert catalog["/Lang"] == "en-GB"


def test_the_public_pack_holds_no_trace_of_exempt_items(planned: Engine, tmp_path: Path) -> None:
    public = _build_all(planned, tmp_path)["public"]
    html = public.path(".html").read_text()
    text = pdf_text(public.path(".pdf"))
    for body in (html, text):
        for secret in (EXEMPT_REF, EXEMPT_TITLE, EXEMPT_NOTE):
            assert secret not in body
    assert "1 exempt item withheld" in text
    # The counts do not betray it either: 4 actions counted, while the board pack counts 5.
    assert public.context.total.total == 4
    with Session(planned) as session:
        stored = session.exec(select(Pack).where(Pack.id == public.pack_id)).one()
    assert EXEMPT_REF not in json.dumps(stored.summary)


def test_no_string_in_the_public_pack_names_an_exempt_item(engine: Engine, tmp_path: Path) -> None:
    """A milestone that depends on the exempt action goes on the exceptions list; the sweep's reason for it
    names the exempt action, and the public pack must say why from the public data alone."""
    from models.plans.spec import MilestoneSpec
    from models.sweep.run import sweep_plans

    at_risk = MilestoneSpec("MS-2", "Monitoring visit", date(2017, 10, 13), LEAD, ("ACT-2", EXEMPT_REF))
    load_pack_plan(engine, (at_risk,))
    sweep_plans(engine, POLICY, PACK_DAY)
    with Session(engine) as session:
        reasons = [e.reason for e in session.exec(select(Escalation).where(Escalation.item_ref == "MS-2"))]
    assert reasons and EXEMPT_REF in reasons[0]  # the sweep itself saw everything: that is right
    built = _build_all(engine, tmp_path)
    board, public = built["board"], built["public"]
    assert "MS-2" in pdf_text(board.path(".pdf"))
    html, text = public.path(".html").read_text(), pdf_text(public.path(".pdf"))
    assert "MS-2" in html and "MS-2" in text  # the milestone itself is public, and on the list
    assert "an action it depends on is overdue or red" in " ".join(text.split())
    for body in (html, text, " ".join(text.split())):
        for secret in (EXEMPT_REF, EXEMPT_TITLE, EXEMPT_NOTE):
            assert secret not in body
    context = repr(public.context)
    assert EXEMPT_REF not in context and EXEMPT_TITLE not in context


def test_markup_in_titles_and_commentary_is_text(planned: Engine, tmp_path: Path) -> None:
    board = _build_all(planned, tmp_path)["board"]
    html = board.path(".html").read_text()
    assert "<script>alert" not in html and "<i>not italic</i>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Audit &amp; &lt;b&gt;review&lt;/b&gt;" in html
    text = " ".join(pdf_text(board.path(".pdf")).split())
    assert "<script>alert('x')</script> Audit & <b>review</b>" in text or MARKUP_TITLE in text
    assert "<i>not italic</i>" in text and MARKUP_NOTE.split()[0] in text


def test_publishing_queues_one_message_per_member_once(planned: Engine, tmp_path: Path) -> None:
    board = _build_all(planned, tmp_path)["board"]
    first = publish(planned, board.pack_id, approval=APPROVED)
    assert set(first.recipients) == {SECRETARIAT, LEAD, MANAGER, MEMBER} and first.queued == 4
    assert publish(planned, board.pack_id, approval=APPROVED).queued == 0
    with Session(planned) as session:
        notices = session.exec(select(Notice).where(Notice.kind == "PackPublished")).all()
        events = session.exec(select(AuditEvent).where(AuditEvent.kind == "PackPublished")).all()
    assert len(notices) == 4 and len(events) == 1
    assert sorted(decode_data(events[0].body)["recipients"]) == sorted(first.recipients)


def test_the_pdf_arrives_attached_over_smtp(planned: Engine, tmp_path: Path) -> None:
    board = _build_all(planned, tmp_path)["board"]
    publish(planned, board.pack_id, approval=APPROVED, now=datetime(2017, 9, 25, 7, 30, tzinfo=UTC))
    controller, server = start()
    try:
        transport = SmtpTransport(parse_smtp_url(f"smtp://127.0.0.1:{controller.port}"))
        result = dispatch(
            planned, transport, datetime(2017, 9, 25, 8, 0, tzinfo=UTC), sender="los@example.org"
        )
    finally:
        controller.stop()
    packs = [r for r in server.received if "pack" in str(r.message["Subject"]).lower()]
    assert result.sent >= 4 and {r.recipients[0] for r in packs} == {SECRETARIAT, LEAD, MANAGER, MEMBER}
    message = packs[0].message
    assert message.get_content_type() == "multipart/mixed"
    [attachment] = [p for p in message.walk() if p.get_content_type() == "application/pdf"]
    assert attachment.get_payload(decode=True) == board.path(".pdf").read_bytes()
    assert attachment.get_filename() == board.path(".pdf").name
    assert {p.get_content_type() for p in message.walk()} >= {"text/plain", "text/html"}
    with Session(planned) as session:
        states = {n.status for n in session.exec(select(Notice).where(Notice.kind == "PackPublished"))}
    assert states == {NoticeStatus.SENT}
    payload = attachment.get_payload(decode=True)
    assert isinstance(payload, bytes) and PdfReader(io.BytesIO(payload)).pages

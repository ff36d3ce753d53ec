"""A pack's files on disk are the ones built, or they are not used: a PDF replaced after the build is never
sent (its notices die with the reason, in the ledger, and every other message still goes), a rebuild from
unchanged data rewrites whatever differs from the record, and `--out` elsewhere gets the files too."""

from __future__ import annotations

import email
import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from config.policy import load_policy
from models.audit import AuditEvent
from models.ledger.chain import decode_data
from models.ledger.verification import verify_database
from models.meetings import Meeting
from models.outbox import Notice, NoticeStatus
from models.sweep.run import sweep_plans
from models.vocab import Audience
from notifications.dispatch import dispatch
from notifications.transport import FileSink
from packs.build import BuiltPack, build_due_packs, build_pack
from packs.publish import publish
from tests.pack_fixtures import PACK_DAY, load_pack_plan

APPROVED = "test: approved and sent by the operator"  # a draft is sent only with an approval (packs.review)

POLICY = load_policy()
MORNING = datetime(2017, 9, 25, 8, 0, tzinfo=UTC)
FORGED = b"%PDF-1.7 a different document, swapped in after the build"


@pytest.fixture
def board_pack(engine: Engine, tmp_path: Path) -> BuiltPack:
    load_pack_plan(engine)
    return next(
        b for b in build_due_packs(engine, POLICY, PACK_DAY, tmp_path / "packs") if b.audience == "board"
    )


def _events(engine: Engine, kind: str) -> list[dict[str, Any]]:
    with Session(engine) as session:
        return [decode_data(e.body) for e in session.exec(select(AuditEvent).where(AuditEvent.kind == kind))]


def test_a_pdf_replaced_after_the_build_is_never_sent(
    engine: Engine, tmp_path: Path, board_pack: BuiltPack
) -> None:
    sweep_plans(engine, POLICY, PACK_DAY)  # the day's reminders go in the same run
    publish(engine, board_pack.pack_id, approval=APPROVED, now=MORNING)
    board_pack.path(".pdf").write_bytes(FORGED)
    outbox = tmp_path / "outbox"
    result = dispatch(engine, FileSink(outbox), MORNING, sender="los@example.org")
    sent = [email.message_from_bytes(p.read_bytes()) for p in outbox.glob("*.eml")]
    assert sent and not any("pack" in str(m["Subject"]).lower() for m in sent)  # the rest went
    assert not any(p.get_content_type() == "application/pdf" for m in sent for p in m.walk())
    with Session(engine) as session:
        packs = session.exec(select(Notice).where(Notice.kind == "PackPublished")).all()
    assert packs and {n.status for n in packs} == {NoticeStatus.DEAD} and result.dead == len(packs)
    assert all("PackFileChanged" in (n.last_error or "") and "SHA-256" in (n.last_error or "") for n in packs)
    failed = [e for e in _events(engine, "NoticeFailed") if "PackFileChanged" in str(e["error"])]
    assert len(failed) == len(packs) and all(e["dead"] for e in failed)
    assert verify_database(engine).ok


def test_rebuilding_unchanged_data_restores_a_modified_file(
    engine: Engine, tmp_path: Path, board_pack: BuiltPack
) -> None:
    pdf, html = board_pack.path(".pdf"), board_pack.path(".html")
    recorded = pdf.read_bytes()
    pdf.write_bytes(FORGED)
    html.unlink()
    with Session(engine) as session:
        meeting = session.exec(select(Meeting).where(Meeting.audience == Audience.BOARD)).one()
    again = build_pack(engine, meeting.id or 0, Audience.BOARD, POLICY, PACK_DAY, tmp_path / "packs")
    assert again.state == "unchanged" and sorted(again.restored) == sorted([pdf.name, html.name])
    assert pdf.read_bytes() == recorded and hashlib.sha256(recorded).hexdigest() == again.files[0]["sha256"]
    assert html.exists()
    [event] = _events(engine, "PackFilesRestored")
    assert {f["name"]: f["was"] for f in event["files"]} == {pdf.name: "changed", html.name: "missing"}
    # Nothing to restore the next time: no further event, and the restoring left the pack as it was.
    third = build_pack(engine, meeting.id or 0, Audience.BOARD, POLICY, PACK_DAY, tmp_path / "packs")
    assert third.state == "unchanged" and third.restored == ()
    assert len(_events(engine, "PackFilesRestored")) == 1


def test_building_unchanged_data_into_another_folder_writes_the_files_there(
    engine: Engine, tmp_path: Path, board_pack: BuiltPack
) -> None:
    with Session(engine) as session:
        meeting = session.exec(select(Meeting).where(Meeting.audience == Audience.BOARD)).one()
    elsewhere = tmp_path / "new"
    again = build_pack(engine, meeting.id or 0, Audience.BOARD, POLICY, PACK_DAY, elsewhere)
    assert again.state == "unchanged" and {p.suffix for p in again.copies} == {".pdf", ".html", ".docx"}
    assert all(p.parent.parent == elsewhere and p.exists() for p in again.copies)
    for copy in again.copies:
        assert copy.read_bytes() == board_pack.path(copy.suffix).read_bytes()

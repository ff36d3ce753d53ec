"""Word packs against the real databases: built beside the PDF and HTML with their SHA-256; a board's own
template stored as bytes with its ledger event (a broken one refused, nothing stored); a template that no
longer fills costs the .docx alone, recorded, while the PDF and HTML are built. And on the demo's own
history: the December board pack's Word text holds what its PDF holds, the public one no exempt item, and a
rebuild gives the same bytes."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from config.policy import load_policy
from flows.demo import run_demo
from models.audit import AuditEvent
from models.board_packs import Pack, PackTemplate
from models.ledger.chain import decode_data
from models.ledger.stored import StoredEvent
from models.meetings import Board, Meeting
from models.plan import Action
from models.reports.event_lines import summary
from models.reports.pack_data.moment import AsOf
from models.vocab import Audience
from packs.build import build_due_packs, build_pack
from packs.council_template import set_template
from packs.cover_settings import set_cover
from packs.word_template import TemplateBroken
from tests.pack_fixtures import EXEMPT_REF, EXEMPT_TITLE, PACK_DAY, load_pack_plan
from tests.word_helpers import docx_text, template_of

POLICY = load_policy()
NOW = datetime(2017, 9, 25, 9, tzinfo=UTC)
BOARD = "Improvement Board"


@pytest.fixture
def planned(engine: Engine) -> Engine:
    load_pack_plan(engine)
    return engine


def _events(engine: Engine, kind: str) -> list[dict]:
    with Session(engine) as session:
        rows = session.exec(select(AuditEvent).where(AuditEvent.kind == kind).order_by(col(AuditEvent.seq)))
        return [decode_data(e.body) for e in rows]


def test_the_word_pack_is_stored_beside_the_pdf_with_its_hash(planned: Engine, tmp_path: Path) -> None:
    set_cover(planned, BOARD, {"exempt_paragraph": "paragraph 3 of Schedule 12A", "lead_officer": "L"}, "t")
    built = {b.audience: b for b in build_due_packs(planned, POLICY, PACK_DAY, tmp_path)}
    docx = next(f for f in built["public"].files if f["name"].endswith(".docx"))
    data = Path(docx["path"]).read_bytes()
    assert docx["sha256"] == hashlib.sha256(data).hexdigest() and docx["bytes"] == len(data)
    text = docx_text(data)
    assert EXEMPT_REF not in text and EXEMPT_TITLE not in text
    assert "1 exempt item is withheld from this public report under paragraph 3 of Schedule 12A" in text
    pdf = " ".join(_pdf_text(built["public"].path(".pdf")).split())
    assert "1 exempt item withheld from this public pack under paragraph 3 of Schedule 12A" in pdf
    assert [e["lead_officer"] for e in _events(planned, "BoardChanged")] == [{"was": None, "now": "L"}]
    built_event = _events(planned, "PackBuilt")[-1]
    assert any(f["name"].endswith(".docx") for f in built_event["files"])


def test_a_board_template_is_stored_as_bytes_with_its_event(planned: Engine, tmp_path: Path) -> None:
    own = template_of("COUNCIL REPORT to {{ report_to }}", "WARDS AFFECTED: All")
    stored = set_template(planned, BOARD, "council.docx", own, "secretariat@example.org", NOW)
    assert stored.sha256 == hashlib.sha256(own).hexdigest() and stored.replaced is None
    with Session(planned) as session:
        held = session.exec(select(PackTemplate)).one()
        assert held.content == own and held.name == "council.docx"
    [event] = _events(planned, "PackTemplateSet")
    assert event["sha256"] == stored.sha256 and event["board"] == BOARD
    built = build_pack(planned, _meeting(planned, Audience.BOARD), Audience.BOARD, POLICY, PACK_DAY, tmp_path)
    text = docx_text(built.path(".docx").read_bytes())
    assert "COUNCIL REPORT to Improvement Board" in text and "WARDS AFFECTED: All" in text


def test_a_broken_template_is_refused_and_nothing_is_stored(planned: Engine) -> None:
    broken = template_of("REPORT TO {{ report_to }}", "WARDS {{ wards_affected }}")
    with pytest.raises(TemplateBroken, match="unknown tag 'wards_affected'"):
        set_template(planned, BOARD, "council.docx", broken, "secretariat@example.org", NOW)
    with Session(planned) as session:
        assert session.exec(select(PackTemplate)).all() == []
    assert _events(planned, "PackTemplateSet") == []


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("our\u200breport.docx", "without control or invisible characters (U+200B)"),
        ("our-report\u202e.docx", "without control or invisible characters (U+202E)"),
        ("t" * 1_000 + ".docx", "a file name of at most 1,000 characters (1,005)"),
    ],
)
def test_set_refuses_a_name_the_workbook_door_refuses(planned: Engine, name: str, expected: str) -> None:
    with pytest.raises(TemplateBroken, match=re.escape(expected)):
        set_template(planned, BOARD, name, template_of("{{ report_to }}"), "s", NOW)
    assert _events(planned, "PackTemplateSet") == []


def test_a_template_that_no_longer_fills_costs_the_word_file_alone(planned: Engine, tmp_path: Path) -> None:
    # Stored before a tag was renamed, say: set_template would refuse it today, so it is written directly.
    with Session(planned) as session:
        board = session.exec(select(Board)).one()
        bad = template_of("{{ report_to }}", "Ward: {{ old_ward_tag }}")
        session.add(
            PackTemplate(board_id=board.id or 0, name="old.docx", content=bad, sha256="x", set_by="t")
        )
        session.commit()
    built = build_pack(planned, _meeting(planned, Audience.BOARD), Audience.BOARD, POLICY, PACK_DAY, tmp_path)
    assert {Path(f["name"]).suffix for f in built.files} == {".pdf", ".html"}
    assert built.word_problem and "unknown tag 'old_ward_tag'" in built.word_problem
    assert 'paragraph "Ward: {{ old_ward_tag }}"' in built.word_problem
    assert "old_ward_tag" in _events(planned, "PackBuilt")[-1]["word_problem"]


def _meeting(engine: Engine, audience: Audience) -> int:
    with Session(engine) as session:
        return session.exec(select(Meeting.id).where(Meeting.audience == audience)).one()  # type: ignore[return-value]


def _pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def test_the_demos_december_word_pack_says_what_its_pdf_says(tmp_path: Path) -> None:
    demo = run_demo(tmp_path / "demo", prefect_run=False)
    engine = demo.app.engine
    with Session(engine) as session:
        december = session.exec(
            select(Pack).join(Meeting).where(col(Meeting.date) >= date(2017, 12, 1)).order_by(col(Pack.id))
        ).all()
        exempt = session.exec(select(Action).where(col(Action.exempt).is_(True))).all()
    assert {p.audience for p in december} >= {Audience.BOARD, Audience.PUBLIC}
    for pack in december:
        names = {Path(f["name"]).suffix: Path(f["path"]) for f in pack.files}
        assert set(names) == {".pdf", ".html", ".docx"}
        word, pdf = docx_text(names[".docx"].read_bytes()), _pdf_text(names[".pdf"])
        exceptions = [e["ref"] for e in pack.summary["exception_list"]]
        milestones = set(re.findall(r"\bMS-\d+\b", pdf))
        assert milestones and milestones <= set(re.findall(r"\bMS-\d+\b", word))
        assert all(ref in word for ref in exceptions)
        counted = re.search(r"(\d+) actions are counted", pdf)
        assert counted and f"{counted.group(1)} actions are counted" in word
        counts = pack.summary["counts"]
        assert f"{counts['red']} red, {counts['amber']} amber, {counts['green']} green" in word
        if pack.audience is Audience.PUBLIC:
            assert exempt and not any(a.ref in word or a.title in word for a in exempt)
        # Rebuilt as of its own moment: the same bytes, so the same pack ("unchanged").
        assert pack.data_as_of is not None
        moment = AsOf(pack.data_as_of, "Europe/London")
        again = build_pack(
            engine,
            pack.meeting_id,
            pack.audience,
            demo.app.policy,
            date(2018, 1, 15),
            demo.app.settings.packs_dir,
            data_as_of=moment,
        )
        assert again.state == "unchanged"
        assert again.path(".docx").read_bytes() == names[".docx"].read_bytes()


@pytest.mark.parametrize("wants_word", [False, True])
def test_a_new_template_makes_a_sent_pack_a_new_version_only_for_a_board_sent_word(
    planned: Engine, tmp_path: Path, wants_word: bool
) -> None:
    set_cover(planned, BOARD, {"wants_word": wants_word}, "t")
    meeting = _meeting(planned, Audience.BOARD)
    first = build_pack(planned, meeting, Audience.BOARD, POLICY, PACK_DAY, tmp_path)
    with Session(planned) as session:
        pack = session.get(Pack, first.pack_id)
        assert pack is not None
        pack.published_at = NOW  # sent: what the board received is kept as it was
        session.add(pack)
        session.commit()
    own = template_of("COUNCIL REPORT to {{ report_to }}")
    set_template(planned, BOARD, "council.docx", own, "secretariat@example.org", NOW)
    again = build_pack(planned, meeting, Audience.BOARD, POLICY, PACK_DAY, tmp_path)
    # The .docx changed either way; only a board that is sent Word received something else.
    assert again.state == ("new version" if wants_word else "unchanged")
    assert (again.pack_id != first.pack_id) is wants_word


def _sent_pdf_only(engine: Engine, tmp_path: Path) -> tuple[int, Path, str]:
    """A pack sent to a board not sent Word: its meeting, its recorded .docx and that file's SHA-256."""
    set_cover(engine, BOARD, {"wants_word": False}, "t")
    meeting = _meeting(engine, Audience.BOARD)
    first = build_pack(engine, meeting, Audience.BOARD, POLICY, PACK_DAY, tmp_path)
    with Session(engine) as session:
        pack = session.get(Pack, first.pack_id)
        assert pack is not None
        pack.published_at = NOW
        session.add(pack)
        session.commit()
    docx = next(f for f in first.files if f["name"].endswith(".docx"))
    return meeting, Path(docx["path"]), docx["sha256"]


def test_a_sent_packs_word_file_the_new_template_cannot_give_is_not_restored(
    planned: Engine, tmp_path: Path
) -> None:
    meeting, docx, recorded = _sent_pdf_only(planned, tmp_path)
    set_template(planned, BOARD, "council.docx", template_of("COUNCIL {{ report_to }}"), "s", NOW)
    docx.unlink()
    again = build_pack(planned, meeting, Audience.BOARD, POLICY, PACK_DAY, tmp_path)
    # Other bytes under the recorded SHA-256 would only hide the damage: it is left, and said.
    assert again.state == "unchanged" and not docx.exists()
    assert again.restored == () and again.unrestorable == (docx.name,)
    assert _events(planned, "PackFilesRestored") == []
    # A PDF the build gives again is still restored, and the event names the .docx it could not.
    pdf = again.path(".pdf")
    pdf.write_bytes(b"not the pack")
    third = build_pack(planned, meeting, Audience.BOARD, POLICY, PACK_DAY, tmp_path)
    assert third.restored == (pdf.name,) and third.unrestorable == (docx.name,)
    [event] = _events(planned, "PackFilesRestored")
    assert [f["name"] for f in event["files"]] == [pdf.name]
    assert event["not_restorable"] == [{"name": docx.name, "sha256": recorded, "was": "missing"}]
    with Session(planned) as session:
        row = session.exec(select(AuditEvent).where(AuditEvent.kind == "PackFilesRestored")).one()
        line = summary(StoredEvent(0, "", "", row.kind, None, None, "", "", row.body))
    assert line.endswith(
        f"restored {pdf.name} (was changed); not restorable, left as found: {docx.name} (was missing)"
    )
    # Copied elsewhere, the pack's files are the recorded ones only.
    copied = build_pack(planned, meeting, Audience.BOARD, POLICY, PACK_DAY, tmp_path / "elsewhere")
    assert sorted(p.suffix for p in copied.copies) == [".html", ".pdf"]
    assert not (copied.copies[0].parent / docx.name).exists()


def test_a_sent_packs_word_file_is_not_restored_when_the_template_no_longer_fills(
    planned: Engine, tmp_path: Path
) -> None:
    meeting, docx, _ = _sent_pdf_only(planned, tmp_path)
    with Session(planned) as session:  # stored before a tag was renamed, say (set_template refuses it today)
        board = session.exec(select(Board)).one()
        bad = template_of("Ward: {{ old_ward_tag }}")
        session.add(
            PackTemplate(board_id=board.id or 0, name="old.docx", content=bad, sha256="x", set_by="t")
        )
        session.commit()
    docx.unlink()
    again = build_pack(planned, meeting, Audience.BOARD, POLICY, PACK_DAY, tmp_path)
    assert again.state == "unchanged" and again.unrestorable == (docx.name,) and not docx.exists()
    assert again.word_problem and "old_ward_tag" in again.word_problem

"""Every writer goes through `output.files.replacing`: a symlink planted at the old `.partial` name, at the
target's own name or anywhere else in the folder never leads a write to another file, and a failed write
leaves no temporary file behind."""

from __future__ import annotations

import json
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from config.policy import load_policy
from models.ledger.export import export_ledger
from models.output.files import replacing, write_bytes
from notifications.transport import FileSink
from packs.build import build_due_packs
from tests.factories import load_small_plan
from tests.pack_fixtures import PACK_DAY, load_pack_plan
from workbooks.plan_workbook import export_workbook
from workbooks.writer import write_template

VICTIM_TEXT = b"precious: must never change"


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    path = elsewhere / "victim.txt"
    path.write_bytes(VICTIM_TEXT)
    return path


def plant(victim: Path, *links: Path) -> None:
    for link in links:
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(victim)


def test_the_workbook_export_never_writes_through_a_symlink(
    engine: Engine, tmp_path: Path, victim: Path
) -> None:
    load_small_plan(engine)
    target = tmp_path / "out" / "export.xlsx"
    plant(victim, target.with_suffix(".partial.xlsx"), target.parent / ".export.xlsx.partial")
    export_workbook(engine, target, None)
    assert victim.read_bytes() == VICTIM_TEXT
    assert target.read_bytes()[:2] == b"PK" and not target.is_symlink()
    # A symlink at the target's own name is replaced, not followed.
    again = tmp_path / "out" / "again.xlsx"
    plant(victim, again)
    write_template(again)
    assert victim.read_bytes() == VICTIM_TEXT and not again.is_symlink()


def test_packs_never_write_through_a_symlink(engine: Engine, tmp_path: Path, victim: Path) -> None:
    load_pack_plan(engine)
    folder = tmp_path / "packs" / "test-plan"
    stems = [f"2017-10-03-improvement-board-{a}" for a in ("board", "public")]
    plant(victim, *(folder / f"{s}{x}.partial" for s in stems for x in (".pdf", ".html")))
    plant(victim, folder / f"{stems[0]}.pdf")
    built = build_due_packs(engine, load_policy(), PACK_DAY, tmp_path / "packs")
    assert len(built) == 2
    assert victim.read_bytes() == VICTIM_TEXT
    pdf = built[0].path(".pdf")
    assert pdf.read_bytes().startswith(b"%PDF") and not pdf.is_symlink()


def test_the_file_outbox_never_writes_through_a_symlink(tmp_path: Path, victim: Path) -> None:
    sink = FileSink(tmp_path / "outbox")
    message = EmailMessage()
    message["To"], message["From"] = "owner@example.org", "los@example.org"
    message["Message-ID"] = "<abcdef0123456789@example.org>"
    message.set_content("hello")
    eml = tmp_path / "outbox" / "owner@example.org-abcdef0123456789.eml"
    card = tmp_path / "outbox" / "owner@example.org-m1.teams.json"
    plant(victim, eml.with_suffix(".eml.partial"), card)
    assert sink.send_email(message).ok
    assert sink.send_card(None, {"type": "AdaptiveCard", "_message_id": "m1"}, "owner@example.org").ok
    assert victim.read_bytes() == VICTIM_TEXT
    assert b"hello" in eml.read_bytes() and json.loads(card.read_text())["type"] == "AdaptiveCard"
    assert sorted(p.name for p in (tmp_path / "outbox").iterdir() if not p.is_symlink()) == sorted(
        [eml.name, card.name]
    )


def test_the_ledger_export_never_writes_through_a_symlink(
    engine: Engine, tmp_path: Path, victim: Path
) -> None:
    load_small_plan(engine)
    target = tmp_path / "ledger.jsonl"
    plant(victim, tmp_path / "ledger.jsonl.partial")
    export_ledger(engine, target)
    assert victim.read_bytes() == VICTIM_TEXT
    assert json.loads(target.read_text().splitlines()[-1])["manifest"]["events"] > 0


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "pack.pdf"
    write_bytes(target, b"first")
    with pytest.raises(RuntimeError), replacing(target) as handle:
        handle.write(b"half")
        raise RuntimeError("disk full")
    assert target.read_bytes() == b"first" and [p.name for p in tmp_path.iterdir()] == ["pack.pdf"]

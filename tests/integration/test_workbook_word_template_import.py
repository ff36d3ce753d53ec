"""A board's Word template named in the workbook's Boards sheet, through the real import door: checked by the
rule `pack template set` uses, stored with its event in the import's transaction, kept on an empty cell and
on the export's round trip, and every bad one a workbook problem that changes nothing."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from flows.workbook_import import import_plan_workbook
from models.audit import AuditEvent
from models.board_packs import PackTemplate
from models.ledger.chain import decode_data
from models.ledger.verification import verify_database
from models.meetings import Board
from models.plan import Plan
from packs.word_cover import default_template
from tests.word_helpers import template_of
from tests.workbook_helpers import column, template_rows, write_csv_folder, write_xlsx
from workbooks.plan_workbook import export_workbook, import_workbook
from workbooks.problems import ImportRejected

NOW = datetime(2017, 11, 20, 9, 0, tzinfo=UTC)
BOARD = "Improvement Board"  # the template's example board


def _book(tmp_path: Path, template: str | None, name: str = "plan.xlsx") -> Path:
    sheets = template_rows(tmp_path)
    boards = sheets["Boards"]
    boards[1][column(boards, "word_template")] = template
    return write_xlsx(tmp_path / name, sheets)


def _import(engine: Engine, path: Path, **options: Any) -> Any:
    return import_plan_workbook(engine, path, actor="secretariat@example.org", now=NOW, **options)


def _stored(engine: Engine) -> list[tuple[str, bytes]]:
    with Session(engine) as session:
        return [(t.name, t.content) for t in session.exec(select(PackTemplate))]


def _events(engine: Engine, kind: str) -> list[dict[str, Any]]:
    with Session(engine) as session:
        rows = session.exec(select(AuditEvent).where(AuditEvent.kind == kind).order_by(col(AuditEvent.seq)))
        return [decode_data(r.body) for r in rows]


def _audit_count(engine: Engine) -> int:
    with Session(engine) as session:
        return session.execute(sa.select(sa.func.count()).select_from(AuditEvent)).scalar_one()


def test_a_named_template_is_checked_and_stored_with_its_event(engine: Engine, tmp_path: Path) -> None:
    own = default_template()
    (tmp_path / "our-report.docx").write_bytes(own)
    outcome = _import(engine, _book(tmp_path, "our-report.docx"))
    assert outcome.report.created and outcome.templates and "our-report.docx" in outcome.templates[0]
    assert _stored(engine) == [("our-report.docx", own)]
    [event] = _events(engine, "PackTemplateSet")
    assert event["board"] == BOARD and event["sha256"] == hashlib.sha256(own).hexdigest()
    assert verify_database(engine).ok


def test_an_absolute_path_and_a_csv_folder_are_read_too(engine: Engine, tmp_path: Path) -> None:
    elsewhere = tmp_path / "templates" / "council.docx"
    elsewhere.parent.mkdir()
    elsewhere.write_bytes(default_template())
    sheets = template_rows(tmp_path)
    sheets["Boards"][1][column(sheets["Boards"], "word_template")] = str(elsewhere)
    _import(engine, write_csv_folder(tmp_path / "plan", sheets))
    assert [name for name, _ in _stored(engine)] == ["council.docx"]


def test_a_dry_run_stores_nothing(engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "our-report.docx").write_bytes(default_template())
    before = _audit_count(engine)
    outcome = _import(engine, _book(tmp_path, "our-report.docx"), dry_run=True)
    assert outcome.dry_run and outcome.templates
    assert _stored(engine) == [] and _audit_count(engine) == before


@pytest.mark.parametrize(
    ("cell", "write", "expected"),
    [
        ("missing.docx", None, "a .docx file at"),
        ("notes.txt", None, "a Word template's file name ending .docx"),
        (
            "broken.docx",
            template_of("REPORT TO {{ report_to }}", "WARDS {{ wards_affected }}"),
            "unknown tag 'wards_affected'",
        ),
        (
            "illformed.docx",
            template_of("REPORT TO {{ report_to }"),
            "a Word template that can be used: unexpected '}'",
        ),
        ("fake.docx", b"not a zip at all", "not a Word .docx document"),
    ],
)
def test_a_bad_template_is_a_problem_naming_the_cell_and_nothing_changes(
    engine: Engine, tmp_path: Path, cell: str, write: bytes | None, expected: str
) -> None:
    if write is not None:
        (tmp_path / cell).write_bytes(write)
    before = _audit_count(engine)
    with pytest.raises(ImportRejected) as raised:
        _import(engine, _book(tmp_path, cell))
    [problem] = raised.value.problems
    assert (problem.file, problem.sheet, problem.row, problem.value) == ("plan.xlsx", "Boards", 2, cell)
    assert problem.column and expected in problem.expected
    assert _stored(engine) == [] and _audit_count(engine) == before  # not even the plan


def test_an_empty_cell_keeps_the_stored_template(engine: Engine, tmp_path: Path) -> None:
    own = default_template()
    (tmp_path / "our-report.docx").write_bytes(own)
    _import(engine, _book(tmp_path, "our-report.docx"))
    outcome = _import(engine, _book(tmp_path, None, "again.xlsx"))
    assert outcome.templates == [] and _stored(engine) == [("our-report.docx", own)]
    assert len(_events(engine, "PackTemplateSet")) == 1


def test_a_new_file_replaces_the_stored_one(engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "our-report.docx").write_bytes(default_template())
    _import(engine, _book(tmp_path, "our-report.docx"))
    edited = template_of("COUNCIL REPORT to {{ report_to }}")
    (tmp_path / "v2.docx").write_bytes(edited)
    _import(engine, _book(tmp_path, "v2.docx", "again.xlsx"))
    assert _stored(engine) == [("v2.docx", edited)]
    assert (
        _events(engine, "PackTemplateSet")[-1]["replaced"] == hashlib.sha256(default_template()).hexdigest()
    )


def test_the_export_names_the_stored_template_and_its_reimport_changes_nothing(
    engine: Engine, tmp_path: Path
) -> None:
    own = default_template()
    (tmp_path / "our-report.docx").write_bytes(own)
    _import(engine, _book(tmp_path, "our-report.docx"))
    # Exported elsewhere, with no template beside it: the name alone keeps the stored bytes.
    away = tmp_path / "away"
    away.mkdir()
    export_workbook(engine, away / "export.xlsx", None)
    before = _audit_count(engine)
    outcome = _import(engine, away / "export.xlsx")
    assert outcome.templates == [] and _audit_count(engine) == before
    # Exported beside the same file: read, found the same, nothing stored again.
    export_workbook(engine, tmp_path / "export.xlsx", None)
    assert _import(engine, tmp_path / "export.xlsx").templates == [] and _audit_count(engine) == before
    assert _stored(engine) == [("our-report.docx", own)]


def test_a_door_that_cannot_read_templates_refuses_a_workbook_naming_one(
    engine: Engine, tmp_path: Path
) -> None:
    (tmp_path / "our-report.docx").write_bytes(default_template())
    before = _audit_count(engine)
    with pytest.raises(ImportRejected, match="cannot read Word templates"):
        import_workbook(engine, _book(tmp_path, "our-report.docx"), actor="x")
    assert _audit_count(engine) == before


def test_the_template_goes_to_the_board_of_the_plan_imported_not_one_named_alike(
    engine: Engine, tmp_path: Path
) -> None:
    sheets = template_rows(tmp_path)
    plan_sheet = sheets["Plan"]
    name = plan_sheet[1][column(plan_sheet, "name")]
    plan_sheet[1][column(plan_sheet, "name")] = name.upper()  # another plan, its name differing in case
    _import(engine, write_xlsx(tmp_path / "other.xlsx", sheets))
    plan_sheet[1][column(plan_sheet, "name")] = name
    sheets["Boards"][1][column(sheets["Boards"], "word_template")] = "our-report.docx"
    (tmp_path / "our-report.docx").write_bytes(default_template())
    _import(engine, write_xlsx(tmp_path / "plan.xlsx", sheets))
    with Session(engine) as session:
        held = session.exec(
            select(Plan.name)
            .join(Board, col(Board.plan_id) == col(Plan.id))
            .join(PackTemplate, col(PackTemplate.board_id) == col(Board.id))
        ).all()
    assert held == [name]
    assert _events(engine, "PackTemplateSet")[0]["board"] == BOARD


def test_a_file_name_starting_with_a_tilde_is_a_file_in_the_folder(engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "~draft.docx").write_bytes(default_template())
    _import(engine, _book(tmp_path, "~draft.docx"))
    assert [name for name, _ in _stored(engine)] == ["~draft.docx"]


def test_a_file_that_cannot_be_read_is_its_cells_problem_and_the_others_are_listed_too(
    engine: Engine, tmp_path: Path
) -> None:
    sheets = template_rows(tmp_path)
    boards = sheets["Boards"]
    at = column(boards, "word_template")
    other = list(boards[1])
    other[column(boards, "name")] = "Scrutiny Board"
    boards.append(other)
    too_long = "t" * 300 + ".docx"  # a name the file system refuses (ENAMETOOLONG): a real OSError
    boards[1][at], boards[2][at] = too_long, "missing.docx"
    before = _audit_count(engine)
    with pytest.raises(ImportRejected) as raised:
        _import(engine, write_xlsx(tmp_path / "plan.xlsx", sheets))
    first, second = raised.value.problems
    assert (first.row, first.value) == (
        2,
        too_long,
    ) and "that can be read (File name too long)" in first.expected
    assert (second.row, second.value) == (3, "missing.docx") and "(there is none)" in second.expected
    assert _audit_count(engine) == before


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p: p.mkdir(), "(it is a folder)"),
        (lambda p: p.symlink_to(p.parent / "nowhere.docx"), "(it is a broken link)"),
    ],
)
def test_a_folder_or_a_broken_link_is_said_to_be_one(
    engine: Engine, tmp_path: Path, make: Any, expected: str
) -> None:
    make(tmp_path / "our-report.docx")
    with pytest.raises(ImportRejected) as raised:
        _import(engine, _book(tmp_path, "our-report.docx"))
    [problem] = raised.value.problems
    assert problem.expected.endswith(expected)


@pytest.mark.parametrize("cell", ["sub/our-report.docx", "{elsewhere}/our-report.docx"])
def test_only_the_bare_stored_name_keeps_the_stored_template(
    engine: Engine, tmp_path: Path, cell: str
) -> None:
    (tmp_path / "our-report.docx").write_bytes(default_template())
    _import(engine, _book(tmp_path, "our-report.docx"))
    away = tmp_path / "away"
    away.mkdir()
    named = cell.format(elsewhere=tmp_path / "elsewhere")  # a folder part: a file must be there
    before = _audit_count(engine)
    with pytest.raises(ImportRejected) as raised:
        _import(engine, _book(away, named))
    [problem] = raised.value.problems
    assert problem.value == named and problem.expected.endswith("(there is none)")
    assert _audit_count(engine) == before

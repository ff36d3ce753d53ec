"""`lineofsight template`, `import` and `export` as a new user meets them."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl

from tests.workbook_helpers import column


def test_template_fill_in_import(cli, tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    assert "lineofsight import" in cli("template", str(path)).stdout
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[0] == "Read me"
    assert {"Plan", "People", "Areas", "Actions", "Milestones", "Boards", "Meetings"} <= set(book.sheetnames)
    actions = book["Actions"]
    headers = [c.value for c in actions[1]]
    assert headers[:5] == ["ref*", "title*", "area*", "owner_email*", "due*"]
    formulas = {dv.formula1 for dv in actions.data_validations.dataValidation}
    assert '"not started,in progress,complete,closed,deferred,cancelled"' in formulas
    assert '"red,amber,green"' in formulas and '"Y,N"' in formulas
    assert '"board,scrutiny,public"' in {
        dv.formula1 for dv in book["Meetings"].data_validations.dataValidation
    }
    # A person adds an action by hand, as they would in Excel.
    rows = [list(r) for r in actions.iter_rows(values_only=True)]
    new = list(rows[1])
    new[column(rows, "ref")], new[column(rows, "title")] = "TAP-02", "Recruit two team managers"
    new[column(rows, "due")], new[column(rows, "status")] = "30/11/2017", "Not Started"
    new[column(rows, "percent")], new[column(rows, "rag")] = None, None
    actions.append(new)
    book.save(path)

    dry = cli("import", str(path), "--dry-run").stdout
    assert "Would import" in dry and "Dry run: nothing was changed." in dry
    assert "No plan is loaded" in cli("status", expect=2).output
    assert "Imported" in cli("import", str(path)).stdout
    rows = json.loads(cli("status", "--as-of", "2017-11-01", "--format", "json").stdout)
    assert {r["ref"] for r in rows} == {"EX-01", "TAP-02", "EX-MS-01"}
    assert next(r for r in rows if r["ref"] == "TAP-02")["due"] == "2017-11-30"

    exported = tmp_path / "export.xlsx"
    assert "Exported to" in cli("export", str(exported)).stdout
    assert "Updates" in openpyxl.load_workbook(exported).sheetnames
    again = cli("import", str(exported)).stdout
    assert "no changes" in again and "changes to an existing plan" not in again


def test_bad_workbook_lists_every_problem_and_exits_2(cli, tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    cli("template", str(path))
    book = openpyxl.load_workbook(path)
    ws = book["Actions"]
    ws["C2"] = "NOPE"
    ws["E2"] = "31/02/2017"
    book.save(path)
    result = cli("import", str(path), expect=2)
    assert "2 problems, so nothing was imported" in result.output
    assert "sheet Actions, row 2, column C: found 'NOPE', expected an area code" in result.output
    assert "sheet Actions, row 2, column E: found '31/02/2017'" in result.output
    assert "Traceback" not in result.output

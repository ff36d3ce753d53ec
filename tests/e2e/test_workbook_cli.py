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


def test_no_command_overwrites_a_file_without_force(cli, tmp_path: Path) -> None:
    """Issue #14, point 6: `template` over a filled-in workbook kept it only by luck of the name."""
    path = tmp_path / "plan.xlsx"
    cli("template", str(path))
    filled = path.read_bytes() + b""
    result = cli("template", str(path), expect=2)
    assert "already exists; use --force to overwrite it" in result.output and "Traceback" not in result.output
    assert path.read_bytes() == filled
    cli("import", str(path))
    exported = tmp_path / "export.xlsx"
    cli("export", str(exported))
    before = exported.read_bytes()
    assert "already exists" in cli("export", str(exported), expect=2).output
    assert exported.read_bytes() == before
    cli("export", str(exported), "--force", "--as-of", "2017-10-02")
    assert exported.read_bytes() != before
    assert "Wrote" in cli("template", str(path), "--force").stdout


def test_paths_are_checked_before_anything_happens(cli, tmp_path: Path) -> None:
    """Issue #14, point 13: missing folders and wrong extensions are usage errors (exit 2), not crashes."""
    cases = [
        (("template", str(tmp_path / "no" / "such" / "x.xlsx")), "does not exist"),
        (("template", str(tmp_path / "blank.csv")), "must end in .xlsx (found .csv)"),
        (("template", str(tmp_path)), "must end in .xlsx (found no extension)"),
        (("export", str(tmp_path / "nowhere" / "x.xlsx")), "does not exist"),
        (("export", str(tmp_path / "plan.pdf")), "must end in .xlsx"),
        (("import", str(tmp_path / "missing.xlsx")), "does not exist"),
        (("import", str(tmp_path / "notes.txt")), "does not exist"),
    ]
    (tmp_path / "plan.txt").write_text("not a workbook")
    (tmp_path / "actions.csv").write_text("ref,title\n")
    cases += [
        (("import", str(tmp_path / "plan.txt")), "must end in .xlsx (found .txt)"),
        (("import", str(tmp_path / "actions.csv")), "give the folder holding the CSV files"),
    ]
    for args, expected in cases:
        result = cli(*args, expect=2)
        assert expected in result.output, (args, result.output)
        assert "Unexpected" not in result.output and "Traceback" not in result.output
    assert not (tmp_path / "blank.csv").exists() and not (tmp_path / "plan.pdf").exists()


def _own_plan(cli, tmp_path: Path) -> Path:
    """The new user's plan, from the template: NS-01 and NS-02, owned by owner@example.org."""
    path = tmp_path / "plan.xlsx"
    cli("template", str(path))
    book = openpyxl.load_workbook(path)
    ws = book["Actions"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    ws.cell(2, column(rows, "ref") + 1).value = "NS-01"
    second = list(rows[1])
    second[column(rows, "ref")] = "NS-02"
    ws.append(second)
    book["Milestones"].cell(2, 5).value = "NS-01"
    book.save(path)
    return path


def test_reimport_after_owners_updates_keeps_them_and_says_so(cli, tmp_path: Path) -> None:
    """Issue #14, point 2, as the user met it: update NS-01 and NS-02, re-import the original workbook."""
    path = _own_plan(cli, tmp_path)
    assert "(a new plan)" in cli("import", str(path)).stdout
    cli("update", "NS-01", "--status", "complete", "--percent", "100", "--by", "owner@example.org")
    cli("update", "NS-02", "--rag", "red", "--by", "owner@example.org")
    out = cli("import", str(path)).stdout
    assert "Example Improvement Plan: no changes" in out and "changes to an existing plan" not in out
    assert "Kept owners' updates: 2 items with an update newer than the workbook's progress" in out
    lines = [line for line in out.splitlines() if "NS-0" in line]
    assert any("NS-01" in line and "status" in line and "complete" in line for line in lines)
    assert any("NS-02" in line and "rag" in line and "red" in line for line in lines)
    rows = json.loads(cli("status", "--as-of", "2017-10-02", "--format", "json").stdout)
    state = {r["ref"]: (r["status"], r["rag"]) for r in rows}
    assert state["NS-01"] == ("complete", "green") and state["NS-02"] == ("in progress", "red")
    audit = cli("audit", "log", "--format", "json").stdout
    assert audit.count('"ProgressKept"') == 2


def test_import_wording_and_progress(cli, tmp_path: Path) -> None:
    """Issue #14, points 19 and 23: counts in words; a progress line on a terminal, nothing when piped."""
    path = _own_plan(cli, tmp_path)
    dry = cli("import", str(path), "--dry-run").stdout
    assert "Would import Example Improvement Plan (a new plan)" in dry
    piped = cli("import", str(path))
    assert "Importing" not in piped.output and "Reading" not in piped.output
    assert "no changes would be made" in cli("import", str(path), "--dry-run").stdout
    book = openpyxl.load_workbook(path)
    book["Actions"].cell(2, 2).value = "A new title"
    book.save(path)
    assert "Imported 1 change to Example Improvement Plan" in cli("import", str(path)).stdout
    terminal = cli.runner.invoke(
        __import__("cli.app", fromlist=["app"]).app,
        ["import", str(path)],
        env={
            "LINEOFSIGHT_DATABASE_URL": cli.db_url,
            "LINEOFSIGHT_OUTBOX_DIR": cli.outbox,
            "TTY_COMPATIBLE": "1",
        },
    )
    assert terminal.exit_code == 0, terminal.output
    assert "Importing plan.xlsx" in terminal.output or "Reading plan.xlsx" in terminal.output


def test_import_stores_the_word_template_the_boards_sheet_names(cli, tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    cli("template", str(path))
    cli("pack", "template", "default", str(tmp_path / "our-report.docx"))
    book = openpyxl.load_workbook(path)
    boards = book["Boards"]
    headers = [c.value for c in boards[1]]
    boards.cell(row=2, column=headers.index("word_template") + 1, value="our-report.docx")
    book.save(path)
    assert (
        "Would store Improvement Board: Word template our-report.docx"
        in cli("import", str(path), "--dry-run").stdout
    )
    assert "Stored Improvement Board: Word template our-report.docx" in cli("import", str(path)).stdout
    (tmp_path / "our-report.docx").unlink()  # the stored bytes are kept: an export's name alone keeps them
    exported = tmp_path / "export.xlsx"
    cli("export", str(exported))
    again = cli("import", str(exported)).stdout
    assert "no changes" in again and "Word template" not in again

"""The command line as a user meets it: help, clear errors and exit codes, the status contract."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from cli.app import app
from tests.factories import OWNER, load_small_plan

STATUS_FIELDS = {"ref", "kind", "title", "owner", "due", "status", "rag", "working_days_to_due"}


def _command_names() -> list[str]:
    import typer.main

    group = typer.main.get_command(app)
    return sorted(group.commands)  # type: ignore[attr-defined]


def test_every_command_has_help_text() -> None:
    runner = CliRunner()
    names = _command_names()
    assert {"init", "status", "show", "update", "demo"} <= set(names)
    for name in names:
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0, result.output
        summary = result.output.split("Options")[0]
        assert len(summary.split()) > 6, f"`{name} --help` says too little: {summary!r}"
    assert CliRunner().invoke(app, ["--help"]).exit_code == 0


def test_status_json_is_the_contract(cli, engine) -> None:
    load_small_plan(engine)
    result = cli("status", "--as-of", "2017-10-03", "--format", "json")
    rows = json.loads(result.stdout)
    assert {frozenset(r) for r in rows} == {frozenset(STATUS_FIELDS)}
    act1 = next(r for r in rows if r["ref"] == "ACT-1")
    assert act1 == {
        "ref": "ACT-1",
        "kind": "action",
        "title": "Audit cases",
        "owner": OWNER,
        "due": "2017-10-02",
        "status": "in progress",
        "rag": "amber",
        "working_days_to_due": -1,
    }
    assert next(r for r in rows if r["ref"] == "MS-1")["kind"] == "milestone"


def test_status_csv_and_table(cli, engine) -> None:
    load_small_plan(engine)
    rows = list(csv.DictReader(io.StringIO(cli("status", "--as-of", "03/10/2017", "--format", "csv").stdout)))
    assert set(rows[0]) == STATUS_FIELDS and len(rows) == 4
    table = cli("status", "--as-of", "2017-10-03", "--area", "A1").stdout
    assert "ACT-1" in table and "ACT-2" not in table and "Actions by area and RAG" in table


def test_unknown_ref_exits_2_with_close_matches(cli, engine) -> None:
    load_small_plan(engine)
    result = cli("show", "ACT-4", expect=2)
    assert "No action or milestone 'ACT-4'" in result.output and "ACT-1" in result.output
    assert "Traceback" not in result.output


def test_unknown_area_and_plan(cli, engine) -> None:
    load_small_plan(engine)
    assert "Did you mean A1" in cli("status", "--area", "A11", expect=2).output
    assert "Did you mean Test Plan" in cli("status", "--plan", "Test Plam", expect=2).output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--status", "finished"], "not started, in progress, complete, closed, deferred, cancelled"),
        (["--rag", "purple"], "red, amber, green"),
        (["--percent", "140"], "0 to 100"),
        (["--percent", "lots"], "0 to 100"),
    ],
)
def test_invalid_update_values_name_the_valid_ones(cli, engine, args, message) -> None:
    load_small_plan(engine)
    result = cli("update", "ACT-1", "--by", OWNER, *args, expect=2)
    assert message in result.output and "Traceback" not in result.output


def test_update_then_show_history(cli, engine) -> None:
    load_small_plan(engine)
    out = cli(
        "update",
        "act-1",
        "--by",
        OWNER,
        "--status",
        "In Progress",
        "--rag",
        "R",
        "--percent",
        "60%",
        "--note",
        "Blocked on [red]recruitment[/red] <script>",
    ).stdout
    assert "Recorded update" in out and "ACT-1" in out
    shown = cli("show", "ACT-1", "--format", "json").stdout
    story = json.loads(shown)
    assert story["rag"] == "red" and story["percent"] == 60
    assert story["updates"][-1]["commentary"] == "Blocked on [red]recruitment[/red] <script>"
    table = cli("show", "ACT-1").stdout
    assert "[red]recruitment[/red]" in table  # user text is shown literally, never as markup


def test_status_without_a_database_says_what_to_run(tmp_path) -> None:
    result = CliRunner().invoke(
        app, ["status"], env={"LINEOFSIGHT_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    )
    assert result.exit_code == 1
    assert "run `lineofsight init`" in result.output and "Traceback" not in result.output


def test_init_is_idempotent(tmp_path) -> None:
    env = {"LINEOFSIGHT_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    first = CliRunner().invoke(app, ["init"], env=env)
    assert first.exit_code == 0 and "Created the database" in first.output
    again = CliRunner().invoke(app, ["init"], env=env)
    assert again.exit_code == 0 and "already at the latest schema" in again.output


def test_no_plan_loaded(cli) -> None:
    assert "lineofsight demo" in cli("show", "X", expect=2).output


def test_status_csv_never_writes_a_formula(cli, engine) -> None:
    from sqlmodel import Session, select

    from models.plan import Action

    load_small_plan(engine)
    with Session(engine) as session:
        action = session.exec(select(Action).where(Action.ref == "ACT-1")).one()
        action.title = '=HYPERLINK("https://evil.example","Click")'
        session.add(action)
        session.commit()
    out = cli("status", "--as-of", "03/10/2017", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert (
        next(r for r in rows if r["ref"] == "ACT-1")["title"]
        == "'" + '=HYPERLINK("https://evil.example","Click")'
    )


def test_every_csv_field_that_could_start_a_formula_is_quoted(capsys) -> None:
    from cli.output import write_csv

    values = ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "plain", "a=b", 5, -3]
    write_csv([{"v": v} for v in values], ["v"])
    written = [r["v"] for r in csv.DictReader(io.StringIO(capsys.readouterr().out, newline=""))]
    assert written == ["'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\t=1", "'\r=1", "plain", "a=b", "5", "-3"]

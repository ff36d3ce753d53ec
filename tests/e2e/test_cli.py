"""The command line as a user meets it: help, clear errors and exit codes, the status contract."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
    assert {frozenset(r) for r in rows} == {frozenset(STATUS_FIELDS) | {"forecast"}}  # issue 20 adds forecast
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
        "forecast": None,  # 40% from the workbook with no day to it and no update: no pace
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


# The console script installed beside this interpreter (the venv need not be on PATH).
LINEOFSIGHT = str(Path(sys.executable).parent / "lineofsight")


@pytest.mark.parametrize(
    "args",
    [
        ["audit", "log", "--format", "csv"],
        ["audit", "log"],
        ["status", "--format", "json"],
        ["status"],
        ["--help"],
    ],
    ids=" ".join,
)
def test_a_reader_that_stops_early_ends_the_command_quietly(engine, db_url, repo_env, args) -> None:
    """`lineofsight audit log --format csv | head -1`: the pipe's reader is gone before the command writes
    (its end closed at once, so the run does not depend on timing), as any Unix tool the command ends
    silently: exit 0 or 141 (SIGPIPE's), nothing on stderr."""
    load_small_plan(engine)
    read_end, write_end = os.pipe()
    process = subprocess.Popen(
        [LINEOFSIGHT, *args],
        stdout=write_end,
        stderr=subprocess.PIPE,
        env=repo_env | {"LINEOFSIGHT_DATABASE_URL": db_url},
    )
    os.close(write_end)
    os.close(read_end)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode in (0, 141), stderr.decode()
    assert stderr.decode() == ""


def test_debug_works_after_the_command_too(tmp_path) -> None:
    env = {"LINEOFSIGHT_DATABASE_URL": f"sqlite:///{tmp_path}/missing/x.db"}
    plain = CliRunner().invoke(app, ["status"], env=env)
    assert plain.exit_code == 1 and plain.exception is not None and isinstance(plain.exception, SystemExit)
    for argv in (["--debug", "status"], ["status", "--debug"]):
        result = CliRunner().invoke(app, argv, env=env)
        assert "No such option" not in result.output
        assert type(result.exception).__name__ == "DatabaseNotReady", (argv, result.output)
    # After `--`, the word is an argument like any other, never the flag.
    result = CliRunner().invoke(app, ["show", "--", "--debug"], env=env)
    assert type(result.exception) is SystemExit


@pytest.mark.parametrize(
    ("error", "said", "code"),
    [
        (FileNotFoundError(2, "No such file or directory", "/no/such/dir/x.xlsx"), "does not exist", 2),
        (NotADirectoryError(20, "Not a directory", "/etc/hosts/x.xlsx"), "goes through a file", 2),
        (IsADirectoryError(21, "Is a directory", "/tmp"), "is a folder", 2),
        (PermissionError(13, "Permission denied", "/root/x"), "permission denied", 2),
        (OSError(36, "File name too long", "x" * 300), "too long", 2),
        (OSError(28, "No space left on device", "/var/packs/p.pdf"), "No space left on device", 1),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, OSError) else str(v),
)
def test_a_path_that_cannot_be_used_is_named_never_unexpected(capsys, error, said, code) -> None:
    from cli.edge import translate

    assert translate(error).exit_code == code
    message = capsys.readouterr().err
    assert said in message and error.filename[:40] in message and "Unexpected" not in message


def test_show_counts_working_days_to_the_as_of_day(cli, engine) -> None:
    load_small_plan(engine)
    table = cli("show", "ACT-1", "--as-of", "2017-10-03").stdout
    assert "-1 (overdue), counted on Tue 3 Oct 2017" in table
    story = json.loads(cli("show", "ACT-1", "--as-of", "29/09/2017", "--format", "json").stdout)
    assert story["working_days_to_due"] == 1 and story["as_of"] == "2017-09-29"
    refused = cli("show", "ACT-1", "--as-of", "2017-13-01", expect=2).output
    assert "Invalid --as-of date '2017-13-01'" in refused


def test_show_csv_is_csv_the_item_then_its_updates(cli, engine) -> None:
    load_small_plan(engine)
    cli("update", "ACT-1", "--by", OWNER, "--rag", "red", "--note", "=cmd|' /C calc'!A0\nsecond line")
    out = cli("show", "ACT-1", "--as-of", "2017-10-03", "--format", "csv").stdout
    [item] = list(csv.DictReader(io.StringIO(out, newline="")))  # the update is today's: after 2017
    assert item["ref"] == "ACT-1" and item["current_due"] == "2017-10-02"
    assert item["working_days_to_due"] == "-1" and item["as_of"] == "2017-10-03"
    rows = list(csv.DictReader(io.StringIO(cli("show", "ACT-1", "--format", "csv").stdout, newline="")))
    assert [r["record"] for r in rows] == ["item", "update"]
    update = rows[1]
    assert update["by"] == OWNER and update["rag"] == "red"
    assert update["commentary"] == "'=cmd|' /C calc'!A0\nsecond line"  # never a formula, the line kept


def test_status_owner_lists_my_actions(cli, engine) -> None:
    from tests.factories import LEAD, MANAGER

    load_small_plan(engine)
    mine = json.loads(cli("status", "--owner", OWNER.upper(), "--format", "json").stdout)
    assert sorted(r["ref"] for r in mine) == ["ACT-1", "ACT-2"]
    leads = json.loads(cli("status", "--owner", f" {LEAD} ", "--format", "json").stdout)
    assert [r["ref"] for r in leads] == ["MS-1"]
    table = cli("status", "--owner", MANAGER, "--as-of", "2017-10-03").stdout
    assert "ACT-3" in table and "ACT-1" not in table
    # Full-width letters are the same address (NFKC); a Cyrillic lookalike is refused, naming the letter.
    full_width = cli("status", "--owner", "\uff4fwner@example.org", "--format", "json").stdout
    assert sorted(r["ref"] for r in json.loads(full_width)) == ["ACT-1", "ACT-2"]
    lookalike = cli("status", "--owner", "\u043ewner@example.org", expect=2).output
    assert "U+043E CYRILLIC SMALL LETTER O" in lookalike
    unknown = cli("status", "--owner", "ownr@example.org", expect=2).output
    assert "No person with email 'ownr@example.org'. Did you mean owner@example.org" in unknown
    assert "Invalid --owner 'nobody'" in cli("status", "--owner", "nobody", expect=2).output


def test_escalations_as_json_and_csv(cli, engine) -> None:
    load_small_plan(engine)
    cli("sweep", "--as-of", "2017-10-20", "--no-send")
    rows = json.loads(cli("escalations", "--format", "json").stdout)
    assert rows, "the small plan's ACT-1 is overdue by then"
    act1 = next(r for r in rows if r["ref"] == "ACT-1")
    assert set(act1) == {"plan", "ref", "kind", "level", "level_name", "since", "due", "rule", "reason"}
    assert act1["plan"] == "Test Plan" and act1["due"] == "2017-10-02" and act1["level"] in (2, 3)
    parsed = list(csv.DictReader(io.StringIO(cli("escalations", "--format", "csv").stdout, newline="")))
    assert [r["ref"] for r in parsed] == [r["ref"] for r in rows]
    assert json.loads(cli("escalations", "--level", "3", "--format", "json").stdout) == [
        r for r in rows if r["level"] == 3
    ]


def test_version() -> None:
    from importlib.metadata import version

    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip() == f"lineofsight {version('lineofsight')}"


def test_a_wrong_plan_or_area_gets_the_closest_and_the_list(cli, engine) -> None:
    load_small_plan(engine, "Children's Services Improvement Plan")
    load_small_plan(engine, "Adult Social Care Plan")
    plan = cli("status", "--plan", "Childrens", expect=2).output
    assert "Did you mean Children's Services Improvement Plan?" in plan
    assert "Choose from: Adult Social Care Plan, Children's Services Improvement Plan." in plan
    area = cli("status", "--plan", "children's services improvement plan", "--area", "XX", expect=2).output
    assert "No area 'XX'. Choose from: A1, A2." in area


def test_meeting_add_warns_of_a_weekend_or_a_past_day_and_lists_the_areas(cli, engine) -> None:
    load_small_plan(engine)
    board = ["meeting", "add", "--board", "Improvement Board"]
    theme = cli(*board, "--date", "2099-01-06", "--theme", "XX", expect=2).output
    assert "No area 'XX'. Choose from: A1, A2." in theme
    wrong_board = cli("meeting", "add", "--board", "Board", "--date", "2099-01-06", expect=2).output
    assert "No board 'Board'. Did you mean Improvement Board?" in wrong_board
    saturday = cli(*board, "--date", "2098-12-27")  # a Saturday, far enough ahead to be in the future
    assert "Added the board meeting of Improvement Board on Saturday 27 December 2098" in saturday.stdout
    assert "Warning: Saturday 27 December 2098 is not a working day for Test Plan (a weekend)." in (
        saturday.stderr
    )
    assert "in the past" not in saturday.stderr
    boxing_day = cli(*board, "--date", "2017-12-26", "--audience", "public")
    assert "Tuesday 26 December 2017 is not a working day for Test Plan (Boxing Day)." in boxing_day.stderr
    assert "Tuesday 26 December 2017 is in the past (today is " in boxing_day.stderr
    weekday = cli(*board, "--date", "2099-01-06", "--audience", "scrutiny")
    assert weekday.stderr == ""


def test_doctor_names_a_folder_setting_that_cannot_be_written(db_url, engine, tmp_path) -> None:
    load_small_plan(engine)
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    env = {
        "LINEOFSIGHT_DATABASE_URL": db_url,
        "LINEOFSIGHT_SECRET_KEY": "k" * 40,  # only the folder fails
        "LINEOFSIGHT_OUTBOX_DIR": str(a_file / "outbox"),
        "LINEOFSIGHT_PACKS_DIR": str(tmp_path / "packs" / "new"),
        "COLUMNS": "300",
    }
    result = CliRunner().invoke(app, ["doctor"], env=env)
    assert result.exit_code == 1, result.output
    from config.settings import Settings
    from flows.doctor import State, diagnose

    outbox, packs = a_file / "outbox", tmp_path / "packs" / "new"
    settings = Settings(database_url=db_url, outbox_dir=outbox, packs_dir=packs)
    folders = next(c for c in diagnose(settings, prefect_api=lambda: None) if c.name == "folders")
    assert folders.state is State.FAIL
    assert folders.detail == f"LINEOFSIGHT_OUTBOX_DIR={a_file / 'outbox'}: {a_file} is a file, not a folder"
    assert "1 check failed: folders." in result.stdout


def test_no_python_repr_in_a_refused_value() -> None:
    from datetime import date

    from models.errors import InvalidValue

    assert str(InvalidValue("due", date(2026, 12, 1), "a working day")) == (
        "Invalid due 2026-12-01: expected a working day."
    )
    assert str(InvalidValue("percent", 1.5, "0 to 100")) == "Invalid percent 1.5: expected 0 to 100."


def test_the_readme_command_table_is_one_table_naming_every_command() -> None:
    """A blank line inside a Markdown table ends it: the rows after it render as a paragraph of pipes."""
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    lines = readme.split("## Commands", 1)[1].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| command |"))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append(line)
    listed = " ".join(rows)
    for path, _ in _all_commands():
        assert f"`lineofsight {' '.join(path)}" in listed, f"{' '.join(path)} is not in the command table"


def _all_commands(group: Any = None, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    import typer.main

    group = group or typer.main.get_command(app)
    for name, command in sorted(group.commands.items()):
        if hasattr(command, "commands"):
            yield from _all_commands(command, (*path, name))
        else:
            yield (*path, name), command


def test_close_matches_by_the_whole_or_by_a_word() -> None:
    from models.plans.lookup import close_matches

    refs = ["TAP-01", "TAP-10", "TAP-11", "TAP-16", "MS-01"]
    assert close_matches("TAP-1", refs)[0] == "TAP-01"
    assert close_matches("tap16x", refs)[0] == "TAP-16"
    plans = ["Adult Social Care Plan", "Children's Services Improvement Plan"]
    assert close_matches("Childrens", plans) == ["Children's Services Improvement Plan"]
    assert close_matches("childrens services", plans) == ["Children's Services Improvement Plan"]
    assert close_matches("", plans) == [] and close_matches("zzz", plans) == []


def test_init_names_a_missing_folder_of_the_database(tmp_path) -> None:
    result = CliRunner().invoke(
        app, ["init"], env={"LINEOFSIGHT_DATABASE_URL": f"sqlite:///{tmp_path}/no/x.db"}
    )
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"the folder {tmp_path}/no does not exist" in result.output


def test_serve_refuses_to_start_when_it_could_not_write_its_packs(db_url, engine, tmp_path) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    env = {
        "LINEOFSIGHT_DATABASE_URL": db_url,
        "LINEOFSIGHT_PACKS_DIR": str(a_file / "packs"),
        "LINEOFSIGHT_OUTBOX_DIR": str(tmp_path / "outbox"),
        "PREFECT_API_URL": "http://127.0.0.1:9/api",  # never reached: the check comes first
    }
    result = CliRunner().invoke(app, ["serve"], env=env)
    assert result.exit_code == 1, result.output
    assert f"LINEOFSIGHT_PACKS_DIR={a_file / 'packs'}: {a_file} is a file, not a folder" in result.output
    assert "Serving" not in result.output


def test_status_and_show_count_the_policys_closure_days(cli, engine, tmp_path, monkeypatch) -> None:
    """The command line counts working days as the sweep and the console do: a day the policy closes is no
    working day (it counted bank holidays only)."""
    from datetime import date, timedelta

    from config.policy import DEFAULT_POLICY

    load_small_plan(engine)
    as_of = "2017-10-02"  # a Monday
    before = {r["ref"]: r for r in json.loads(cli("status", "--as-of", as_of, "--format", "json").stdout)}
    ref, item = next((ref, r) for ref, r in before.items() if r["working_days_to_due"] >= 3)
    closed = date(2017, 10, 3)  # a Tuesday between the day and the item's due date
    assert date.fromisoformat(as_of) < closed < date.fromisoformat(item["due"]) - timedelta(days=1)
    policy = tmp_path / "policy.toml"
    policy.write_text(DEFAULT_POLICY.read_text().replace("closures = []", f'closures = ["{closed}"]', 1))
    monkeypatch.setenv("LINEOFSIGHT_POLICY_FILE", str(policy))
    after = {r["ref"]: r for r in json.loads(cli("status", "--as-of", as_of, "--format", "json").stdout)}
    assert after[ref]["working_days_to_due"] == item["working_days_to_due"] - 1
    shown = json.loads(cli("show", ref, "--as-of", as_of, "--format", "json").stdout)
    assert shown["working_days_to_due"] == item["working_days_to_due"] - 1
    # A plan's own closure day counts too, as the sweep and the console count it.
    policy.write_text(
        DEFAULT_POLICY.read_text().replace("closures = []", f'closures = ["{closed}"]', 1)
        + f'\n[plans."Test Plan".calendar]\nclosures = ["{closed}", "{closed + timedelta(days=1)}"]\n'
    )
    own = {r["ref"]: r for r in json.loads(cli("status", "--as-of", as_of, "--format", "json").stdout)}
    assert own[ref]["working_days_to_due"] == item["working_days_to_due"] - 2
    shown = json.loads(cli("show", ref, "--as-of", as_of, "--format", "json").stdout)
    assert shown["working_days_to_due"] == item["working_days_to_due"] - 2


def _percent_updates(engine, ref: str, reports: list[tuple[str, int]]) -> None:
    """Updates reported on past days, written as the owner's updates are stored."""
    from datetime import UTC, date, datetime

    from sqlmodel import select

    from models.db import unit_of_work
    from models.ledger.chain import Event, record
    from models.people import Person
    from models.plan import Action, Update

    with unit_of_work(engine) as session:
        action = session.exec(select(Action).where(Action.ref == ref)).one()
        owner = session.exec(select(Person).where(Person.email == OWNER)).one()
        assert owner.id is not None
        for day, percent in reports:
            at = datetime.combine(date.fromisoformat(day), datetime.min.time(), UTC).replace(hour=10)
            session.add(
                Update(
                    plan_id=action.plan_id, action_id=action.id, author_id=owner.id, at=at, percent=percent
                )
            )
            record(session, Event("ActionUpdated", OWNER, "Test Plan", ref, data={"percent": percent}))


def test_status_and_show_forecast_the_finish_from_the_updates(cli, engine) -> None:
    """10%, 20%, 30% a fortnight apart is 1% a working day: the 70% left is 70 working days after 2 October
    2017, over Christmas, Boxing Day and New Year's Day: Thursday 11 January 2018."""
    load_small_plan(engine)
    _percent_updates(engine, "ACT-1", [("2017-09-04", 10), ("2017-09-18", 20), ("2017-10-02", 30)])
    rows = {
        r["ref"]: r for r in json.loads(cli("status", "--as-of", "2017-10-02", "--format", "json").stdout)
    }
    assert rows["ACT-1"]["forecast"] == "2018-01-11"
    assert rows["ACT-2"]["forecast"] is None  # no update with a percent: no forecast, never a guess
    assert rows["ACT-3"]["forecast"] is None  # complete
    assert rows["MS-1"]["forecast"] is None  # it waits for ACT-2 too, which has none
    csv_header = cli("status", "--as-of", "2017-10-02", "--format", "csv").stdout.splitlines()[0]
    assert csv_header == "ref,kind,title,owner,due,status,rag,working_days_to_due"  # the CSV contract holds
    assert "11 Jan 2018, 70 late" in cli("status", "--as-of", "2017-10-02").stdout
    story = json.loads(cli("show", "ACT-1", "--as-of", "2017-10-02", "--format", "json").stdout)
    assert story["forecast"] == "2018-01-11"
    shown = cli("show", "ACT-1", "--as-of", "2017-10-02").stdout
    assert "Forecast finish" in shown and "Thursday 11 January 2018" in " ".join(shown.split())
    earlier = json.loads(cli("show", "ACT-1", "--as-of", "2017-09-11", "--format", "json").stdout)
    assert earlier["forecast"] is None  # one update by then and no start date: no pace yet
    assert (
        json.loads(cli("show", "ACT-2", "--as-of", "2017-10-02", "--format", "json").stdout)["forecast"]
        is None
    )
    # Finished since: as it stood on 2 October it was open, and so was its forecast.
    cli("update", "ACT-1", "--by", OWNER, "--status", "complete", "--percent", "100")
    today = {r["ref"]: r for r in json.loads(cli("status", "--format", "json").stdout)}
    assert today["ACT-1"]["forecast"] is None
    then = json.loads(cli("show", "ACT-1", "--as-of", "2017-10-02", "--format", "json").stdout)
    assert then["status"] == "in progress" and then["forecast"] == "2018-01-11"

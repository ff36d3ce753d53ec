"""`lineofsight audit ...` as an auditor would use it, including an export checked offline."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app
from tests.factories import OWNER, load_small_plan

LOG_FIELDS = {"seq", "at", "day", "actor", "kind", "plan", "ref", "data", "hash"}


def _prepared(cli, engine) -> None:
    load_small_plan(engine)
    cli("update", "ACT-1", "--by", OWNER, "--rag", "red", "--note", "Short of auditors")
    cli("update", "ACT-2", "--by", OWNER, "--status", "in progress")


def test_verify_prints_the_head(cli, engine) -> None:
    _prepared(cli, engine)
    out = cli("audit", "verify").stdout
    assert out.startswith("OK: ledger intact") and " head " in out
    head = out.strip().rsplit(" ", 1)[-1]
    assert cli("audit", "verify", "--head", head).exit_code == 0


def test_verify_with_an_unknown_later_head_fails(cli, engine) -> None:
    _prepared(cli, engine)
    result = cli("audit", "verify", "--head", "999:" + "a" * 64, expect=1)
    assert "missing anchored head" in result.output


def test_log_filters_and_json_contract(cli, engine) -> None:
    _prepared(cli, engine)
    events = json.loads(cli("audit", "log", "--format", "json").stdout)
    assert events and all(set(e) == LOG_FIELDS for e in events)
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)
    updated = json.loads(
        cli("audit", "log", "--kind", "ActionUpdated", "--actor", OWNER, "--format", "json").stdout
    )
    assert [e["ref"] for e in updated] == ["ACT-1", "ACT-2"]
    assert updated[0]["data"]["after"] == {"rag": "red"}
    assert (
        json.loads(cli("audit", "log", "--ref", "act-2", "--format", "json").stdout)[-1]["kind"]
        == "ActionUpdated"
    )
    assert json.loads(cli("audit", "log", "--until", "2001-01-01", "--format", "json").stdout) == []
    assert len(json.loads(cli("audit", "log", "--since", "2001-01-01", "--format", "json").stdout)) == len(
        events
    )
    csv_out = cli("audit", "log", "--format", "csv").stdout
    assert csv_out.splitlines()[0] == "seq,at,day,actor,kind,plan,ref,data,hash"


def test_history_tells_the_story(cli, engine) -> None:
    _prepared(cli, engine)
    story = json.loads(cli("audit", "history", "ACT-1", "--format", "json").stdout)
    assert [e["kind"] for e in story] == ["ActionAdded", "ActionUpdated"]
    table = cli("audit", "history", "ACT-1").stdout
    assert "Short of auditors" in table and "rag: amber -> red" in table
    assert "no event about 'NOPE'" in cli("audit", "history", "NOPE", expect=2).output


def test_export_verifies_offline(cli, engine, tmp_path: Path) -> None:
    _prepared(cli, engine)
    path = tmp_path / "ledger.jsonl"
    assert "Exported" in cli("audit", "export", str(path)).stdout
    lines = path.read_text().splitlines()
    manifest = json.loads(lines[-1])["manifest"]
    assert manifest["events"] == len(lines) - 1
    # Offline: no database configured at all.
    offline = CliRunner().invoke(
        app, ["audit", "verify", "--file", str(path)], env={"LINEOFSIGHT_DATABASE_URL": ""}
    )
    assert offline.exit_code == 0, offline.output
    assert f"head {manifest['head_seq']}:{manifest['head_hash']}" in offline.output


def _rewrite(path: Path, index: int, change) -> None:
    lines = path.read_text().splitlines()
    record = json.loads(lines[index])
    change(record)
    lines[index] = json.dumps(record)
    path.write_text("\n".join(lines) + "\n")


def test_tampered_exports_fail_at_the_right_seq(cli, engine, tmp_path: Path) -> None:
    _prepared(cli, engine)
    original = tmp_path / "ledger.jsonl"
    cli("audit", "export", str(original))
    count = len(original.read_text().splitlines()) - 1

    def verify(path: Path) -> str:
        result = CliRunner().invoke(app, ["audit", "verify", "--file", str(path)])
        assert result.exit_code == 1, result.output
        return result.output

    edited = tmp_path / "edited.jsonl"
    edited.write_text(original.read_text())
    _rewrite(edited, 2, lambda r: r["data"].update({"percent": 99}))
    assert "seq 3: the readable data differs" in verify(edited)

    rebodied = tmp_path / "rebodied.jsonl"
    rebodied.write_text(original.read_text())
    _rewrite(
        rebodied, 1, lambda r: r.update(body=base64.b64encode(base64.b64decode(r["body"]) + b" ").decode())
    )
    assert "seq 2: hash mismatch" in verify(rebodied)

    cut = tmp_path / "cut.jsonl"
    cut.write_text("\n".join(original.read_text().splitlines()[:-1]) + "\n")
    result = CliRunner().invoke(app, ["audit", "verify", "--file", str(cut)])
    assert result.exit_code == 2 and "manifest line is missing" in result.output

    shortened = tmp_path / "shortened.jsonl"
    lines = original.read_text().splitlines()
    shortened.write_text("\n".join(lines[: count - 2] + lines[-1:]) + "\n")
    assert f"seq {count - 1}:" in verify(shortened)

    assert (
        "not a Line of Sight ledger export"
        in CliRunner().invoke(app, ["audit", "verify", "--file", str(Path(__file__))]).output
    )


def test_the_day_an_event_speaks_for_and_when_it_was_written(cli, engine, monkeypatch) -> None:
    # A sweep of 16 October 2017 run today: its decisions speak for 2017-10-16 and were written today.
    load_small_plan(engine)
    cli("sweep", "--as-of", "2017-10-16")
    this_year = str(datetime.now(UTC).year)
    events = json.loads(cli("audit", "log", "--format", "json").stdout)
    decided = [e for e in events if e["kind"] == "EscalatedToBoard"]
    assert decided and all(e["day"] == "2017-10-16" and e["at"] >= this_year for e in decided)
    added = [e for e in events if e["kind"] == "ActionAdded"]
    assert added and all(e["day"] >= this_year for e in added)  # no day of its own: when written

    autumn = json.loads(
        cli("audit", "log", "--day-from", "16/10/2017", "--day-to", "2017-10-16", "--format", "json").stdout
    )
    assert {e["kind"] for e in autumn} >= {"EscalatedToBoard", "OverdueNoticeQueued"}
    assert all(e["day"] == "2017-10-16" for e in autumn) and "ActionAdded" not in {e["kind"] for e in autumn}
    assert json.loads(cli("audit", "log", "--until", "2017-10-16", "--format", "json").stdout) == []
    story = json.loads(cli("audit", "history", "ACT-1", "--day-to", "2017-10-16", "--format", "json").stdout)
    assert {e["kind"] for e in story} == {"EscalatedToBoard", "OverdueNoticeQueued"}

    monkeypatch.setenv("COLUMNS", "250")
    table = cli("audit", "log", "--day-from", "2017-10-16").stdout
    assert "Day" in table and "Written (UTC)" in table and "2017-10-16" in table
    sent = cli("audit", "log", "--kind", "NoticeSent").stdout
    assert f"sent email to {OWNER}: overdue (step 1, due 2017-10-02)" in sent and '{"' not in sent


def test_a_wrong_kind_lists_the_kinds(cli, engine) -> None:
    _prepared(cli, engine)
    refused = cli("audit", "log", "--kind", "Bogus", expect=2).output
    assert "No kind of event 'Bogus'" in refused and "EscalatedToBoard" in refused
    assert "Did you mean" in cli("audit", "log", "--kind", "ActionUpdatd", expect=2).output
    assert json.loads(cli("audit", "log", "--kind", "sweepfailed", "--format", "json").stdout) == []
    assert len(json.loads(cli("audit", "log", "--kind", "actionupdated", "--format", "json").stdout)) == 2


@pytest.mark.parametrize(
    "args",
    [
        ("log", "--since", "2017-12-01", "--until", "2017-11-01"),
        ("log", "--day-from", "2017-12-01", "--day-to", "2017-11-01"),
        ("history", "ACT-1", "--since", "2017-12-01", "--until", "2017-11-01"),
    ],
)
def test_inverted_dates_are_exit_2(cli, engine, args: tuple[str, ...]) -> None:
    _prepared(cli, engine)
    refused = cli("audit", *args, expect=2).output
    assert "is after" in refused and "swap them" in refused and "Unexpected" not in refused


def test_export_never_overwrites_without_force(cli, engine, tmp_path: Path) -> None:
    _prepared(cli, engine)
    path = tmp_path / "ledger.jsonl"
    path.write_text("the auditor's copy\n")
    refused = cli("audit", "export", str(path), expect=2).output
    assert "already exists" in refused and "--force" in refused
    assert path.read_text() == "the auditor's copy\n"
    assert "Exported" in cli("audit", "export", str(path), "--force").stdout
    assert json.loads(path.read_text().splitlines()[-1])["manifest"]["events"] > 1
    assert "does not exist" in cli("audit", "export", str(tmp_path / "no" / "x.jsonl"), expect=2).output
    wrong = cli("audit", "export", str(tmp_path / "ledger.xlsx"), expect=2).output
    assert ".jsonl" in wrong and not (tmp_path / "ledger.xlsx").exists()
    missing = cli("audit", "verify", "--file", str(tmp_path / "missing.jsonl"), expect=2).output
    assert "does not exist" in missing and "Unexpected" not in missing


@pytest.mark.parametrize(
    "args", [("log", "--plan", "Nosuch Plan"), ("history", "ACT-1", "--plan", "Nosuch Plan")]
)
def test_an_unknown_plan_is_an_error_not_an_empty_ledger(cli, engine, args: tuple[str, ...]) -> None:
    _prepared(cli, engine)
    refused = cli("audit", *args, expect=2).output
    assert "Nosuch Plan" in refused and "Unexpected" not in refused


def test_every_kind_the_code_writes_is_accepted(cli, engine) -> None:
    from models.ledger.trail import KINDS
    from tests.unit.test_event_kinds import written_kinds

    load_small_plan(engine)
    for kind in sorted(written_kinds() | {"MilestoneMissed", "PackSuperseded", "ProgressKept"}):
        assert kind in KINDS
        cli("audit", "log", "--kind", kind, "--format", "json")  # exit 0, not "No kind of event"


def _more_events(engine, count: int) -> None:
    from models.db import unit_of_work
    from models.ledger.chain import Event, record_many

    with unit_of_work(engine) as session:
        record_many(
            session, [Event("ActionUpdated", f"bulk{i}@example.org", "Plan", f"X-{i}") for i in range(count)]
        )


def test_a_table_of_the_log_shows_its_last_rows_and_says_how_many_more(cli, engine) -> None:
    from cli.params import TABLE_ROWS

    _prepared(cli, engine)
    _more_events(engine, TABLE_ROWS + 10)
    every = json.loads(cli("audit", "log", "--format", "json").stdout)  # programs get them all
    assert len(every) > TABLE_ROWS + 10
    table = cli("audit", "log").stdout
    last = every[-TABLE_ROWS:]
    assert f"The last {TABLE_ROWS} of {len(every)} events: --limit N or --all for more." in table
    assert f"X-{TABLE_ROWS + 9}" in table and str(last[0]["seq"]) in table
    assert str(every[-TABLE_ROWS - 1]["seq"]) not in table.split("│")  # the one before the page is not drawn
    assert table.index(str(last[0]["seq"])) < table.index(str(last[-1]["seq"]))  # oldest first
    assert f"{len(every)} events." in cli("audit", "log", "--all").stdout
    two = json.loads(cli("audit", "log", "--limit", "2", "--format", "json").stdout)
    assert two == every[-2:]
    assert "The last 3 of 60 events" in cli("audit", "log", "--actor", "bulk", "--limit", "3").stdout
    by_day = cli("audit", "log", "--day-from", "2000-01-01", "--limit", "1", "--format", "json").stdout
    assert json.loads(by_day) == every[-1:]  # the day filter reads the bodies, then keeps the last


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--limit", "0"], "greater than or equal to 1"),
        (["--limit", "-3"], "greater than or equal to 1"),
        (["--limit", "99999999999"], "less than or equal to"),
        (["--limit", "ten"], "'--limit'"),
        (["--limit", "2", "--all"], "give --limit or --all, not both"),
    ],
)
def test_a_bad_limit_is_a_usage_error(cli, engine, args: list[str], said: str) -> None:
    _prepared(cli, engine)
    for command in (["audit", "log"], ["outbox"]):
        assert said in cli(*command, *args, expect=2).output

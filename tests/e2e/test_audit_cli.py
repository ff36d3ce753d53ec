"""`lineofsight audit ...` as an auditor would use it, including an export checked offline."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from typer.testing import CliRunner

from cli.app import app
from tests.factories import OWNER, load_small_plan

LOG_FIELDS = {"seq", "at", "actor", "kind", "plan", "ref", "data", "hash"}


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
    assert csv_out.splitlines()[0] == "seq,at,actor,kind,plan,ref,data,hash"


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

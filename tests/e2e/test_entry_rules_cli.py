"""Every command-line option that takes an address, a ref, a name or a date applies the rules the workbook
import applies: exit 2 with the value and what was expected, nothing recorded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.fixture
def loaded(cli, tmp_path: Path):
    path = tmp_path / "plan.xlsx"
    cli("template", str(path))
    cli("import", str(path), "--by", "secretariat@example.org")
    return cli


def _ledger_size(cli) -> int:
    return len(json.loads(cli("audit", "log", "--format", "json").stdout))


@pytest.mark.parametrize(
    "args, shown",
    [
        (("--by", ""), "--by"),
        (("--by", "a\nb"), "--by"),
        (("--by", "secretariat@example.org\u200b"), "U+200B"),
        (("--by", "\u0455ecretariat@example.org"), "U+0455"),
    ],
)
def test_import_by_must_be_an_address(loaded, tmp_path: Path, args: tuple[str, ...], shown: str) -> None:
    before = _ledger_size(loaded)
    result = loaded("import", str(tmp_path / "plan.xlsx"), *args, expect=2)
    assert shown in result.output and "Unexpected" not in result.output
    assert _ledger_size(loaded) == before


def test_import_by_an_address_is_recorded_normalised(cli, tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    cli("template", str(path))
    cli("import", str(path), "--by", " Secretariat@Example.ORG ")
    events = json.loads(cli("audit", "log", "--format", "json").stdout)
    assert {e["actor"] for e in events} - {"system:init"} == {"secretariat@example.org"}


@pytest.mark.parametrize(
    "args",
    [
        ("update", "EX-01", "--by", "owner@example.org", "--note", "pasted\x0bfrom Word"),
        ("update", "EX-01", "--by", "owner@example.org\u200b", "--note", "x"),
        ("update", "EX-01", "--by", "a\nb", "--note", "x"),
        ("update", "EX-01\u200b", "--by", "owner@example.org", "--note", "x"),
        ("update", "EX-01", "--by", "owner@example.org", "--evidence", "https://example.org/\u202ex"),
        ("meeting", "add", "--board", "Improvement Board", "--date", "9999-12-31"),
        ("meeting", "add", "--board", "Improvement\u200b Board", "--date", "2017-11-07"),
        ("meeting", "add", "--board", "Improvement Board", "--date", "2017-11-07", "--theme", "MOQ\u0410"),
        ("outbox", "retry", "1", "--by", "a\nb"),
        ("status", "--area", "MOQA\u200b"),
        ("show", "EX-01\u202e"),
    ],
)
def test_every_door_refuses_what_the_import_refuses(loaded, args: tuple[str, ...]) -> None:
    before = _ledger_size(loaded)
    result = loaded(*args, expect=2)
    assert "expected" in result.output and "Unexpected" not in result.output
    assert _ledger_size(loaded) == before


def test_full_width_ref_on_the_command_line_is_the_same_ref(loaded) -> None:
    out = loaded("update", "EX-\uff10\uff11", "--by", "OWNER@example.org", "--note", "on track").stdout
    assert "EX-01" in out

"""Every command and subcommand of `lineofsight`, found from the Typer app itself (so a command added later is
driven too), given hostile values in each of its parameters: huge and negative numbers, empty strings,
control characters, bidi overrides, lookalike letters, far dates, missing folders, paths under a file.
Each run ends with exit 0 or 2, and never with a traceback or an "Unexpected ..." message."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from typer.main import get_command
from typer.testing import CliRunner

from cli.app import app
from models.ledger.verification import verify_database
from tests.e2e.conftest import Cli
from tests.factories import load_small_plan

DEMO_WORKBOOK = Path(__file__).parents[2] / "flows" / "demo_plan.xlsx"

HUGE = "99999999999999999999"
HOSTILE_TEXT = [
    "",
    " ",
    "a\nb",
    "x\x00y",
    "\u202eA-01",  # right-to-left override
    "\u0410-01",  # Cyrillic A
    "\uff21-\uff10\uff11",  # full-width A-01
    "A-01\u200b",  # zero-width space
    "9999-12-31",
    "0001-01-01",
    "31/12/9999",
    HUGE,
    "x" * 5000,
]
HOSTILE_NUMBERS = [HUGE, "-" + HUGE, "", "0", "1e3", "\uff11", "x\x00"]
HOSTILE_CHOICES = ["", "\x00", "\uff54able"]  # the last: a full-width t in "table"
# Commands whose plausible values start minutes of work (the demo replays a whole autumn of sweeps): for
# them, only path values that cannot be a folder are tried. Every other command gets every value.
SLOW_WITH_A_VALID_PATH = {("demo",): "builds the whole demo"}
# Flags that keep a run in-process: a Prefect flow run starts a temporary Prefect server (10-15 s).
QUIET: dict[tuple[str, ...], list[str]] = {("demo",): ["--no-prefect"]}


Command = Any  # Typer's own command and parameter classes (Typer 0.29 no longer builds on click's)


def _commands(group: Command, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Command]]:
    for name, command in sorted(group.commands.items()):
        here = (*path, name)
        yield here, command
        if hasattr(command, "commands"):  # a group: its own options, then each of its commands
            yield from _commands(command, here)


COMMANDS = list(_commands(get_command(app)))


def _annotation(param: Any) -> Any:
    return param.type_descriptor.annotation


def _valued(command: Command) -> list[Any]:
    """The parameters that take a value (flags take none)."""
    return [p for p in command.params if p.name != "help" and not getattr(p, "is_flag", False)]


def _is_option(param: Any) -> bool:
    return bool(param.param_type_name == "option")


def _hostile(param: Any, scratch: Path, slow: bool) -> list[str]:
    kind = _annotation(param)
    if isinstance(kind, type) and issubclass(kind, Enum):
        return HOSTILE_CHOICES
    if kind in (int, float):
        return HOSTILE_NUMBERS
    if kind is Path:
        a_file = scratch / "a-file.txt"
        a_file.write_text("not a folder")
        impossible = ["x\x00y", str(a_file / "under-a-file.xlsx")]
        if slow:
            return impossible
        return [*impossible, "", str(scratch / "missing" / "deeper" / "plan.xlsx"), str(scratch)]
    return HOSTILE_TEXT


def _filler(param: Any, scratch: Path) -> str:
    """A plausible value for a required parameter that is not the one under test."""
    kind = _annotation(param)
    if kind is int:
        return "1"
    if kind is Path:
        copy = scratch / f"filler-{param.name}.xlsx"
        shutil.copy(DEMO_WORKBOOK, copy)  # a real workbook to read; a scratch copy to overwrite
        return str(copy)
    if isinstance(kind, type) and issubclass(kind, Enum):
        return str(next(iter(kind)).value)
    name = param.name or ""
    # A Sunday: no meeting falls on it, so `pack build` refuses quickly instead of rendering PDFs.
    return "2017-12-03" if any(w in name for w in ("date", "day", "meeting", "as_of")) else "ACT-1"


def _argv(path: tuple[str, ...], command: Command, target: Any, value: str, scratch: Path) -> list[str]:
    options: list[str] = [*QUIET.get(path, [])]
    arguments: list[str] = []
    for param in _valued(command):
        if param is target:
            chosen = value
        elif param.required:
            chosen = _filler(param, scratch)
        else:
            continue
        if _is_option(param):
            options += [param.opts[0], chosen]
        else:
            arguments.append(chosen)
    return [*path, *options, *(["--", *arguments] if arguments else [])]


def _cases(scratch: Path) -> Iterator[list[str]]:
    for path, command in COMMANDS:
        slow = path in SLOW_WITH_A_VALID_PATH
        for param in _valued(command):
            for value in _hostile(param, scratch, slow):
                yield _argv(path, command, param, value, scratch)
        yield [*path, "--no-such-option", "x"]  # every command refuses what it does not know


# The cases reported in issue 13, each of which ended in "Unexpected ... report it" with exit 1.
REPORTED = [
    (["sweep", "--as-of", "0001-01-01"], "between 2000-01-01 and 2099-12-31"),
    (["sweep", "--as-of", "9999-12-31"], "between 2000-01-01 and 2099-12-31"),
    (["audit", "log", "--since", "0001-01-01", "--until", "9999-12-31"], "between 2000-01-01 and 2099-12-31"),
    (["meeting", "add", "--board", "Improvement Board", "--date", "9999-12-31"], "2099-12-31"),
    (["pack", "show", HUGE], "2147483647"),
    (["outbox", "retry", HUGE], "2147483647"),
    (["import", "WORKBOOK", "--by", "a\nb"], "U+000A"),
    (["import", "WORKBOOK", "--by", ""], "Invalid --by"),
    (["outbox", "retry", "1", "--by", "\u202eadmin"], "U+202E"),
]


@pytest.mark.parametrize(("argv", "said"), REPORTED, ids=[" ".join(a[:2]) for a, _ in REPORTED])
def test_the_reported_cases_are_refused_with_exit_2_and_change_nothing(
    cli: Cli, engine: Engine, tmp_path: Path, argv: list[str], said: str
) -> None:
    load_small_plan(engine)
    workbook = tmp_path / "plan.xlsx"
    shutil.copy(DEMO_WORKBOOK, workbook)
    argv = [str(workbook) if a == "WORKBOOK" else a for a in argv]
    before = verify_database(engine)
    result = cli(*argv, expect=2)
    assert said in result.output and "Unexpected" not in result.output, result.output
    assert verify_database(engine) == before  # nothing recorded: the import and retry never ran


def test_every_command_is_enumerated() -> None:
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"sweep", "import", "audit log", "pack show", "outbox retry", "meeting add", "serve"} <= names


def test_every_command_meets_hostile_values_with_exit_0_or_2(
    db_url: str, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_small_plan(engine)
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)  # a command that writes to its current folder writes here
    env = {
        "LINEOFSIGHT_DATABASE_URL": db_url,
        "LINEOFSIGHT_OUTBOX_DIR": str(tmp_path / "outbox"),
        "LINEOFSIGHT_PACKS_DIR": str(tmp_path / "packs"),
        "PREFECT_API_URL": None,  # `serve` must never start serving here
    }
    runner = CliRunner()
    failures = []
    ran = 0
    for argv in _cases(tmp_path):
        result = runner.invoke(app, argv, env=env)  # None unsets a variable
        ran += 1
        output = result.output
        crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
        if result.exit_code not in (0, 2) or crashed or "Traceback" in output or "Unexpected" in output:
            failures.append((argv, result.exit_code, output[-300:], repr(result.exception)))
    assert ran > 200
    assert not failures, "\n".join(map(repr, failures))

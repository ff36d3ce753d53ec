"""Parameter types shared by the commands: database ids and actors, checked while the command line is read,
so a value the database could not hold is a usage error (exit 2) before anything is opened.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from models.errors import InvalidValue
from models.plans.text_rules import email_address, name, token

# Ids are INTEGER columns: 32 bits on PostgreSQL. A larger number is no id at all ("integer out of range"
# from the database, an OverflowError from SQLite's driver past 64 bits).
MAX_ID = 2**31 - 1
ACTOR_LENGTH = 320  # audit_event.actor


def record_id(help: str) -> Any:
    """A required positional id (a pack's, a notice's): a whole number from 1 to MAX_ID."""
    return typer.Argument(..., min=1, max=MAX_ID, help=help)


def checked_actor(value: str) -> str:
    """`--by`: who did it, as the ledger records it: an email address, or a name such as `system:operator`.
    Never blank, never a hidden character or a new line (the ledger's header is one line)."""
    try:
        token(value, "--by", "a name or email address")
        if "@" in value:
            return email_address(value, "--by")
        actor = name(value, "--by")
    except InvalidValue as exc:
        raise typer.BadParameter(str(exc)) from None
    if len(actor) > ACTOR_LENGTH:
        raise typer.BadParameter(f"at most {ACTOR_LENGTH} characters (found {len(actor)})")
    return actor


def actor_option(default: str, help: str) -> Any:
    return typer.Option(default, "--by", help=help, callback=checked_actor)


FORCE_HELP = "Overwrite the file if it already exists."


def force_option() -> Any:
    return typer.Option(False, "--force", help=FORCE_HELP)


def _suffixes(path: Path, suffixes: tuple[str, ...], what: str) -> None:
    if suffixes and path.suffix.lower() not in suffixes:
        expected = " or ".join(suffixes)
        found = path.suffix or "no extension"
        raise typer.BadParameter(f"{path}: {what} must end in {expected} (found {found})")


def output_file(
    path: Path, *, suffixes: tuple[str, ...] = (), force: bool = False, what: str = "the file"
) -> Path:
    """A file a command is about to write: its folder exists, its extension says what it holds, and an
    existing file is kept unless the user said `--force`. Every command that writes a file calls this first,
    so a typo never costs a filled-in workbook or an export."""
    _suffixes(path, suffixes, what)
    if path.is_dir():
        raise typer.BadParameter(
            f"{path} is a folder; give a file name, e.g. {path / ('plan' + (suffixes or ('.out',))[0])}"
        )
    if not path.parent.is_dir():
        raise typer.BadParameter(f"{path}: the folder {path.parent} does not exist")
    if path.exists() and not force:
        raise typer.BadParameter(f"{path} already exists; use --force to overwrite it")
    return path


def input_file(path: Path, *, suffixes: tuple[str, ...] = (), what: str = "the file") -> Path:
    """A file a command reads: it exists, is a file, and has an extension the command understands."""
    if not path.exists():
        raise typer.BadParameter(f"{path} does not exist")
    if path.is_dir():
        raise typer.BadParameter(f"{path} is a folder, not a file")
    _suffixes(path, suffixes, what)
    return path


# A table is read on a screen: the last rows, with a line saying how many more there are and how to see them.
# json and csv are for programs and list every row unless asked for fewer. Drawing thousands of rows as a
# table takes Rich seconds (6,101 ledger events: 0.8 s) and nobody reads them there.
TABLE_ROWS = 50


def limit_option(what: str) -> Any:
    return typer.Option(
        None,
        "--limit",
        min=1,
        max=MAX_ID,
        help=f"Show the last N {what} (a table shows the last {TABLE_ROWS} by default; json and csv, all).",
    )


def all_option(what: str) -> Any:
    return typer.Option(False, "--all", help=f"Show every one of the {what}, also in a table.")


def rows_wanted(limit: int | None, every: bool, table: bool) -> int | None:
    """How many of the last rows to show: None for all."""
    if every and limit is not None:
        raise typer.BadParameter("give --limit or --all, not both", param_hint="'--limit' / '--all'")
    if every:
        return None
    if limit is None and table:
        return TABLE_ROWS
    return limit


def shown_line(shown: int, total: int, word: str) -> str:
    """The line under a table: "3 notices." or "The last 50 of 6101 events: --limit N or --all for more."."""
    from models.vocab import plural

    if shown >= total:
        return f"{plural(total, word)}."
    return f"The last {shown} of {plural(total, word)}: --limit N or --all for more."

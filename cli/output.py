"""Rendering for the terminal: Rich tables for people, JSON and CSV for programs."""

from __future__ import annotations

import csv
import errno
import json
import sys
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from workbooks.cells import csv_safe


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


class _Console(Console):
    def on_broken_pipe(self) -> None:
        # Rich's own handling exits 1; the edge ends every command the same way when its reader is gone.
        self.quiet = True
        raise BrokenPipeError(errno.EPIPE, "the reader closed the pipe")


def _console(stderr: bool = False) -> Console:
    probe = Console(stderr=stderr)
    # Piped output (CI logs, `| less`) gets room for the table instead of the 80-column guess.
    width = None if probe.is_terminal else 150
    # soft_wrap: messages keep their lines whole (a hash split across lines cannot be copied).
    return _Console(stderr=stderr, highlight=False, width=width, soft_wrap=True)


def console() -> Console:
    return _console()


def err_console() -> Console:
    return _console(stderr=True)


def write_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def write_csv(rows: Sequence[Mapping[str, Any]], fields: Sequence[str]) -> None:
    """Every CSV the product writes goes through here: no field can open as a formula, and a field holding
    a line break is quoted (with RFC 4180's CRLF line ends; with LF alone the writer leaves a lone CR
    unquoted, which a reader takes for the end of the row)."""
    writer = csv.DictWriter(sys.stdout, fieldnames=list(fields), lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row.get(k) is None else csv_safe(row.get(k)) for k in fields})


def table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]], **kwargs: Any) -> Table:
    out = Table(title=title, title_justify="left", **kwargs)
    for column in columns:
        out.add_column(column, overflow="fold")
    for row in rows:
        # User text (titles, commentary) is never parsed as Rich markup: "[red]" stays literal.
        out.add_row(*(v if isinstance(v, Text) else Text("" if v is None else str(v)) for v in row))
    return out


RAG_STYLE = {"red": "bold red", "amber": "bold yellow", "green": "green"}


def rag_text(rag: str | None) -> Text:
    """RAG as a word, coloured: the word carries the meaning, the colour only helps."""
    if not rag:
        return Text("-")
    return Text(rag.upper(), style=RAG_STYLE[rag])

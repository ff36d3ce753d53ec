"""One sheet's cells -> typed values by their column's kind, every bad cell a Problem, none raised, so one
pass lists them all. Pure: the kinds are workbooks.format's, the text rules models.plans'."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from config.timezone import DEFAULT_TIMEZONE
from models.calendar import parse_nation
from models.console.roles import parse_roles
from models.errors import InvalidValue
from models.output.secrets import STORED
from models.plans import text_rules
from models.vocab import parse_audience, parse_day, parse_percent, parse_rag, parse_status, within_window
from workbooks.format import Column, Kind
from workbooks.problems import Problem
from workbooks.reader import Cell, RawSheet

# A row as read: its number, its cells by column name (to point at), its values by column name.
ReadRow = tuple[int, dict[str, Cell], dict[str, Any]]
SPLIT = re.compile(r"[;,]")
YES, NO = {"y", "yes", "true", "1"}, {"n", "no", "false", "0"}


class SheetRows:
    """Reads one sheet's cells by column kind, collecting problems instead of raising."""

    def __init__(self, file: str, raw: RawSheet | None, problems: list[Problem]) -> None:
        self.file, self.raw, self.problems = file, raw, problems

    def __iter__(self) -> Iterator[tuple[int, dict[str, Cell]]]:
        return iter(self.raw.cells if self.raw else [])

    def problem(
        self, row: int | None, cell: Cell | None, column: Column | None, value: Any, expected: str
    ) -> None:
        label = self.raw.label if self.raw else None
        where = cell.column if cell else (column.header if column else None)
        self.problems.append(Problem(self.file, label, row, where, value, expected))

    def read(self, columns: tuple[Column, ...]) -> list[ReadRow]:
        """Every row's values for the columns an import reads (not the export-only ones)."""
        return [
            (number, cells, {c.name: self.get(number, cells, c) for c in columns if not c.export_only})
            for number, cells in self
        ]

    def get(self, row: int, cells: dict[str, Cell], column: Column) -> Any:
        cell = cells.get(column.name)
        value = cell.value if cell else None
        if isinstance(value, str):
            value = value.strip()
        if value is None or value == "":
            if column.required:
                self.problem(row, cell, column, value, f"a value in {column.name} (required)")
            return None
        try:
            return _convert(column, value, cell.number_format if cell else None)
        except InvalidValue as exc:
            self.problem(row, cell, column, value, exc.expected)
        except (ValueError, TypeError) as exc:
            self.problem(row, cell, column, value, str(exc))
        return None


def _cell_text(value: Any, column: Column) -> str:
    """A cell as text, within its column's length. What the text may hold is for the column's rule."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"text in {column.name}")
    text = str(value) if not isinstance(value, float) or not value.is_integer() else str(int(value))
    if len(text) > column.max_length:
        raise ValueError(f"at most {column.max_length} characters in {column.name} (found {len(text)})")
    return text


def _fits(text: str, column: Column) -> str:
    # NFKC can lengthen a value (one ligature, several letters): the stored form must fit too.
    if len(text) > column.max_length:
        raise ValueError(f"at most {column.max_length} characters in {column.name} (found {len(text)})")
    return text


def _text(value: Any, column: Column) -> str:
    """Text for a vocabulary, a time zone or a link: no control or hidden characters at all."""
    return text_rules.token(_cell_text(value, column), column.name, f"a value in {column.name}")


def _day(value: Any, column: Column) -> date:
    # Excel hands over datetimes (and openpyxl dates); both are held to the window like typed dates.
    if isinstance(value, datetime):
        return within_window(value.date(), column.name)
    if isinstance(value, date):
        return within_window(value, column.name)
    if isinstance(value, str):
        return parse_day(value, column.name)
    raise ValueError("a date such as 2017-12-11 or 11/12/2017 (day first)")


def _parts(value: Any, column: Column) -> list[str]:
    return [p for p in SPLIT.split(_cell_text(value, column)) if p.strip()]


def _convert(column: Column, value: Any, number_format: str | None) -> Any:
    kind = column.kind
    converters: dict[Kind, Callable[[], Any]] = {
        Kind.TEXT: lambda: text_rules.free_text(_cell_text(value, column), column.name),
        Kind.CODE: lambda: _fits(text_rules.code(_cell_text(value, column), column.name), column),
        Kind.NAME: lambda: _fits(text_rules.name(_cell_text(value, column), column.name), column),
        Kind.EMAIL: lambda: _fits(text_rules.email_address(_cell_text(value, column), column.name), column),
        Kind.EMAILS: lambda: tuple(text_rules.email_address(p, column.name) for p in _parts(value, column)),
        Kind.REFS: lambda: tuple(text_rules.code(p, column.name) for p in _parts(value, column)),
        Kind.DATE: lambda: _day(value, column),
        Kind.STATUS: lambda: parse_status(_text(value, column), column.name),
        Kind.RAG: lambda: parse_rag(_text(value, column), column.name),
        Kind.PERCENT: lambda: _percent(value, number_format, column),
        Kind.YN: lambda: _yn(value, column),
        Kind.AUDIENCE: lambda: parse_audience(_text(value, column), column.name),
        Kind.NATION: lambda: parse_nation(_text(value, column)),
        Kind.TIMEZONE: lambda: _timezone(_text(value, column)),
        Kind.URL: lambda: _url(_text(value, column)),
        Kind.INT: lambda: int(value),
        Kind.ROLES: lambda: parse_roles(_text(value, column), column.name),
        Kind.DOCX: lambda: _docx(_text(value, column)),
    }
    return converters[kind]()


def _percent(value: Any, number_format: str | None, column: Column) -> int:
    if (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and number_format
        and "%" in number_format
    ):
        return parse_percent(str(round(float(value) * 100, 6)), column.name)
    if isinstance(value, str | int | float):
        return parse_percent(value, column.name)
    raise ValueError("a whole number from 0 to 100, such as 40 or 40%")


def _yn(value: Any, column: Column) -> bool:
    text = _text(value, column).strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueError("Y or N")


def _timezone(text: str) -> str:
    try:
        ZoneInfo(text.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"a time zone such as {DEFAULT_TIMEZONE}") from None
    return text.strip()


def _url(text: str) -> str:
    if text.strip().lower() == STORED:
        return STORED  # an export's placeholder for a secret: the import keeps the stored value
    if not re.match(r"^https://[^\s]+$", text.strip()):
        raise ValueError(f"an https:// address, or {STORED} to keep the stored one")
    return text.strip()


def _docx(text: str) -> str:
    # Only the name is checked here: the file itself is read and checked by the import's flows-level door.
    if not text.strip().lower().endswith(".docx"):
        raise ValueError("a Word template's file name ending .docx, e.g. our-report.docx")
    return text.strip()

"""What is wrong with a workbook, precisely enough to fix it: file, sheet, row, column, value, expected."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from enum import Enum

from models.errors import BadInput

MAX_SHOWN_VALUE = 60


def _shown(value: object) -> str:
    """A value as a person typed it: text quoted (its hidden characters escaped, so they can be seen),
    dates day first as the workbook takes them, never a Python repr such as datetime.date(2017, 12, 1)."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, datetime):
        return f"{value:%d/%m/%Y}" if value.time() == time() else f"{value:%d/%m/%Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, tuple | list):
        return "; ".join(_shown(v) for v in value)
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a workbook (a cell, a row, a sheet or the file): the import's only Problem, so
    the reader, the cell values and the row rules all report alike. The ledger's chain break is another."""

    file: str
    sheet: str | None
    row: int | None
    column: str | None
    value: object
    expected: str

    @property
    def where(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(f"sheet {self.sheet}")
        if self.row:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts)

    @property
    def shown_value(self) -> str:
        if self.value is None or self.value == "":
            return "(empty)"
        text = _shown(self.value)
        return text if len(text) <= MAX_SHOWN_VALUE else text[: MAX_SHOWN_VALUE - 3] + "..."

    def __str__(self) -> str:
        return f"{self.where}: found {self.shown_value}, expected {self.expected}"


class ImportRejected(BadInput):
    """Nothing was changed: every problem found is listed."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        count = len(problems)
        first = f"; the first: {problems[0]}" if problems else ""
        super().__init__(
            f"The workbook has {count} problem{'s' * (count != 1)}, so nothing was imported{first}."
        )
        self.details = tuple(str(p) for p in problems)

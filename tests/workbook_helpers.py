"""Building workbooks for tests the way a person would: start from the template, then edit cells."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import openpyxl

from workbooks.format import SHEETS
from workbooks.writer import write_template


def template_rows(tmp: Path) -> dict[str, list[list[Any]]]:
    """The template's sheets as lists of rows (header first)."""
    path = tmp / "template.xlsx"
    write_template(path)
    book = openpyxl.load_workbook(path)
    return {s.name: [list(r) for r in book[s.name].iter_rows(values_only=True)] for s in SHEETS}


def write_xlsx(
    path: Path, sheets: dict[str, list[list[Any]]], formats: dict[tuple[str, str], str] | None = None
) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
    for (sheet, cell), number_format in (formats or {}).items():
        book[sheet][cell].number_format = number_format
    book.save(path)
    return path


def write_csv_folder(folder: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in sheets.items():
        with (folder / f"{name.lower()}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            for row in rows:
                writer.writerow(
                    [
                        "" if v is None else (v.strftime("%d/%m/%Y") if hasattr(v, "strftime") else v)
                        for v in row
                    ]
                )
    return folder


def column(rows: list[list[Any]], name: str) -> int:
    return [str(h).rstrip("*") for h in rows[0]].index(name)

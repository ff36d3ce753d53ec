"""Writing workbooks: the blank template a secretariat fills in, and the export of a plan as it stands. Both
come from `workbooks.format`, so the columns, drop-downs and `Read me` sheet never drift from the import."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from config.timezone import DEFAULT_TIMEZONE
from models.calendar import NATIONS
from models.output.files import replacing
from models.vocab import RAG, Audience, Status
from workbooks.cells import looks_like_formula
from workbooks.format import README_SHEET, SHEETS, UPDATES_SHEET, Column, Kind, Sheet

LISTS = {
    Kind.STATUS: [s.value for s in Status],
    Kind.RAG: [r.value for r in RAG],
    Kind.YN: ["Y", "N"],
    Kind.AUDIENCE: [a.value for a in Audience],
    Kind.NATION: list(NATIONS),
}
RAG_FILL = {"red": "F4B6B6", "amber": "FFE08A", "green": "B9E0B0"}  # the word is always there as well
DATE_FORMAT = "dd/mm/yyyy"
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
EXPORT_ONLY_FILL = PatternFill("solid", fgColor="6E6E6E")
README_HEADER_FONT = Font(bold=True)
RAG_COLUMNS = ("rag", "derived_rag")
MAX_VALIDATED_ROW = 20_000

# The example is a plan of its own (its name, organisation and refs are nobody else's): importing the
# template unedited, even into a database holding other plans, adds the example and changes nothing else.
EXAMPLE_PLAN = "Example Improvement Plan"
EXAMPLE: dict[str, list[Any]] = {
    "Plan": [EXAMPLE_PLAN, "Example Council Children's Services", "ENG", DEFAULT_TIMEZONE],
    "People": [
        "owner@example.org",
        "Head of Quality Assurance",
        "Head of Service",
        "director@example.org",
        "",
        None,
        None,
        "",
        "member",
    ],
    "Areas": ["MOQA", "Management oversight and quality assurance", "Performance", "owner@example.org"],
    "Actions": [
        "EX-01",
        "Monthly case audit programme with findings to team managers",
        "MOQA",
        "owner@example.org",
        date(2017, 9, 29),
        date(2017, 9, 4),
        "in progress",
        "green",
        "40%",
        "N",
        date(2017, 9, 18),
        "",
        "",
    ],
    "Milestones": [
        "EX-MS-01",
        "Improvement plan submitted to the inspectorate",
        date(2017, 12, 11),
        "director@example.org",
        "EX-01",
        "not started",
    ],
    "Boards": [
        "Improvement Board",
        "secretariat@example.org",
        "director@example.org",
        "director@example.org; owner@example.org",
        "",
        "",
    ],
    "Meetings": ["Improvement Board", date(2017, 10, 3), "MOQA", "board"],
}
EXAMPLE_EXTRA_PEOPLE = [
    ["director@example.org", "Director of Children's Services", "Director", "", "", None, None, "", "chair"],
    [
        "secretariat@example.org",
        "Improvement Programme Manager",
        "Board secretariat",
        "director@example.org",
        "",
        None,
        None,
        "",
        "secretariat",
    ],
]


def _writable(row: Sequence[Any]) -> list[Any]:
    """The row with the characters no .xlsx can hold (control characters stored before the text rules
    refused them at the door) replaced by U+FFFD, so old data never stops an export."""
    return [ILLEGAL_CHARACTERS_RE.sub("\ufffd", v) if isinstance(v, str) else v for v in row]


def _append(ws: Worksheet, values: Sequence[Any]) -> None:
    """One row, its text kept as text: openpyxl would store `=HYPERLINK(...)` as a live formula. The
    quote prefix keeps it text when someone edits the cell in Excel too."""
    ws.append(list(values))
    for cell in ws[ws.max_row]:
        if looks_like_formula(cell.value):
            cell.data_type = "s"
            cell.quotePrefix = True


def _columns(sheet: Sheet, export: bool) -> list[Any]:
    return [c for c in sheet.columns if export or not c.export_only]


def _choices(column: Column) -> DataValidation | None:
    """A drop-down for the column: a fixed vocabulary, or another sheet's column (owners from People, ...),
    growing as rows are added there."""
    # Another sheet's values are offered, not enforced: the import checks them, and may know people the sheet
    # does not list.
    if column.kind in LISTS:
        return DataValidation(
            type="list",
            formula1='"' + ",".join(LISTS[column.kind]) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=f"{column.name}",
            error="Choose one of the listed values.",
        )
    if column.choices is None:
        return None
    sheet_name, column_name = column.choices
    source = next(s for s in SHEETS if s.name == sheet_name)
    letter = get_column_letter(source.columns.index(source[column_name]) + 1)
    quoted = sheet_name if sheet_name.isalnum() else quote_sheetname(sheet_name)
    where = f"{quoted}!${letter}"
    return DataValidation(
        type="list",
        formula1=f"OFFSET({where}$2,0,0,MAX(1,COUNTA({where}:${letter})-1),1)",
        allow_blank=True,
        showErrorMessage=False,
        promptTitle=column.name,
        prompt=f"Choose from the {sheet_name} sheet's {column_name} column, or type one.",
        showInputMessage=True,
    )


def _header(ws: Worksheet, columns: Sequence[Column] = ()) -> None:
    """Headers stand out and stay in view; an export-only column's is grey: the import ignores it."""
    ignored = {index for index, column in enumerate(columns) if column.export_only}
    for index, cell in enumerate(ws[1]):
        cell.font, cell.fill = HEADER_FONT, EXPORT_ONLY_FILL if index in ignored else HEADER_FILL
        cell.alignment = Alignment(vertical="center")
    ws.freeze_panes = "A2"


def _sheet(book: Workbook, sheet: Sheet, rows: Iterable[Sequence[Any]], export: bool) -> Worksheet:
    ws = book.create_sheet(sheet.name)
    columns = _columns(sheet, export)
    ws.append([c.header for c in columns])
    _header(ws, columns)
    count = 1
    for row in rows:
        _append(ws, _writable(row))
        count += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count}"
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        width = column.width or max(
            12, min(60, len(column.header) + 4, *(len(str(c.value or "")) + 2 for c in ws[letter][:200]))
        )
        ws.column_dimensions[letter].width = width
        if column.width:  # the long text columns: wide, and wrapped rather than cut off
            for cell in ws[letter][1:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        if column.kind == Kind.DATE:
            for cell in ws[letter][1:]:
                cell.number_format = DATE_FORMAT
        validation = None if column.export_only else _choices(column)
        if validation is not None:
            ws.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{max(count, MAX_VALIDATED_ROW)}")
        if column.name in RAG_COLUMNS:
            for cell in ws[letter][1:]:
                if isinstance(cell.value, str) and cell.value in RAG_FILL:
                    cell.fill = PatternFill("solid", fgColor=RAG_FILL[cell.value])
    return ws


def _readme(book: Workbook, intro: list[str]) -> None:
    ws = book.create_sheet(README_SHEET, 0)
    for line in intro:
        _append(ws, [line])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([])
    ws.append(["Sheet", "Column", "Required", "What it holds"])
    for cell in ws[ws.max_row]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    for sheet in SHEETS:
        ws.append([sheet.name, "", "yes" if sheet.required else "no", sheet.help])
        ws[ws.max_row][0].font = README_HEADER_FONT
        for column in sheet.columns:
            ws.append(["", column.name, "yes" if column.required else "", column.described])
    for letter, width in zip("ABCD", (14, 20, 10, 90), strict=True):
        ws.column_dimensions[letter].width = width
    for row in ws.iter_rows(min_row=1):
        row[-1].alignment = Alignment(wrap_text=True, vertical="top")


TEMPLATE_INTRO = [
    "Line of Sight plan workbook",
    "Fill in one row per item on each sheet, then run: lineofsight import THIS_FILE.xlsx",
    "(run it with --dry-run first: it lists every problem and changes nothing).",
    "Columns marked * are required. Dates: 11/12/2017 (day first) or 2017-12-11. Percent: 40, 40% or 0.4.",
    "Emails join the sheets together: every owner, lead, manager, deputy and board member",
    "needs a row on the People sheet.",
    "The example rows are a plan of their own (Example Improvement Plan): change them or delete them.",
    "Owner, lead, area and board columns offer drop-downs from the People, Areas and Boards sheets.",
    "Re-importing later records every change. The workbook owns each item's structure (title, area, owner,",
    "dates); owners' updates own its progress (status, RAG, percent, last update): on re-import, progress",
    "applies only where no owner's update is newer. Columns marked export only are ignored by the import.",
]


def write_template(path: Path) -> None:
    book = Workbook()
    book.remove(book.active)
    _readme(book, TEMPLATE_INTRO)
    for sheet in SHEETS:
        rows = [EXAMPLE[sheet.name]] + (EXAMPLE_EXTRA_PEOPLE if sheet.name == "People" else [])
        _sheet(book, sheet, rows, export=False)
    with replacing(path) as handle:
        book.save(handle)


def write_export(
    path: Path, sheets: dict[str, list[list[Any]]], updates: list[list[Any]], intro: list[str]
) -> None:
    book = Workbook()
    book.remove(book.active)
    _readme(book, intro)
    for sheet in SHEETS:
        _sheet(book, sheet, sheets.get(sheet.name, []), export=True)
    ws = book.create_sheet(UPDATES_SHEET)
    ws.append(["ref", "at (UTC)", "by", "status", "rag", "percent", "commentary", "evidence"])
    _header(ws)
    ws.auto_filter.ref = f"A1:H{len(updates) + 1}"
    for row in updates:
        _append(ws, _writable(row))
        rag = ws.cell(ws.max_row, 5)
        if isinstance(rag.value, str) and rag.value in RAG_FILL:
            rag.fill = PatternFill("solid", fgColor=RAG_FILL[rag.value])
    for letter, width in zip("ABCDEFGH", (10, 20, 30, 12, 8, 8, 80, 40), strict=True):
        ws.column_dimensions[letter].width = width
    with replacing(path) as handle:
        book.save(handle)

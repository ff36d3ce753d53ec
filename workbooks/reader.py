"""Reading a workbook (.xlsx) or a folder of CSV files into raw rows, each cell remembering where it was, so
every problem can point at it; nothing is interpreted here (`workbooks.validate` does that)."""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbooks.format import SHEETS, Sheet
from workbooks.problems import ImportRejected, Problem

OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # encrypted .xlsx and old .xls files are OLE compound documents
MAX_ROWS = 200_000

# Limits checked before anything is parsed: openpyxl parses whatever the zip inflates to, so a small file can
# ask for gigabytes (a zip bomb). A plan of 100,000 actions stays well inside every one of them.
MB = 1024 * 1024
MAX_XLSX_MB = 32  # the .xlsx file on disk
MAX_INFLATED_MB = 256  # every member of the archive, inflated, together
MAX_SHARED_STRINGS_MB = 48  # the shared-strings table, which openpyxl holds in memory whole
MAX_RATIO = 100  # inflated / compressed size of any member above RATIO_FLOOR_MB (Excel's XML: 5 to 20)
RATIO_FLOOR_MB = 1
MAX_MEMBERS = 1_000
# Excel writes only stored or deflated members; zipfile caps deflate at the declared size, which a lying
# header cannot exceed (the CRC then fails), while bzip2 and LZMA inflate a whole chunk at once.
ZIP_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}
MAX_CSV_MB = 64  # each CSV file
MAX_CSV_LINE_CHARS = 1_000_000  # one line of a CSV file (a row of the plan is a few hundred)
SAY_EVERY = 1_000  # rows between two progress lines


def _quiet(_: str) -> None:
    return None


@dataclass(frozen=True, slots=True)  # one per cell of a sheet: 1.3 million for 100,000 actions
class Cell:
    column: str  # a letter in Excel, the header name in CSV
    value: Any
    number_format: str | None = None


@dataclass
class RawSheet:
    sheet: Sheet
    label: str  # the sheet's name as found, or the CSV file's name
    cells: list[tuple[int, dict[str, Cell]]] = field(default_factory=list)  # (row number, column -> cell)
    unknown_headers: list[str] = field(default_factory=list)
    present: set[str] = field(default_factory=set)


@dataclass
class RawWorkbook:
    file: str
    sheets: dict[str, RawSheet]
    problems: list[Problem]
    warnings: list[str]


def _canonical(header: object) -> str:
    return str(header).strip().rstrip("*").strip().lower().replace(" ", "_") if header is not None else ""


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _take(
    book: RawWorkbook, sheet: Sheet, label: str, rows: Any, letters: bool, say: Callable[[str], None]
) -> None:
    """Map one sheet's header row to the format's columns, then collect its non-empty rows."""
    raw = RawSheet(sheet, label)
    header_row: list[Any] | None = None
    mapping: dict[int, tuple[str, str]] = {}  # position -> (column name, where)
    for number, row in enumerate(rows, start=1):
        values = [c.value if hasattr(c, "value") else c for c in row]
        if header_row is None:
            if all(_blank(v) for v in values):
                continue  # blank lines above the headers
            header_row = values
            if letters:  # openpyxl is loaded only for .xlsx files (it takes a second to import)
                from openpyxl.utils import get_column_letter
            seen: dict[str, int] = {}
            for position, header in enumerate(values):
                name = _canonical(header)
                if not name:
                    continue
                where = get_column_letter(position + 1) if letters else str(header).strip()
                if sheet.column(name) is None:
                    raw.unknown_headers.append(str(header).strip())
                elif name in seen:
                    book.problems.append(
                        Problem(book.file, label, number, where, header, f"each column once ({name} repeats)")
                    )
                else:
                    seen[name] = position
                    mapping[position] = (name, where)
            raw.present = set(seen)
            continue
        if number - 1 > MAX_ROWS:
            book.problems.append(Problem(book.file, label, number, None, None, f"at most {MAX_ROWS:,} rows"))
            break
        cells: dict[str, Cell] = {}
        for position, (name, where) in mapping.items():
            if position < len(row):
                cell = row[position]
                value = cell.value if hasattr(cell, "value") else cell
                fmt = getattr(cell, "number_format", None)
                cells[name] = Cell(where, value, fmt)
        if any(not _blank(c.value) for c in cells.values()):
            raw.cells.append((number, cells))
        if number % SAY_EVERY == 0:
            say(f"Reading {label}: {number:,} rows")
    if header_row is None:
        if sheet.required:
            book.problems.append(
                Problem(book.file, label, None, None, None, "a header row, then one row per item")
            )
        return
    for column in sheet.columns:
        if column.required and column.name not in raw.present:
            book.problems.append(
                Problem(book.file, label, 1, column.header, None, f"a column headed {column.name!r}")
            )
    if raw.unknown_headers:
        book.warnings.append(f"{label}: ignored unknown columns {', '.join(raw.unknown_headers)}")
    book.sheets[sheet.name] = raw


def read_workbook(path: Path, say: Callable[[str], None] = _quiet) -> RawWorkbook:
    """`say` hears how far the reading has got (every SAY_EVERY rows), for a progress line."""
    if not path.exists():
        raise ImportRejected(
            [Problem(str(path), None, None, None, None, "an existing .xlsx file or CSV folder")]
        )
    if path.is_dir():
        return _read_csv_folder(path, say)
    return _read_xlsx(path, say)


def _read_xlsx(path: Path, say: Callable[[str], None]) -> RawWorkbook:
    import openpyxl

    book = RawWorkbook(path.name, {}, [], [])
    if path.stat().st_size > MAX_XLSX_MB * MB:
        raise _refuse(path.name, f"an .xlsx file of at most {MAX_XLSX_MB} MB")
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic == OLE_MAGIC:
        expected = "an .xlsx workbook without a password (this is password-protected, or an old .xls file)"
        raise ImportRejected([Problem(path.name, None, None, None, None, expected)])
    if not zipfile.is_zipfile(path):
        raise ImportRejected([Problem(path.name, None, None, None, None, "an Excel .xlsx workbook")])
    _check_archive(path)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged files; all mean the same to a user
        expected = f"a readable Excel .xlsx workbook ({type(exc).__name__})"
        raise ImportRejected([Problem(path.name, None, None, None, None, expected)]) from None
    try:
        by_name = {name.strip().lower(): name for name in workbook.sheetnames}
        for sheet in SHEETS:
            found = by_name.get(sheet.name.lower())
            if found is None:
                if sheet.required:
                    book.problems.append(
                        Problem(path.name, sheet.name, None, None, None, f"a sheet named {sheet.name}")
                    )
                continue
            worksheet = workbook[found]
            if hasattr(worksheet, "reset_dimensions"):  # a chart sheet has none
                # Read-only mode believes the sheet's own <dimension> and stops there: read every row.
                worksheet.reset_dimensions()
            try:
                _take(book, sheet, found, worksheet.iter_rows(), letters=True, say=say)
            except Exception as exc:
                expected = f"a readable sheet ({type(exc).__name__}: {exc})"
                book.problems.append(Problem(path.name, found, None, None, None, expected))
    finally:
        workbook.close()
    return book


def _refuse(file: str, expected: str) -> ImportRejected:
    return ImportRejected([Problem(file, None, None, None, None, expected)])


def _check_archive(path: Path) -> None:
    """Refuse, before parsing, an archive that would inflate past the limits (from the sizes its directory
    declares: zipfile never inflates a member past its declared size)."""
    name = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _refuse(name, f"a readable Excel .xlsx workbook ({type(exc).__name__})") from None
    if len(members) > MAX_MEMBERS:
        raise _refuse(name, f"an .xlsx archive of at most {MAX_MEMBERS:,} parts (this has {len(members):,})")
    total = 0
    for member in members:
        size, packed = member.file_size, member.compress_size
        if member.compress_type not in ZIP_METHODS:
            raise _refuse(name, f"an .xlsx archive whose parts are stored or deflated ({member.filename})")
        if size > RATIO_FLOOR_MB * MB and size > MAX_RATIO * max(packed, 1):
            raise _refuse(
                name,
                f"an .xlsx archive whose parts inflate at most {MAX_RATIO} times ({member.filename} inflates "
                f"{size // max(packed, 1):,} times: a zip bomb?)",
            )
        if member.filename.lower().endswith("sharedstrings.xml") and size > MAX_SHARED_STRINGS_MB * MB:
            raise _refuse(
                name, f"a shared-strings table of at most {MAX_SHARED_STRINGS_MB} MB ({size // MB:,} MB)"
            )
        total += size
    if total > MAX_INFLATED_MB * MB:
        raise _refuse(
            name, f"an .xlsx workbook inflating to at most {MAX_INFLATED_MB} MB ({total // MB:,} MB)"
        )


class _CsvTrouble(Exception):
    """A CSV file that turned out, while streaming it, not to be text within the limits."""


def _csv_lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        try:
            while line := handle.readline(MAX_CSV_LINE_CHARS + 1):
                if len(line) > MAX_CSV_LINE_CHARS:
                    raise _CsvTrouble(f"lines of at most {MAX_CSV_LINE_CHARS:,} characters")
                if "\x00" in line:
                    raise _CsvTrouble("a text CSV file (this one is binary)")
                yield line
        except UnicodeDecodeError:
            raise _CsvTrouble("a CSV file saved as UTF-8") from None


def _read_csv_folder(folder: Path, say: Callable[[str], None]) -> RawWorkbook:
    book = RawWorkbook(folder.name, {}, [], [])
    files = {p.name.lower(): p for p in folder.iterdir() if p.suffix.lower() == ".csv"}
    for sheet in SHEETS:
        path = files.get(sheet.csv_name)
        if path is None:
            if sheet.required:
                book.problems.append(
                    Problem(folder.name, sheet.csv_name, None, None, None, f"a file {sheet.csv_name}")
                )
            continue
        if path.stat().st_size > MAX_CSV_MB * MB:
            book.problems.append(
                Problem(path.name, None, None, None, None, f"a CSV file of at most {MAX_CSV_MB} MB")
            )
            continue
        # Streamed, never read whole: a file is checked line by line as its rows are taken.
        try:
            _take(book, sheet, path.name, csv.reader(_csv_lines(path)), letters=False, say=say)
        except _CsvTrouble as trouble:
            book.sheets.pop(sheet.name, None)
            book.problems.append(Problem(path.name, None, None, None, None, str(trouble)))
        except csv.Error as exc:
            book.sheets.pop(sheet.name, None)
            book.problems.append(Problem(path.name, None, None, None, None, f"well-formed CSV ({exc})"))
    return book

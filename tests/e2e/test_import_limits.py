"""What a workbook can make `lineofsight import` do: zip bombs are refused before anything is parsed, with
the file and the limit named, and the peak memory of the real command (a child process, measured by the
kernel) stays under 500 MB; a sheet whose <dimension> understates its rows loses none of them; a CSV file
past its size limit is refused."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.plan import Action
from tests.workbook_helpers import column, template_rows, write_csv_folder, write_xlsx
from tests.zip_bombs import Bomb, members_of, write_zip
from workbooks import reader
from workbooks.writer import write_template

LINEOFSIGHT = str(Path(sys.executable).parent / "lineofsight")
PEAK_MB = 500
# Should a guard fail, the child dies at these rather than take the machine (or the afternoon).
ADDRESS_SPACE_CAP = 3 * 1024**3
CPU_SECONDS_CAP = 90
SHEET = "xl/worksheets/sheet5.xml"  # the template's Actions sheet
NS = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
MB = 1024 * 1024
STRINGS_TYPE = (
    b'<Override PartName="/xl/sharedStrings.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)


def _cap() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_CAP, ADDRESS_SPACE_CAP))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS_CAP, CPU_SECONDS_CAP))


def run_import(path: Path, database: Path, tmp_path: Path) -> tuple[int, str, float]:
    """`lineofsight import PATH` in a child process: exit code, output, and its peak resident memory in MB."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINEOFSIGHT_")}
    env |= {"LINEOFSIGHT_DATABASE_URL": f"sqlite:///{database}", "COLUMNS": "300"}
    with (tmp_path / "out.txt").open("w+") as out:
        child = subprocess.Popen(
            [LINEOFSIGHT, "import", str(path)], stdout=out, stderr=out, env=env, preexec_fn=_cap
        )
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read()
    return child.returncode, " ".join(text.split()), usage.ru_maxrss / 1024  # Linux reports kilobytes


@pytest.fixture
def database(sqlite_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "lineofsight.db"
    shutil.copy(sqlite_template, path)
    return path


@pytest.fixture
def template(tmp_path: Path) -> dict[str, bytes]:
    write_template(tmp_path / "template.xlsx")
    return members_of(tmp_path / "template.xlsx")


def _with_strings(members: dict[str, bytes], strings: Bomb) -> dict[str, bytes | Bomb]:
    types = members["[Content_Types].xml"].replace(b"</Types>", STRINGS_TYPE + b"</Types>")
    return {**members, "[Content_Types].xml": types, "xl/sharedStrings.xml": strings}


# Each bomb as the issue found them: a 4 MB workbook inflating to 4 GB (one text cell), a 2 MB sheet of one
# row with 130 million cells, a 4 MB shared-strings table of 98 million strings.
BOMBS = {
    "four-gigabytes": lambda m: {
        **m,
        SHEET: Bomb(
            NS + b'<row r="1"><c r="A1" t="inlineStr"><is><t>',
            b"A" * MB,
            3_900,
            b"</t></is></c></row></sheetData></worksheet>",
        ),
    },
    "sheet": lambda m: {
        **m,
        SHEET: Bomb(
            NS + b'<row r="1">', b"<c><v>1</v></c>" * 65_536, 2_000, b"</row></sheetData></worksheet>"
        ),
    },
    "shared-strings": lambda m: _with_strings(
        m,
        Bomb(
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">',
            b"<si><t>xy</t></si>" * 65_536,
            1_500,
            b"</sst>",
        ),
    ),
}


@pytest.mark.parametrize("kind", list(BOMBS))
def test_zip_bombs_are_refused_before_parsing(
    kind: str, template: dict[str, bytes], database: Path, tmp_path: Path
) -> None:
    bomb = write_zip(tmp_path / f"{kind}.xlsx", BOMBS[kind](template))
    assert bomb.stat().st_size < 5 * MB
    code, output, peak = run_import(bomb, database, tmp_path)
    print(f"{kind}: {bomb.stat().st_size / MB:.1f} MB file, peak memory {peak:.0f} MB, exit {code}")
    assert code == 2, output
    assert f"{kind}.xlsx" in output and f"inflate at most {reader.MAX_RATIO} times" in output
    assert "Traceback" not in output and "Unexpected" not in output
    assert peak < PEAK_MB


def test_a_lying_size_in_the_archive_is_caught_by_its_checksum(
    template: dict[str, bytes], database: Path, tmp_path: Path
) -> None:
    """The directory says 10 kB, the stream inflates to 1 GB: zipfile never inflates past the declared size,
    and the checksum of what it did inflate fails, so the workbook is refused as unreadable."""
    strings = Bomb(b"<sst>", b"<si><t>x</t></si>" * 65_536, 1_000, b"</sst>", declared=10_000)
    liar = write_zip(tmp_path / "liar.xlsx", _with_strings(template, strings))
    code, output, peak = run_import(liar, database, tmp_path)
    print(f"lying header: peak memory {peak:.0f} MB, exit {code}")
    assert code == 2 and "liar.xlsx" in output and "a readable Excel .xlsx workbook (BadZipFile)" in output
    assert peak < PEAK_MB


def test_archive_limits_each_name_the_limit(template: dict[str, bytes], tmp_path: Path) -> None:
    """The other limits, read in-process: each refuses from the archive's directory alone."""
    plain = os.urandom(20_000) + b"x" * (MB - 20_000)  # inflates about 50 times: no bomb by its ratio
    parts = {f"x/{i}.xml": b"" for i in range(reader.MAX_MEMBERS)}
    bzip = tmp_path / "bzip.xlsx"
    shutil.copy(tmp_path / "template.xlsx", bzip)
    with zipfile.ZipFile(bzip, "a", compression=zipfile.ZIP_BZIP2) as archive:
        archive.writestr("xl/extra.xml", b"<x/>")
    big = tmp_path / "big.xlsx"
    big.write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip...
    with big.open("r+b") as handle:
        handle.truncate(reader.MAX_XLSX_MB * MB + 1)  # ...grown, sparsely, past the limit
    cases = {
        "parts": (
            write_zip(tmp_path / "parts.xlsx", {**template, **parts}),
            f"at most {reader.MAX_MEMBERS:,} parts",
        ),
        "strings": (
            write_zip(
                tmp_path / "strings.xlsx", _with_strings(template, Bomb(b"<sst>", plain, 50, b"</sst>"))
            ),
            f"a shared-strings table of at most {reader.MAX_SHARED_STRINGS_MB} MB (50 MB)",
        ),
        "total": (
            write_zip(tmp_path / "total.xlsx", {**template, SHEET: Bomb(NS, plain, 260, b"</sheetData>")}),
            f"inflating to at most {reader.MAX_INFLATED_MB} MB (260 MB)",
        ),
        "methods": (bzip, "stored or deflated (xl/extra.xml)"),
        "file": (big, f"an .xlsx file of at most {reader.MAX_XLSX_MB} MB"),
    }
    for path, expected in cases.values():
        with pytest.raises(reader.ImportRejected) as refused:
            reader.read_workbook(path)
        assert expected in str(refused.value) and path.name in str(refused.value)


def test_rows_past_the_sheets_dimension_are_read(engine: Engine, tmp_path: Path) -> None:
    """openpyxl's read-only mode stops at the <dimension> a sheet declares: a row past it must still count."""
    from workbooks.plan_workbook import import_workbook

    sheets = template_rows(tmp_path)
    actions = sheets["Actions"]
    second = list(actions[1])
    second[column(actions, "ref")] = "TAP-02"
    actions.append(second)
    honest = write_xlsx(tmp_path / "honest.xlsx", sheets)
    members = members_of(honest)
    sheet = next(n for n in members if n.startswith("xl/worksheets/") and b"TAP-02" in members[n])
    assert b'<dimension ref="A1:' in members[sheet]
    # The last row of the dimension (A1:M3) set to 2: every column still inside, TAP-02's row outside.
    start = members[sheet].index(b'<dimension ref="') + len(b'<dimension ref="')
    end = members[sheet].index(b'"', start)
    wide = members[sheet][start:end].rstrip(b"0123456789")
    members[sheet] = members[sheet][:start] + wide + b"2" + members[sheet][end:]
    shrunk = write_zip(tmp_path / "shrunk.xlsx", dict(members))
    import_workbook(engine, shrunk, actor="test")
    with Session(engine) as session:
        refs = sorted(a.ref for a in session.exec(select(Action)))
    assert refs == ["EX-01", "TAP-02"]


def test_a_csv_file_past_its_limits_is_refused(tmp_path: Path) -> None:
    folder = write_csv_folder(tmp_path / "plan", template_rows(tmp_path))
    with (folder / "actions.csv").open("a") as handle:
        handle.truncate(reader.MAX_CSV_MB * MB + 1)  # sparse: nothing written to the disk
    problems = [str(p) for p in reader.read_workbook(folder).problems]
    assert problems == [f"actions.csv: found (empty), expected a CSV file of at most {reader.MAX_CSV_MB} MB"]
    (folder / "actions.csv").write_text("ref," + "x," * reader.MAX_CSV_LINE_CHARS + "\n")
    problems = [str(p) for p in reader.read_workbook(folder).problems]
    assert problems == [
        f"actions.csv: found (empty), expected lines of at most {reader.MAX_CSV_LINE_CHARS:,} characters"
    ]

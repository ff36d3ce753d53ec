"""Hypothesis-generated workbooks and CSV folders: whatever arrives, the import either succeeds or rejects
the whole file with located problems. Never a traceback, never a partial import."""

from __future__ import annotations

import string
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from openpyxl.utils.exceptions import IllegalCharacterError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.audit import AuditEvent
from models.errors import LineOfSightError
from models.people import Person
from models.plan import Action, Milestone, Update
from tests.workbook_helpers import template_rows, write_csv_folder
from workbooks.format import SHEETS
from workbooks.plan_workbook import import_workbook
from workbooks.problems import ImportRejected

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

cell_values = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.text(alphabet=st.characters(categories=["Cc"]), min_size=1, max_size=5),  # control characters
    st.text(alphabet="\u05d0\u05d1\u05d2\u0627\u0644\u200f\u202e", min_size=1, max_size=20),  # right-to-left
    st.text(alphabet=string.ascii_letters, min_size=5000, max_size=6000),  # huge strings
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=date(1900, 3, 1), max_value=date(2100, 1, 1)),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2100, 1, 1)),
    st.sampled_from(
        [
            "=1/0",
            "=SUM(A1:A3)",
            "31/02/2017",
            "2017-13-45",
            "Dec 11 2017",
            "11.12.2017",
            "40 %",
            "0.4",
            "y",
            "N",
            "RED",
            "in_progress",
            "person@",
            "@example.org",
            "a@b.c;d@e.f",
            "TAP-01",
            "MOQA",
            "owner@example.org",
        ]
    ),
)
edits = st.lists(
    st.tuples(st.sampled_from([s.name for s in SHEETS]), st.integers(0, 4), st.integers(0, 14), cell_values),
    min_size=1,
    max_size=8,
)
structure = st.sampled_from(
    ["none", "drop_sheet", "empty_sheet", "merge", "extra_blank_rows", "only_headers"]
)


def _snapshot(engine: Engine) -> tuple[int, ...]:
    with Session(engine) as session:
        return tuple(
            session.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in (Action, Milestone, Update, Person, AuditEvent)
        )


def _apply(sheets: dict[str, list[list[Any]]], changes: list[tuple[str, int, int, Any]]) -> None:
    for sheet, row, col, value in changes:
        rows = sheets[sheet]
        while len(rows) <= row:
            rows.append([None] * len(rows[0]))
        while len(rows[row]) <= col:
            rows[row].append(None)
        rows[row][col] = value


def _check(engine: Engine, path: Path) -> None:
    before = _snapshot(engine)
    try:
        import_workbook(engine, path, actor="fuzz")
    except ImportRejected as rejected:
        assert rejected.problems and all(p.expected for p in rejected.problems)
        assert _snapshot(engine) == before, "a rejected import changed the database"
    except LineOfSightError:
        assert _snapshot(engine) == before


@pytest.fixture
def base(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[list[Any]]]:
    return template_rows(tmp_path_factory.mktemp("template"))


@FUZZ
@given(changes=edits, shape=structure, data=st.data())
def test_fuzzed_workbooks(engine: Engine, base, tmp_path_factory, changes, shape, data) -> None:
    sheets = {k: [list(r) for r in v] for k, v in base.items()}
    _apply(sheets, changes)
    target = data.draw(st.sampled_from([s.name for s in SHEETS]))
    if shape == "drop_sheet":
        del sheets[target]
    elif shape == "empty_sheet":
        sheets[target] = []
    elif shape == "only_headers":
        sheets[target] = sheets[target][:1]
    elif shape == "extra_blank_rows":
        sheets[target] = [[None], [None], *sheets[target]]
    book = openpyxl.Workbook()
    book.remove(book.active)
    try:
        for name, rows in sheets.items():
            ws = book.create_sheet(name)
            for row in rows:
                ws.append(row)
            if shape == "merge" and name == target and ws.max_row >= 2:
                ws.merge_cells("A2:C2")
    except (IllegalCharacterError, ValueError, TypeError):
        assume(False)  # openpyxl itself cannot write that value into a workbook
    path = tmp_path_factory.mktemp("fuzz") / "plan.xlsx"
    book.save(path)
    _check(engine, path)


@FUZZ
@given(changes=edits, junk=st.one_of(st.none(), st.binary(min_size=1, max_size=200)), data=st.data())
def test_fuzzed_csv_folders(engine: Engine, base, tmp_path_factory, changes, junk, data) -> None:
    sheets = {k: [list(r) for r in v] for k, v in base.items()}
    _apply(sheets, changes)
    folder = write_csv_folder(tmp_path_factory.mktemp("csv") / "plan", sheets)
    if junk is not None:
        target = data.draw(st.sampled_from([s.csv_name for s in SHEETS]))
        (folder / target).write_bytes(junk)
    _check(engine, folder)


@FUZZ
@given(content=st.binary(max_size=300))
def test_arbitrary_bytes_are_not_a_workbook(engine: Engine, tmp_path_factory, content: bytes) -> None:
    path = tmp_path_factory.mktemp("bytes") / "plan.xlsx"
    path.write_bytes(content)
    _check(engine, path)

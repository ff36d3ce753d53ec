"""The workbook import applies the rules of models.plans.text_rules and the date window: hidden and lookalike
identifiers, addresses no mail server takes, far dates and self-deputies are refused with the sheet, row,
column and value, in an .xlsx workbook and in a CSV folder alike. Pure: files in, problems out."""

from __future__ import annotations

import copy
import unicodedata
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.workbook_helpers import column, template_rows, write_csv_folder, write_xlsx
from workbooks.problems import ImportRejected, Problem
from workbooks.reader import Cell, RawWorkbook, read_workbook
from workbooks.validate import Validated, validate
from workbooks.writer import write_template


def _problems(path: Path) -> list[Problem]:
    with pytest.raises(ImportRejected) as rejected:
        validate(read_workbook(path))
    return rejected.value.problems


def _write(tmp_path: Path, sheets: dict[str, list[list[Any]]], as_csv: bool) -> Path:
    if as_csv:
        return write_csv_folder(tmp_path / "plan", sheets)
    return write_xlsx(tmp_path / "plan.xlsx", sheets)


def _add_action(sheets: dict[str, list[list[Any]]], ref: str) -> int:
    """A second action, copied from the example row with a new ref; its row number in the sheet."""
    rows = sheets["Actions"]
    new = list(rows[1])
    new[column(rows, "ref")] = ref
    rows.append(new)
    return len(rows)


def _where(problem: Problem) -> tuple[str | None, int | None, str | None]:
    return problem.sheet, problem.row, problem.column


@pytest.mark.parametrize("as_csv", [False, True], ids=["xlsx", "csv"])
@pytest.mark.parametrize("ref", ["A-01\u200b", "A-\u202e10", "\u0410-01", "A-01\ufeff"])
def test_hidden_and_lookalike_refs_are_refused_where_they_are(tmp_path: Path, ref: str, as_csv: bool) -> None:
    sheets = template_rows(tmp_path)
    row = _add_action(sheets, ref)
    problems = _problems(_write(tmp_path, sheets, as_csv))
    [problem] = problems
    sheet = "actions.csv" if as_csv else "Actions"
    assert _where(problem) == (sheet, row, "ref*" if as_csv else "A")
    assert problem.value == ref and "U+" in problem.expected
    assert repr(ref) in str(problem)  # the hidden character is shown escaped, so the user can see it


@pytest.mark.parametrize("as_csv", [False, True], ids=["xlsx", "csv"])
def test_full_width_ref_is_the_same_ref(tmp_path: Path, as_csv: bool) -> None:
    sheets = template_rows(tmp_path)
    _add_action(sheets, "A-\uff10\uff11")
    (tmp_path / "one").mkdir()
    validated = validate(read_workbook(_write(tmp_path / "one", sheets, as_csv)))
    assert {a.ref for a in validated.plan.actions} == {"EX-01", "A-01"}

    row = _add_action(sheets, "A-01")
    (tmp_path / "two").mkdir()
    [problem] = _problems(_write(tmp_path / "two", sheets, as_csv))
    assert problem.row == row and "unique ref (row 3 has it already)" in problem.expected


@pytest.mark.parametrize(
    "sheet, name, value",
    [
        ("People", "email", "\u043ewner2@example.org"),  # a Cyrillic o
        ("People", "email", "zw\u200bsp@example.org"),
        ("People", "manager_email", "director@ex\u0430mple.org"),
        ("Boards", "members", "director@example.org; own\u200ber@example.org"),
        ("People", "name", "P\u0430ul Smith"),  # a Cyrillic a in a Latin name
        ("Boards", "name", "Improvement\u200b Board"),
        ("Areas", "name", "Oversight \u202eAQ"),
        ("Plan", "name", "Plan\u2066"),
        ("Meetings", "theme_area", "MOQ\u0410"),
    ],
)
def test_every_identifier_and_address_follows_the_text_rules(
    tmp_path: Path, sheet: str, name: str, value: str
) -> None:
    sheets = template_rows(tmp_path)
    rows = sheets[sheet]
    rows[1][column(rows, name)] = value
    problems = _problems(write_xlsx(tmp_path / "plan.xlsx", sheets))
    mine = [p for p in problems if (p.sheet, p.row, p.value) == (sheet, 2, value)]
    assert mine, [str(p) for p in problems]
    letter = openpyxl.utils.get_column_letter(column(rows, name) + 1)
    assert mine[0].column == letter
    assert "U+" in mine[0].expected or "mixes Cyrillic and Latin" in mine[0].expected


def test_nobody_is_their_own_manager_or_deputy(tmp_path: Path) -> None:
    sheets = template_rows(tmp_path)
    rows = sheets["People"]
    rows[1][column(rows, "deputy_email")] = rows[1][column(rows, "email")]
    rows[2][column(rows, "manager_email")] = rows[2][column(rows, "email")]
    problems = _problems(write_xlsx(tmp_path / "plan.xlsx", sheets))
    assert sorted((p.row, p.column) for p in problems) == [(2, "E"), (3, "D")]
    assert all("other than the person themselves" in p.expected for p in problems)


def test_far_date_cells_are_refused_where_they_are(tmp_path: Path) -> None:
    """Date cells, as Excel hands them over (typed dates in a CSV go through parse_day, bounded too)."""
    sheets = template_rows(tmp_path)
    actions = sheets["Actions"]
    actions[1][column(actions, "due")] = datetime(9999, 12, 31)
    path = write_xlsx(tmp_path / "plan.xlsx", sheets)
    book = openpyxl.load_workbook(path)
    book["Meetings"]["B2"].value = date(1, 1, 1)
    book.save(path)
    problems = _problems(path)
    found = {(p.sheet, p.row, p.column): p for p in problems}
    assert set(found) == {("Actions", 2, "E"), ("Meetings", 2, "B")}, [str(p) for p in problems]
    assert all("between 2000-01-01 and 2099-12-31" in p.expected for p in problems)


def test_the_read_me_states_the_date_window(tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    write_template(path)
    text = [str(c) for r in openpyxl.load_workbook(path)["Read me"].iter_rows(values_only=True) for c in r]
    assert any("between 2000-01-01 and 2099-12-31" in t for t in text)


def test_the_template_offers_the_word_template_column_with_its_help(tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    write_template(path)
    book = openpyxl.load_workbook(path)
    assert "word_template" in [c.value for c in book["Boards"][1]]
    rows = [[str(c) for c in r if c is not None] for r in book["Read me"].iter_rows(values_only=True)]
    [described] = [" ".join(r) for r in rows if "word_template" in r]
    assert ".docx" in described and "Empty: the stored template, if any, is kept" in described


# --- The property: whatever a cell holds, an accepted ref or address is plain ASCII with nothing hidden,
# and a value with a hidden or lookalike character is refused at its own sheet, row and column.

HIDDEN = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u202e", "\u202d", "\u2066", "\u2069", "\u200f"]
LOOKALIKE = ["\u0430", "\u043e", "\u0435", "\u0410", "\u039f", "\u0391", "\u0131", "\u00e9", "e\u0301"]
WIDE = ["\uff10", "\uff11", "\uff21", "\uff41", "\uff20", "\uff0d"]  # full-width 0 1 A a @ -
PLAIN = list("ABCaz09-_.@ ")


def _inserted(base: str) -> st.SearchStrategy[str]:
    return st.tuples(st.integers(0, len(base)), st.sampled_from(HIDDEN + LOOKALIKE + WIDE)).map(
        lambda t: base[: t[0]] + t[1] + base[t[0] :]
    )


def _values(base: str) -> st.SearchStrategy[str]:
    return st.one_of(
        _inserted(base),
        st.lists(st.sampled_from(PLAIN + HIDDEN + LOOKALIKE + WIDE), min_size=1, max_size=24).map("".join),
        st.text(max_size=24),
    )


def _must_refuse(value: str) -> bool:
    # NFKC turns the full-width forms into ASCII; a hidden or non-ASCII character left after it is refused.
    folded = unicodedata.normalize("NFKC", value).strip()
    return any(not " " <= c <= "~" for c in folded)


@pytest.fixture(scope="module")
def template_book(tmp_path_factory: pytest.TempPathFactory) -> RawWorkbook:
    path = tmp_path_factory.mktemp("template") / "template.xlsx"
    write_template(path)
    return read_workbook(path)


def _with_row(book: RawWorkbook, sheet: str, values: dict[str, Any]) -> tuple[RawWorkbook, int]:
    """The template as read, with one more row on `sheet`: the example row, with `values` put in."""
    book = copy.deepcopy(book)
    raw = book.sheets[sheet]
    _, cells = raw.cells[0]
    new = dict(cells) | {k: Cell(cells[k].column, v) for k, v in values.items()}
    row = raw.cells[-1][0] + 1
    raw.cells.append((row, new))
    return book, row


def _outcome(book: RawWorkbook) -> Validated | list[Problem]:
    try:
        return validate(book)
    except ImportRejected as rejected:
        return rejected.problems


PROPERTY = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@PROPERTY
@given(value=_values("TAP-42"))
def test_any_accepted_ref_is_plain_ascii(template_book: RawWorkbook, value: str) -> None:
    book, row = _with_row(template_book, "Actions", {"ref": value})
    outcome = _outcome(book)
    if isinstance(outcome, Validated):
        refs = [a.ref for a in outcome.plan.actions]
        assert all(" " <= c <= "~" for r in refs for c in r), refs
        assert unicodedata.normalize("NFKC", value).strip() in refs
        assert not _must_refuse(value)
    else:
        here = [p for p in outcome if (p.sheet, p.row, p.column) == ("Actions", row, "A")]
        assert here, [str(p) for p in outcome]
        assert here[0].value == value.strip() or here[0].value == value
        why = here[0].expected
        assert _must_refuse(value) or not value.strip() or "unique" in why or "at most" in why


@PROPERTY
@given(value=_values("someone@example.org"))
def test_any_accepted_address_is_plain_ascii(template_book: RawWorkbook, value: str) -> None:
    book, row = _with_row(template_book, "People", {"email": value, "manager_email": None})
    outcome = _outcome(book)
    if isinstance(outcome, Validated):
        emails = [p.email for p in outcome.plan.people]
        assert all("!" <= c <= "~" for e in emails for c in e), emails
        assert not _must_refuse(value)
    else:
        here = [p for p in outcome if (p.sheet, p.row, p.column) == ("People", row, "A")]
        assert here, [str(p) for p in outcome]
        if _must_refuse(value):
            assert "U+" in here[0].expected or "ASCII" in here[0].expected or "unique" in here[0].expected


def test_a_problem_shows_values_as_typed_never_as_python() -> None:
    """Issue #14, point 19: `found datetime.date(2017, 10, 1)` reads as a bug."""
    from workbooks.problems import Problem

    def shown(value: object) -> str:
        return str(Problem("plan.xlsx", "People", 3, "G", value, "a date on or after away_from"))

    assert "found 01/10/2017, expected" in shown(date(2017, 10, 1))
    assert "found 01/10/2017, expected" in shown(datetime(2017, 10, 1))
    assert "found 'x\\u200by', expected" in shown("x\u200by")
    assert "found 140, expected" in shown(140)
    assert "datetime" not in shown(datetime(2017, 10, 1, 9, 30)) and "09:30" in shown(
        datetime(2017, 10, 1, 9, 30)
    )

"""The register's filters on plain values: what each accepts, what it refuses (named, never searched for),
and pages of the rows."""

from __future__ import annotations

from datetime import date

import pytest

from models.reports.item_state import ItemState
from models.reports.register import RegisterRow
from models.reports.register_filters import RegisterFilter, apply, page_of, read_filter, read_page
from models.vocab import RAG, ItemKind, Status

AREAS = ("A1", "A2")
OWNERS = {"owner@example.org"}


def _state(
    ref: str, counted: str | None = "red", level: int = 1, exempt: bool = False, to_due: int = -3
) -> ItemState:
    row = RegisterRow(
        "Plan",
        ref,
        ItemKind.ACTION,
        ref,
        "A1",
        "owner@example.org",
        "Owner",
        date(2017, 10, 2),
        Status.IN_PROGRESS,
        RAG.GREEN,
        to_due,
    )
    return ItemState(row, counted, level, exempt, None)


def test_empty_values_are_no_filter() -> None:
    found, errors = read_filter(
        {k: " " for k in ("area", "owner", "rag", "level", "overdue", "exempt")}, AREAS, OWNERS, True
    )
    assert (found, errors) == (RegisterFilter(), {})


def test_values_are_read_forgivingly_in_case_and_spacing() -> None:
    given = {
        "area": " a1 ",
        "owner": "Owner@Example.ORG",
        "rag": "RED",
        "level": "2",
        "overdue": "1",
        "exempt": "0",
    }
    found, errors = read_filter(given, AREAS, OWNERS, True)
    assert errors == {}
    assert found == RegisterFilter("A1", "owner@example.org", "red", 2, True, False)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("area", "A3"),
        ("area", "<b>A1</b>"),
        ("owner", "\u043ewner@example.org"),
        ("rag", "r"),
        ("rag", "none"),
        ("level", "٢"),
        ("level", "02"),
        ("overdue", "true"),
        ("exempt", "yes"),
    ],
)
def test_an_unknown_value_is_named_and_not_applied(name: str, value: str) -> None:
    found, errors = read_filter({name: value}, AREAS, OWNERS, True)
    assert list(errors) == [name]
    assert found == RegisterFilter(overdue=found.overdue)


def test_the_exempt_filter_is_refused_to_a_viewer_who_may_not_see_exempt_items() -> None:
    for value in ("1", "0"):
        _, errors = read_filter({"exempt": value}, AREAS, OWNERS, False)
        assert errors == {"exempt": "Exempt items are not shown to your role: leave this filter out"}


def test_apply_keeps_the_rows_every_filter_keeps() -> None:
    rows = [_state("R1"), _state("R2", counted="amber", to_due=4), _state("R3", level=3, exempt=True)]
    assert [s.row.ref for s in apply(rows, RegisterFilter(rag="red"))] == ["R1", "R3"]
    assert [s.row.ref for s in apply(rows, RegisterFilter(overdue=True, exempt=False))] == ["R1"]
    assert [s.row.ref for s in apply(rows, RegisterFilter(level=3))] == ["R3"]


def test_pages_of_rows() -> None:
    rows = [_state(f"R{n}") for n in range(5)]
    shown, place = page_of(rows, 2, size=2)
    assert [s.row.ref for s in shown] == ["R2", "R3"] and place is not None
    assert (place.number, place.pages, place.first, place.last, place.total) == (2, 3, 3, 4, 5)
    assert page_of(rows, 4, size=2) == ([], None)
    empty, place = page_of([], 1)
    assert empty == [] and place is not None and (place.first, place.last, place.total) == (0, 0, 0)
    assert read_page({}) == (1, None) and read_page({"page": " 3 "}) == (3, None)
    for bad in ("0", "x", "\u0663", "1.5", "9999999"):
        assert read_page({"page": bad})[1] is not None, bad

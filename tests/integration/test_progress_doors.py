"""Issue #14 point 18, at every door: the same progress report is refused by `update` and by the workbook
import, or accepted by both with the same result (models.plans.progress_rules). The workbook names the sheet,
row, column and value of each contradiction; the update says why, and changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.db import unit_of_work
from models.errors import BadInput
from models.plan import Action
from models.plans.spec import UpdateSpec
from models.plans.updates import apply_update
from models.vocab import RAG, Status
from tests.factories import OWNER, load_small_plan
from tests.workbook_helpers import column, template_rows, write_xlsx
from workbooks.problems import ImportRejected
from workbooks.reader import read_workbook
from workbooks.validate import validate

# status, rag, percent (None: not said), and the columns that contradict the status
REFUSED: list[tuple[str | None, str | None, int | None, set[str]]] = [
    ("complete", "red", 10, {"rag", "percent"}),
    ("complete", "amber", 100, {"rag"}),
    ("complete", None, 40, {"percent"}),
    ("closed", "red", None, {"rag"}),
    ("not started", None, 40, {"percent"}),
    (None, None, 100, {"percent"}),  # 100% done is complete: it must be said
]
# status, rag, percent said; the status and percent they leave
ACCEPTED: list[tuple[str | None, str | None, int | None, Status, int]] = [
    ("complete", "green", 100, Status.COMPLETE, 100),
    ("complete", None, None, Status.COMPLETE, 100),  # complete means all of it
    ("in progress", "red", 10, Status.IN_PROGRESS, 10),
    (None, "amber", 40, Status.IN_PROGRESS, 40),  # a percent reported is work started
    ("not started", "green", 0, Status.NOT_STARTED, 0),
]


def _workbook(tmp_path: Path, status: str | None, rag: str | None, percent: int | None) -> Path:
    sheets = template_rows(tmp_path)
    row = sheets["Actions"][1]
    for name, value in (("status", status), ("rag", rag), ("percent", percent), ("last_update", None)):
        row[column(sheets["Actions"], name)] = value
    return write_xlsx(tmp_path / "plan.xlsx", sheets)


def _update(status: str | None, rag: str | None, percent: int | None) -> UpdateSpec:
    return UpdateSpec(
        "ACT-2",  # not started, 0%, like a new workbook row
        OWNER,
        status=Status(status) if status else None,
        rag=RAG(rag) if rag else None,
        percent=percent,
    )


def _act_2(engine: Engine) -> tuple[Any, ...]:
    with Session(engine) as session:
        action = session.exec(select(Action).where(Action.ref == "ACT-2")).one()
        return action.status, action.rag, action.percent, action.last_update_on


@pytest.mark.parametrize(("status", "rag", "percent", "wrong"), REFUSED)
def test_a_contradiction_is_refused_at_both_doors(
    engine: Engine,
    tmp_path: Path,
    status: str | None,
    rag: str | None,
    percent: int | None,
    wrong: set[str],
) -> None:
    with pytest.raises(ImportRejected) as rejected:
        validate(read_workbook(_workbook(tmp_path, status, rag, percent)))
    problems = rejected.value.problems
    shown = {"rag": rag, "percent": percent}
    letters = {"rag": "H", "percent": "I"}  # the Actions sheet's columns
    assert {(p.sheet, p.row, p.column, p.value) for p in problems} == {
        ("Actions", 2, letters[name], shown[name]) for name in wrong
    }
    assert all("(the status is " in p.expected for p in problems), [str(p) for p in problems]

    load_small_plan(engine)
    before = _act_2(engine)
    with pytest.raises(BadInput, match="Contradictory update of ACT-2"), unit_of_work(engine) as session:
        apply_update(session, _update(status, rag, percent))
    assert _act_2(engine) == before


@pytest.mark.parametrize(("status", "rag", "percent", "left", "left_percent"), ACCEPTED)
def test_an_agreeing_report_leaves_the_same_item_at_both_doors(
    engine: Engine,
    tmp_path: Path,
    status: str | None,
    rag: str | None,
    percent: int | None,
    left: Status,
    left_percent: int,
) -> None:
    [action] = validate(read_workbook(_workbook(tmp_path, status, rag, percent))).plan.actions
    assert (action.status, action.percent) == (left, left_percent)

    load_small_plan(engine)
    with unit_of_work(engine) as session:
        apply_update(session, _update(status, rag, percent))
    assert _act_2(engine)[::2] == (left, left_percent)


def test_the_workbook_says_where_and_why(tmp_path: Path) -> None:
    with pytest.raises(ImportRejected) as rejected:
        validate(read_workbook(_workbook(tmp_path, "complete", "red", 10)))
    text = "\n".join(rejected.value.details)
    assert (
        "sheet Actions, row 2, column I: found 10, expected 100 (the status is complete: a complete item is "
        "100% complete)" in text
    )
    assert "column H: found 'red', expected green, or no RAG (the status is complete: a RAG rates" in text
    with pytest.raises(ImportRejected) as rejected:
        validate(read_workbook(_workbook(tmp_path, None, None, 100)))
    [problem] = rejected.value.problems
    assert str(problem).endswith(
        "found 100, expected 0 (the status is empty, so not started: an item that has not started is "
        "0% complete)"
    )


def test_completing_an_amber_item_leaves_it_green_and_the_round_trip_unchanged(
    engine: Engine, tmp_path: Path
) -> None:
    """ACT-1 is amber at 40%: `update --status complete` makes it complete, 100% and green (no risk is
    left to rate), so its export imports again as it is rather than as a contradiction."""
    from datetime import date

    from workbooks.plan_workbook import export_workbook, import_workbook

    load_small_plan(engine)
    with unit_of_work(engine) as session:
        apply_update(session, UpdateSpec("ACT-1", OWNER, status=Status.COMPLETE, note="All audited"))
    with Session(engine) as session:
        action = session.exec(select(Action).where(Action.ref == "ACT-1")).one()
        assert (action.status, action.rag, action.percent) == (Status.COMPLETE, RAG.GREEN, 100)
    exported = tmp_path / "export.xlsx"
    export_workbook(engine, exported, None, as_of=date(2017, 10, 9))
    assert import_workbook(engine, exported, actor="x").report.changes == 0

from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Engine
from sqlmodel import Session

from flows import demo_plan
from models.db import unit_of_work
from models.plans.importer import import_plan
from models.plans.lookup import plans_named
from models.reports.register import load_register, summarise
from tests.factories import load_small_plan


def test_register_rows_and_counts(engine: Engine) -> None:
    load_small_plan(engine)
    with Session(engine) as session:
        rows = load_register(session, plans_named(session, None), date(2017, 10, 3))
    by_ref = {r.ref: r for r in rows}
    assert set(by_ref) == {"ACT-1", "ACT-2", "ACT-3", "MS-1"}
    assert by_ref["ACT-1"].working_days_to_due == -1
    assert by_ref["ACT-2"].working_days_to_due == 13
    assert by_ref["MS-1"].kind.value == "milestone" and by_ref["MS-1"].rag is None
    summary = summarise(rows)
    assert summary.total == 3
    assert summary.by_area["A1"] == {"amber": 1, "green": 1}
    assert summary.by_rag == {"amber": 1, "green": 1, "none": 1}


def test_area_filter_and_several_plans(engine: Engine) -> None:
    load_small_plan(engine, "Plan One")
    load_small_plan(engine, "Plan Two")
    with Session(engine) as session:
        rows = load_register(session, plans_named(session, None), date(2017, 10, 3), "a2")
    assert sorted((r.plan, r.ref) for r in rows) == [("Plan One", "ACT-2"), ("Plan Two", "ACT-2")]


def test_demo_plan_loads_whole(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        summary = import_plan(session, demo_plan.load_spec(), actor="test")
    assert [len(summary.added[k]) for k in ("areas", "actions", "milestones")] == [13, 40, 7]
    with Session(engine) as session:
        rows = load_register(session, plans_named(session, None), demo_plan.AS_OF)
    assert len(rows) == 47

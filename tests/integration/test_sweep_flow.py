"""The sweep as a real Prefect flow run (under prefect_test_harness; time is passed as `as_of`, never frozen
around a flow). Its task runs do not grow with the number of actions."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.db import unit_of_work
from models.outbox import Notice
from models.plans.importer import import_plan
from models.plans.spec import ActionSpec
from tests.factories import OWNER, small_plan

LONDON = ZoneInfo("Europe/London")


def _task_runs(flow_run_id) -> list[str]:
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    async def read() -> list[str]:
        async with get_client() as client:
            runs = await client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
            )
            return [r.name for r in runs]

    return asyncio.run(read())


def _plan_with(actions: int, name: str = "Test Plan"):
    spec = small_plan(name)
    extra = tuple(
        ActionSpec(
            f"BULK-{i:04d}", f"Bulk action {i}", "A1", OWNER, date(2017, 10, 2) + timedelta(days=i % 30)
        )
        for i in range(actions)
    )
    return spec.__class__(**{**spec.__dict__, "actions": spec.actions + extra})


def test_sweep_flow_run(prefect_harness, engine: Engine, db_url: str, monkeypatch, tmp_path) -> None:
    from flows.sweep import sweep_flow

    monkeypatch.setenv("LINEOFSIGHT_DATABASE_URL", db_url)
    monkeypatch.setenv("LINEOFSIGHT_OUTBOX_DIR", str(tmp_path / "outbox"))
    with unit_of_work(engine) as session:
        import_plan(session, _plan_with(3), actor="test")
    state = sweep_flow(as_of=datetime(2017, 10, 2, 7, 0, tzinfo=LONDON), return_state=True)
    assert state.is_completed()
    [result] = state.result()
    assert result["holiday"] is None and result["new"] >= 1
    with Session(engine) as session:
        notices = session.exec(select(Notice)).all()
    assert "ReminderQueued" in {n.kind for n in notices}
    assert {n.status.value for n in notices} == {"sent"}  # the dispatch flow ran after the sweep
    assert list((tmp_path / "outbox").glob("*.eml"))
    small_runs = _task_runs(state.state_details.flow_run_id)

    with unit_of_work(engine) as session:
        import_plan(session, _plan_with(400, "Bigger Plan"), actor="test")
    state = sweep_flow(
        as_of=datetime(2017, 10, 3, 7, 0, tzinfo=LONDON), plan="Bigger Plan", return_state=True
    )
    assert state.is_completed() and state.result()[0]["new"] > 100
    # List the plans, sweep the one plan, deliver (a subflow): the same three for 3 actions or 400.
    assert len(_task_runs(state.state_details.flow_run_id)) == len(small_runs) == 3


def test_sweep_flow_returns_early_on_a_bank_holiday(
    prefect_harness, engine: Engine, db_url: str, monkeypatch, tmp_path
) -> None:
    from flows.dispatch import dispatch_flow
    from flows.sweep import sweep_flow

    monkeypatch.setenv("LINEOFSIGHT_DATABASE_URL", db_url)
    monkeypatch.setenv("LINEOFSIGHT_OUTBOX_DIR", str(tmp_path / "outbox"))
    with unit_of_work(engine) as session:
        import_plan(session, small_plan(), actor="test")
    [result] = sweep_flow(as_of=datetime(2017, 12, 25, 7, 0, tzinfo=LONDON))
    assert result["holiday"] == "Christmas Day" and result["new"] == 0
    assert dispatch_flow(as_of=datetime(2017, 12, 26, 9, 0, tzinfo=LONDON))["held"] == {
        "Test Plan": "Boxing Day"
    }


def test_the_flow_sweeps_every_healthy_plan_then_ends_failed_naming_the_other(
    prefect_harness, engine: Engine, db_url: str, monkeypatch, tmp_path
) -> None:
    from flows.sweep import sweep_flow
    from tests.poison import poisoned

    monkeypatch.setenv("LINEOFSIGHT_DATABASE_URL", db_url)
    monkeypatch.setenv("LINEOFSIGHT_OUTBOX_DIR", str(tmp_path / "outbox"))
    for name in ("Alpha Plan", "Poisoned Plan", "Zulu Plan"):  # the poisoned one is swept second
        with unit_of_work(engine) as session:
            import_plan(session, small_plan(name), actor="test")
    with poisoned(engine, "Poisoned Plan"):
        state = sweep_flow(as_of=datetime(2017, 10, 16, 7, 0, tzinfo=LONDON), return_state=True)
    assert state.is_failed()
    assert "The sweep failed for 1 plan: 'Poisoned Plan'" in str(state.message)
    with Session(engine) as session:
        notices = session.exec(select(Notice)).all()
    by_plan = {
        plan: {n.status.value for n in notices if n.plan == plan} for plan in ("Alpha Plan", "Zulu Plan")
    }
    assert by_plan == {"Alpha Plan": {"sent"}, "Zulu Plan": {"sent"}}  # swept and delivered
    [warning] = [n for n in notices if n.plan == "Poisoned Plan"]
    assert (warning.kind, warning.status.value) == ("SweepFailed", "sent")

"""The daily sweep as a Prefect flow: one task lists the plans, one task per plan sweeps it.

The number of task runs grows with the number of plans, never with the number of actions: each task hands
a whole plan to the same plain functions the CLI uses (`models.sweep.run`). The flow takes `as_of` as a
parameter (never freeze time around a flow run); without it, it uses the time the run starts. A plan whose
sweep fails does not stop the others: the run sweeps and delivers every healthy plan, then ends Failed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prefect import flow, get_run_logger
from prefect.runtime import flow_run, task_run

from flows.bootstrap import bootstrap
from flows.tasks import RETRIES, database_task, list_plans
from models.calendar import local_date
from models.sweep.run import sweep_plans


@database_task
def sweep_one_plan(plan: str, as_of: datetime, actor: str) -> dict[str, Any]:
    """Sweeps one plan. A failure of the plan's own (its data, a bug) comes back as `failed`, already rolled
    back and recorded; only a database error, which may pass by itself, is raised here to be retried."""
    from sqlalchemy.exc import OperationalError

    app = bootstrap()
    day = local_date(as_of, app.settings.timezone)
    retrying = task_run.run_count <= RETRIES  # recorded, and the secretariat told, on the last try only
    [outcome] = sweep_plans(app.engine, app.policy, day, plan_name=plan, actor=actor, retrying=retrying)
    if isinstance(outcome.error, OperationalError):
        raise outcome.error
    logger = get_run_logger()
    if outcome.failure is not None:
        logger.error("%s: the sweep failed (%s): rolled back and recorded", plan, outcome.failure)
    elif not outcome.working_day:
        logger.info("%s: %s is not a working day (%s): nothing decided", plan, day, outcome.holiday)
    else:
        logger.info(
            "%s: %d items, %d decisions, %d new, %d notices queued",
            plan,
            outcome.items,
            outcome.decided,
            outcome.queued,
            outcome.notices,
        )
    return {
        "plan": plan,
        "as_of": day.isoformat(),
        "holiday": outcome.holiday,
        "decisions": outcome.decided,
        "new": outcome.queued,
        "notices": outcome.notices,
        "failed": outcome.failure,
    }


@flow(name="lineofsight-sweep", log_prints=False)
def sweep_flow(
    as_of: datetime | None = None, plan: str | None = None, deliver: bool = True
) -> list[dict[str, Any]]:
    """Every plan is swept, whichever fails; what was decided is delivered; then the run ends Failed if any
    plan failed, naming them."""
    from models.sweep.failures import PlansNotSwept, one_line

    moment = as_of or datetime.now(UTC)
    actor = f"system:sweep flow-run:{flow_run.id}" if flow_run.id else "system:sweep"
    results = []
    for name in list_plans(plan):
        state = sweep_one_plan(name, moment, actor, return_state=True)
        if state.is_completed():
            results.append(state.result())
        else:  # still failing after its retries: the next plan is swept all the same
            error = state.result(raise_on_failure=False)
            reason = one_line(error) if isinstance(error, BaseException) else str(state.message)
            results.append({"plan": name, "new": 0, "notices": 0, "failed": reason})
    failed = [(r["plan"], r["failed"]) for r in results if r.get("failed")]
    if deliver and (failed or any(r["new"] for r in results)):
        from flows.dispatch import dispatch_flow

        dispatch_flow(as_of=moment)  # what the sweep decided goes out straight away
    if failed:
        raise PlansNotSwept(failed)
    return results

"""What the flows' tasks share: one retry policy for the tasks that touch the database, and the plan listing
every flow starts from. Retries are only for a database that is momentarily away or busy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from prefect import Task, task

from flows.bootstrap import bootstrap
from models.db import read_session
from models.plans.lookup import plans_named

RETRIES = 3
RETRY_DELAYS: list[float] = [10, 60, 300]  # seconds: a restart, a failover, a long outage

P = ParamSpec("P")
R = TypeVar("R")


def transient_database_error(_task: Any, _run: Any, state: Any) -> bool:
    """Retry only what may pass by itself: a database that is momentarily unreachable or busy."""
    from sqlalchemy.exc import OperationalError

    try:
        state.result()
    except OperationalError:
        return True
    except Exception:
        return False
    return False


def database_task(fn: Callable[P, R]) -> Task[P, R]:
    """A Prefect task retried `RETRIES` times, after `RETRY_DELAYS`, when the database was unavailable."""
    return task(
        retries=RETRIES, retry_delay_seconds=RETRY_DELAYS, retry_condition_fn=transient_database_error
    )(fn)


@database_task
def list_plans(plan: str | None) -> list[str]:
    app = bootstrap()
    with read_session(app.engine) as session:
        return [p.name for p in plans_named(session, plan)]

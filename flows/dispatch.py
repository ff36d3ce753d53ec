"""Delivery as a Prefect flow: after each sweep, and every 15 minutes in working hours. One task delivers
everything due (in digests); failed sends are retried by the outbox's own backoff, not by Prefect, so a
Prefect retry is only for a database that is momentarily unavailable."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prefect import flow, get_run_logger, task

from flows.bootstrap import bootstrap
from flows.sweep import transient_database_error
from models.calendar import local_date
from models.plan import Plan
from models.sweep import calendar_for
from notifications.dispatch import dispatch


@task(retries=3, retry_delay_seconds=[10, 60, 300], retry_condition_fn=transient_database_error)
def deliver(moment: datetime) -> dict[str, Any]:
    app = bootstrap()
    result = dispatch(app.engine, app.transport, moment, sender=app.settings.mail_from)
    get_run_logger().info(
        "delivered %d notices in %d digests; %d to retry, %d dead",
        result.sent,
        result.digests,
        result.retrying,
        result.dead,
    )
    return {"sent": result.sent, "digests": result.digests, "retrying": result.retrying, "dead": result.dead}


@flow(name="lineofsight-dispatch")
def dispatch_flow(as_of: datetime | None = None) -> dict[str, Any]:
    moment = as_of or datetime.now(UTC)
    app = bootstrap()
    day = local_date(moment, app.settings.timezone)
    calendar = calendar_for(Plan(name="", nation="ENG"), app.policy)
    if not calendar.is_working_day(day):
        reason = calendar.holiday_name(day) or day.strftime("%A")
        get_run_logger().info("%s is not a working day (%s): nothing is sent", day, reason)
        return {"sent": 0, "digests": 0, "retrying": 0, "dead": 0, "holiday": reason}
    return deliver(moment)

"""Delivery as a Prefect flow: after each sweep, and every 15 minutes in working hours. One task delivers
everything due (in digests); failed sends are retried by the outbox's own backoff, not by Prefect, so a
Prefect retry is only for a database that is momentarily unavailable. Each plan's notices go on its own
nation's working days: a Scottish plan's wait over St Andrew's Day while an English plan's go."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prefect import flow, get_run_logger

from flows.bootstrap import bootstrap
from flows.tasks import database_task
from notifications.delivery_days import resting_plans
from notifications.dispatch import dispatch


@database_task
def deliver(moment: datetime) -> dict[str, Any]:
    app = bootstrap()
    held = resting_plans(app.engine, app.policy, moment)
    result = dispatch(
        app.engine, app.senders, moment, sender=app.settings.mail_from, held=held, links=app.links(moment)
    )
    logger = get_run_logger()
    for plan, rest in result.held.items():
        logger.info(
            "%s is not a working day for plan %s (%s): its %d due notices wait",
            rest.day,
            plan,
            rest,
            result.held_notices.get(plan, 0),
        )
    logger.info(
        "delivered %d notices in %d digests; %d to retry, %d dead",
        result.sent,
        result.digests,
        result.retrying,
        result.dead,
    )
    return {
        "sent": result.sent,
        "digests": result.digests,
        "retrying": result.retrying,
        "dead": result.dead,
        "held": {plan: rest.reason for plan, rest in result.held.items()},
    }


@flow(name="lineofsight-dispatch")
def dispatch_flow(as_of: datetime | None = None) -> dict[str, Any]:
    return deliver(as_of or datetime.now(UTC))

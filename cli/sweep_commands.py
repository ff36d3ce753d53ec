"""`lineofsight sweep` and `lineofsight escalations`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import typer
from rich.text import Text

from cli.output import console, table
from flows.bootstrap import bootstrap

if TYPE_CHECKING:
    from models.ladder_report import Standing

PLAN_OPTION = typer.Option(None, "--plan", help="Only this plan (default: every plan).")


def sweep(
    plan: str | None = PLAN_OPTION,
    as_of: str | None = typer.Option(
        None, "--as-of", help="The moment to sweep as (default: now). A naive time is Europe/London time."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Print the decisions and their reasons; change nothing."
    ),
    no_send: bool = typer.Option(
        False, "--no-send", help="Queue notices in the outbox but do not deliver them."
    ),
) -> None:
    """Check every open action and milestone: remind owners, climb the escalation ladder, chase updates
    before meetings. Each decision is recorded with its rule and reason; running it twice adds nothing."""
    from models.calendar import local_date, parse_moment
    from models.sweep import sweep_plans

    app = bootstrap()
    moment = parse_moment(as_of, app.settings.timezone) if as_of is not None else datetime.now(UTC)
    day = local_date(moment, app.settings.timezone)
    outcomes = sweep_plans(app.engine, app.policy, day, plan_name=plan, dry_run=dry_run)
    out = console()
    for outcome in outcomes:
        if not outcome.working_day:
            out.print(
                Text(
                    f"{outcome.plan}: {day:%A %d %B %Y} is not a working day ({outcome.holiday}): "
                    "nothing decided, nothing sent."
                )
            )
            continue
        if dry_run:
            rows = [[d.ref, d.rule, d.step, _to(d.recipient, d.on_behalf_of), d.reason] for d in outcome.new]
            title = f"{outcome.plan}: new decisions for {day:%A %d %B %Y} (dry run: nothing changed)"
            out.print(table(title, ["Ref", "Rule", "Step", "To", "Reason"], rows))
            continue
        earlier = outcome.decided - outcome.queued
        out.print(
            Text(
                f"{outcome.plan}, {day:%A %d %B %Y}: {outcome.items} open items; "
                f"{outcome.queued} new decisions ({earlier} already made on earlier runs); "
                f"{outcome.notices} notices queued in the outbox."
            )
        )
    if dry_run:
        return
    if no_send:
        out.print(f"{sum(o.notices for o in outcomes)} new notices wait in the outbox (--no-send).")
        return
    from notifications.dispatch import dispatch

    result = dispatch(app.engine, app.transport, datetime.now(UTC), sender=app.settings.mail_from)
    out.print(
        Text(
            f"Delivered {result.sent} notices in {result.digests} digests; "
            f"{result.retrying} will be retried, {result.dead} dead."
        )
    )


def _to(recipient: str, on_behalf_of: str | None) -> str:
    if not recipient:
        return "(nobody to tell: listed in the pack)"
    return recipient + (f" (for {on_behalf_of})" if on_behalf_of else "")


def escalations(
    plan: str | None = PLAN_OPTION,
    level: int | None = typer.Option(
        None, "--level", min=2, max=3, help="Only this level: 2 (lead) or 3 (board)."
    ),
) -> None:
    """What stands at which level of the escalation ladder, since when, and why."""
    from models.db import read_session
    from models.ladder_report import open_escalations
    from models.lookup import plans_named

    app = bootstrap()
    with read_session(app.engine) as session:
        rows = open_escalations(session, plans_named(session, plan), level)
    print_escalations(rows, "Escalations")


def print_escalations(rows: list[Standing], title: str) -> None:
    from models.rules import LEVEL_NAMES

    body = [[s.ref, f"{s.level}: {LEVEL_NAMES[s.level]}", f"{s.since:%d %b %Y}", s.reason] for s in rows]
    console().print(table(title, ["Ref", "Level", "Since", "Why"], body))
    console().print(
        f"{sum(1 for s in rows if s.level == 3)} at the Improvement Board, "
        f"{sum(1 for s in rows if s.level == 2)} with managers and leads."
    )

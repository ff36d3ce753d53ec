"""`lineofsight sweep` and `lineofsight escalations`."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import typer
from rich.text import Text

from cli.output import console, table
from flows.bootstrap import App, bootstrap
from models.errors import BadInput, InvalidValue

if TYPE_CHECKING:
    from models.ladder_report import Standing
    from models.rules import Decision
    from models.sweep import SweepOutcome

PLAN_OPTION = typer.Option(None, "--plan", help="Only this plan (default: every plan).")


def sweep(
    plan: str | None = PLAN_OPTION,
    as_of: str | None = typer.Option(
        None,
        "--as-of",
        help="The moment to sweep as (default: now): 2017-10-02, 02/10/2017 (day first) or 2017-10-02T07:00. "
        "A naive time is Europe/London time. A day after today needs --dry-run or --force.",
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Print the decisions and their reasons; change nothing."
    ),
    no_send: bool = typer.Option(
        False, "--no-send", help="Queue notices in the outbox but do not deliver them."
    ),
    force: bool = typer.Option(
        False,
        "--force",
        help="Sweep a day after today for real (reminders and escalations before their time).",
    ),
) -> None:
    """Check every open action and milestone: remind owners, climb the escalation ladder, chase updates
    before meetings. Each decision is recorded with its rule and reason; running it twice adds nothing.
    A plan whose sweep fails is rolled back, recorded and reported; the others are still swept, and the
    command ends with exit code 1 naming the plans that failed."""
    from models.calendar import local_date
    from models.sweep import sweep_plans
    from models.sweep_failures import PlansNotSwept

    app = bootstrap()
    zone = app.settings.timezone
    now = datetime.now(UTC)  # the one reading of the clock: the rules are given the day
    moment = sweep_moment(as_of, zone) if as_of is not None else now
    day, today = local_date(moment, zone), local_date(now, zone)
    if day > today and not (dry_run or force):
        raise BadInput(
            f"--as-of {as_of} is after today ({today:%d %B %Y} in {zone}): sweeping it would send reminders "
            "and escalations before they are due. Add --dry-run to see what it would decide, or --force to "
            "sweep it for real."
        )
    outcomes = sweep_plans(app.engine, app.policy, day, plan_name=plan, dry_run=dry_run)
    out = console()
    for outcome in outcomes:
        if outcome.failure is not None:
            out.print(
                Text(
                    f"{outcome.plan}: the sweep failed ({outcome.failure}); nothing of it was kept"
                    + ("." if dry_run else ", and its board secretariat is told.")
                )
            )
            continue
        if not outcome.working_day:
            out.print(
                Text(
                    f"{outcome.plan}: {day:%A %d %B %Y} is not a working day ({outcome.holiday}): "
                    "nothing decided, nothing sent."
                )
            )
            continue
        if dry_run:
            rows = [[d.ref, d.rule, d.step, _to(d), d.reason] for d in outcome.new]
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
    failed = [(o.plan, o.failure) for o in outcomes if o.failure is not None]
    if not dry_run:
        _deliver(app, outcomes, no_send, moment)
    if failed:
        raise PlansNotSwept(failed)


def _deliver(app: App, outcomes: list[SweepOutcome], no_send: bool, moment: datetime) -> None:
    out = console()
    if no_send:
        out.print(f"{sum(o.notices for o in outcomes)} new notices wait in the outbox (--no-send).")
        return
    from cli.outbox_commands import report_delivery
    from notifications.delivery_days import resting_plans
    from notifications.dispatch import dispatch

    held = resting_plans(app.engine, app.policy, moment)  # delivered as on the day swept, plan by plan
    result = dispatch(app.engine, app.transport, datetime.now(UTC), sender=app.settings.mail_from, held=held)
    report_delivery(result, app.settings.timezone)


AS_OF_EXAMPLES = "a date or time such as 2017-10-02, 02/10/2017 (day first) or 2017-10-02T07:00"


def sweep_moment(text: str, timezone: str) -> datetime:
    """The instant `--as-of` names, within the date window: `11/12/2017` is day first, as everywhere else in
    the product (and midnight there); an ISO date or time goes to the calendar's parser."""
    from models.calendar import parse_moment
    from models.vocab import parse_day

    if not text.strip():
        raise InvalidValue("--as-of", text, AS_OF_EXAMPLES)
    if "/" in text:
        return datetime.combine(parse_day(text, "--as-of"), time(0), tzinfo=ZoneInfo(timezone))
    return parse_moment(text, timezone)  # within the window too


def _to(decision: Decision) -> str:
    if not decision.recipient:
        return "(nobody to tell: listed in the pack)"
    return f"{decision.recipient} ({decision.told_as})" if decision.roles else decision.recipient


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

"""`lineofsight sweep` and `lineofsight escalations`."""

from __future__ import annotations

from datetime import datetime, time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import typer
from rich.text import Text

from cli import clock
from cli.output import Format, console, table, write_csv, write_json
from cli.progress import progress
from flows.bootstrap import App, bootstrap
from models.errors import BadInput, InvalidValue
from models.vocab import day_in_words, plural

if TYPE_CHECKING:
    from models.reports.ladder import Standing
    from models.sweep.rules import Decision
    from models.sweep.run import SweepOutcome

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
    any_day: bool = typer.Option(
        False,
        "--any-day",
        help="Deliver today even to plans whose nation is not at work (a weekend, a bank holiday).",
    ),
) -> None:
    """Check every open action and milestone: remind owners, climb the escalation ladder, chase updates
    before meetings. Each decision is recorded with its rule and reason; running it twice adds nothing.
    A plan whose sweep fails is rolled back, recorded and reported; the others are still swept, and the
    command ends with exit code 1 naming the plans that failed. The notices are then delivered as `dispatch`
    delivers them, today: each plan's on its own nation's working days, whatever day was swept; exit 1 when a
    delivery failed."""
    from models.calendar import local_date
    from models.db import read_session
    from models.plans.lookup import plans_named
    from models.sweep.failures import PlansNotSwept
    from models.sweep.run import sweep_plans

    app = bootstrap()
    zone = app.settings.timezone
    now = clock.now()  # the one reading of the clock: the rules are given the day
    moment = sweep_moment(as_of, zone) if as_of is not None else now
    day, today = local_date(moment, zone), local_date(now, zone)
    if day > today and not (dry_run or force):
        raise BadInput(
            f"--as-of {as_of} is after today ({today:%d %B %Y} in {zone}): sweeping it would send reminders "
            "and escalations before they are due. Add --dry-run to see what it would decide, or --force to "
            "sweep it for real."
        )
    with read_session(app.engine) as session:
        count = len(plans_named(session, plan))
    with progress("Sweeping", total=count) as step:
        outcomes = sweep_plans(
            app.engine, app.policy, day, plan_name=plan, dry_run=dry_run, on_plan=lambda _: step()
        )
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
        if dry_run and outcome.new:
            rows = [[d.ref, d.rule, d.step, _to(d), d.reason] for d in outcome.new]
            title = f"{outcome.plan}: new decisions for {day:%A %d %B %Y} (dry run: nothing changed)"
            out.print(table(title, ["Ref", "Rule", "Step", "To", "Reason"], rows))
        out.print(Text(_counts(outcome, dry_run)))
    failed = [(o.plan, o.failure) for o in outcomes if o.failure is not None]
    undelivered = not dry_run and _deliver(app, outcomes, no_send, now, any_day)
    if failed:
        raise PlansNotSwept(failed)
    if undelivered:
        raise typer.Exit(1)  # as `dispatch`: a scheduler must notice a delivery that failed


def _counts(outcome: SweepOutcome, dry_run: bool) -> str:
    """The day's decisions, new and already made: they add up to the same total however often a day is
    swept (an escalation an earlier run of the day raised counts as already made, not as forgotten)."""
    earlier = outcome.decided - outcome.queued
    head = f"{outcome.plan}, {day_in_words(outcome.as_of)}: "
    made = f"{earlier} already made on earlier runs"
    if dry_run:
        if not outcome.queued:
            return head + (
                f"nothing new to decide ({plural(earlier, 'decision')} already made on earlier runs)."
            )
        return head + f"{plural(outcome.decided, 'decision')} for the day: {outcome.queued} new, {made}."
    return (
        head + f"{plural(outcome.items, 'open item')}; {plural(outcome.decided, 'decision')} for the day: "
        f"{outcome.queued} new, {made}; {plural(outcome.notices, 'notice')} queued in the outbox."
    )


def _deliver(app: App, outcomes: list[SweepOutcome], no_send: bool, now: datetime, any_day: bool) -> bool:
    """Delivers as `dispatch` does, at `now` and not on the day swept: the mail goes today, so a plan whose
    nation is not at work today waits, whatever day was swept. True when a delivery failed."""
    out = console()
    if no_send:
        count = sum(o.notices for o in outcomes)
        out.print(
            f"{plural(count, 'new notice')} {'waits' if count == 1 else 'wait'} in the outbox (--no-send)."
        )
        return False
    from cli.outbox_commands import report_delivery
    from notifications.delivery_days import resting_plans
    from notifications.dispatch import dispatch

    held = {} if any_day else resting_plans(app.engine, app.policy, now)
    result = dispatch(
        app.engine, app.senders, now, sender=app.settings.mail_from, held=held, links=app.links(now)
    )
    return report_delivery(result, app.settings.timezone)


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
    output: Format = typer.Option(
        Format.TABLE,
        "--format",
        help="table for people; json or csv for programs (plan, ref, kind, level, level_name, since, due, "
        "rule, reason).",
    ),
) -> None:
    """What stands at which level of the escalation ladder, since when, and why."""
    from models.db import read_session
    from models.plans.lookup import plans_named
    from models.reports.ladder import open_escalations

    app = bootstrap()
    with read_session(app.engine) as session:
        rows = open_escalations(session, plans_named(session, plan), level)
    if output is Format.TABLE:
        print_escalations(rows, "Escalations")
    elif output is Format.JSON:
        write_json([_standing(s) for s in rows])
    else:
        write_csv([_standing(s) for s in rows], ESCALATION_FIELDS)


ESCALATION_FIELDS = ("plan", "ref", "kind", "level", "level_name", "since", "due", "rule", "reason")


def _standing(s: Standing) -> dict[str, object]:
    from models.sweep.decision import LEVEL_NAMES

    return {
        "plan": s.plan,
        "ref": s.ref,
        "kind": s.kind,
        "level": s.level,
        "level_name": LEVEL_NAMES[s.level],
        "since": s.since.isoformat(),
        "due": s.due.isoformat(),
        "rule": s.rule,
        "reason": s.reason,
    }


def print_escalations(rows: list[Standing], title: str) -> None:
    from models.sweep.decision import LEVEL_NAMES

    body = [[s.ref, f"{s.level}: {LEVEL_NAMES[s.level]}", f"{s.since:%d %b %Y}", s.reason] for s in rows]
    console().print(table(title, ["Ref", "Level", "Since", "Why"], body))
    console().print(
        f"{sum(1 for s in rows if s.level == 3)} at the Improvement Board, "
        f"{sum(1 for s in rows if s.level == 2)} with managers and leads."
    )

"""`lineofsight meeting add`: a board or committee meeting, whose pack date follows from the policy."""

from __future__ import annotations

import typer
from rich.text import Text

from cli import clock
from cli.output import console, err_console
from flows.bootstrap import bootstrap

meeting = typer.Typer(
    help="Board and committee meetings: add one; its pack date follows from the policy.", no_args_is_help=True
)

PLAN_OPTION = typer.Option(None, "--plan", help="The plan (needed only when several are loaded).")


@meeting.command("add")
def add(
    board: str = typer.Option(..., "--board", help="The board's name, as in the workbook."),
    day: str = typer.Option(..., "--date", help="The meeting's date, e.g. 2018-01-09."),
    theme: str | None = typer.Option(
        None, "--theme", help="The area code of the deep dive or standing item."
    ),
    audience: str = typer.Option("board", "--audience", help="board, scrutiny or public."),
    plan: str | None = PLAN_OPTION,
) -> None:
    """Add a meeting: its pack is built N clear working days before it (the policy's meetings.pack_days)."""
    from models.db import unit_of_work
    from models.plans.meetings import add_meeting
    from models.sweep.run import calendar_for
    from models.vocab import day_in_words, parse_audience, parse_day
    from packs.schedule import pack_date

    app = bootstrap()
    when = parse_day(day, "--date")
    with unit_of_work(app.engine) as session:
        added, found, owner = add_meeting(
            session,
            board_name=board,
            day=when,
            theme=theme,
            audience=parse_audience(audience, "--audience"),
            actor="cli",
            plan_name=plan,
        )
    policy = app.policy.for_plan(owner.name)
    calendar = calendar_for(owner, policy)
    issue = pack_date(when, calendar, policy.meetings.pack_days)
    today = clock.today(app.settings.timezone)
    console().print(
        Text(
            f"Added the {added.audience.value} meeting of {found.name} on {day_in_words(when)}; "
            f"its pack will be built on {day_in_words(issue)}."
        )
    )
    # Added all the same (a meeting may really be on a Saturday), but a slip of the date deserves a look.
    warnings = []
    if not calendar.is_working_day(when):
        why = calendar.holiday_name(when) or "a weekend"
        warnings.append(f"{day_in_words(when)} is not a working day for {owner.name} ({why}).")
    if when < today:
        warnings.append(f"{day_in_words(when)} is in the past (today is {day_in_words(today)}).")
    elif issue < today:
        warnings.append(
            f"Its pack date has passed: build the pack now with `lineofsight pack build --meeting {when}`."
        )
    for warning in warnings:
        err_console().print(Text(f"Warning: {warning}", style="bold yellow"))

"""Commands that read and update a plan: status, show, update."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import typer
from rich.text import Text

from cli.clock import today
from cli.output import Format, console, rag_text, table, write_csv, write_json
from flows.bootstrap import bootstrap
from models.plans.text_rules import code, email_address
from models.vocab import (
    ItemKind,
    day_in_words,
    parse_day,
    parse_percent,
    parse_rag,
    parse_status,
    plural,
    short_day,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from sqlmodel import Session

    from flows.bootstrap import App
    from models.calendar import CalendarOf, WorkingCalendar
    from models.forecast import Outcome
    from models.plan import Plan
    from models.reports.item_story import ItemStory
    from models.reports.register import RegisterRow

PLAN_OPTION = typer.Option(None, "--plan", help="The plan's name (needed only when several are loaded).")
AS_OF_OPTION = typer.Option(
    None, "--as-of", help="The day to count working days from: 2017-12-11 or 11/12/2017 (default: today)."
)
STATUS_FIELDS = ("ref", "kind", "title", "owner", "due", "status", "rag", "working_days_to_due")


def _as_of(value: str | None, timezone: str) -> datetime:
    day = parse_day(value, "--as-of date") if value else today(timezone)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def plan_calendars(app: App) -> CalendarOf | None:
    """Working days counted as the sweep and the console count them: the plan nation's bank holidays and the
    closure days of the plan's policy (a plan's own under `[plans."Name".calendar]` included). Without a
    policy file there are no closure days, and nothing more is read."""
    if app.settings.policy_file is None:
        return None
    from models.calendar import shared_calendar

    def calendar_of(plan: str, nation: str) -> WorkingCalendar:
        closures = app.policy.for_plan(plan).calendar
        return shared_calendar(nation, closures.dates, closures.every_year)

    return calendar_of


def status(
    plan: str | None = PLAN_OPTION,
    area: str | None = typer.Option(None, "--area", help="Only the actions of this area (its code)."),
    owner: str | None = typer.Option(
        None, "--owner", help="Only the actions and milestones this person owns (their email address)."
    ),
    as_of: str | None = AS_OF_OPTION,
    output: Format = typer.Option(
        Format.TABLE, "--format", help="table for people, json or csv for programs."
    ),
) -> None:
    """Where every action and milestone stands: due date, status, RAG and working days to due
    (negative when overdue), with counts by area and RAG."""
    # The modules a command works with are imported when it runs, not when the command line is read: every
    # command's module is loaded for `--help` and for each other command, and the tables, the ORM and the
    # queries are half a `status`'s start. The same holds across cli/.
    from models.db import read_session
    from models.plans.lookup import find_area, find_owner, plans_named
    from models.reports.register import load_register

    area = code(area, "--area", "MOQA") if area is not None else None
    owner = email_address(owner, "--owner") if owner is not None else None
    app = bootstrap()
    day = _as_of(as_of, app.settings.timezone).date()
    with read_session(app.engine) as session:
        plans = plans_named(session, plan)
        if area is not None:
            find_area(session, plans, area)
        if owner is not None:
            find_owner(session, plans, owner)
        calendar_of = plan_calendars(app)
        rows = load_register(session, plans, day, area, owner, calendar_of=calendar_of)
        forecasts = item_forecasts(app, session, plans, day, calendar_of)
    if output is Format.JSON:
        write_json([r.public() | {"forecast": _iso(forecasts.get((r.plan, r.ref)))} for r in rows])
    elif output is Format.CSV:
        write_csv([r.public() for r in rows], STATUS_FIELDS)
    else:
        print_status(rows, day, forecasts)


def item_forecasts(
    app: App, session: Session, plans: Sequence[Plan], day: date, calendar_of: CalendarOf | None
) -> dict[tuple[str, str], Outcome]:
    """Each open item's forecast finish by (plan, ref), counted on the calendar its register row uses."""
    from models.reports.forecasts import load_forecasts

    found: dict[tuple[str, str], Outcome] = {}
    for plan in plans:
        calendar, stale_after = _counting(app, plan, calendar_of)
        for ref, outcome in load_forecasts(session, plan, day, calendar, stale_after).items():
            found[(plan.name, ref)] = outcome
    return found


def _counting(app: App, plan: Plan, calendar_of: CalendarOf | None) -> tuple[WorkingCalendar, int]:
    """The plan's calendar and the age at which an update counts again today (the policy's stale rule)."""
    from models.calendar import shared_calendar

    calendar = calendar_of(plan.name, plan.nation) if calendar_of else shared_calendar(plan.nation)
    return calendar, app.policy.for_plan(plan.name).stale.request_after_days


def _iso(outcome: Outcome | None) -> str | None:
    """The `forecast` field of the JSON: the central forecast day, or null when there is none."""
    from models.forecast import Forecast

    return outcome.central.isoformat() if isinstance(outcome, Forecast) else None


def _forecast_cell(outcome: Outcome | None) -> Text:
    from models.forecast import Forecast

    if not isinstance(outcome, Forecast):
        return Text("")
    late = f", {outcome.late_by} late" if outcome.late_by > 0 else ""
    return Text(f"{outcome.central:%d %b %Y}{late}", style="bold" if late else "")


def print_status(
    rows: list[RegisterRow], day: date, forecasts: Mapping[tuple[str, str], Outcome] | None = None
) -> None:
    """`forecasts`: each open item's forecast finish, in bold when it falls after the due date."""
    from models.reports.register import summarise

    out = console()
    several = len({r.plan for r in rows}) > 1
    columns = ["Plan"] * several + ["Ref", "Title", "Owner", "Due", "Status", "RAG", "Working days to due"]
    body = [_status_cells(r, several) for r in rows]
    if forecasts is not None:
        columns.append("Forecast finish")
        for cells, r in zip(body, rows, strict=True):
            cells.append(_forecast_cell(forecasts.get((r.plan, r.ref))))
    out.print(table(f"Status on {day_in_words(day)}", columns, body))
    summary = summarise(rows)
    rags = ("red", "amber", "green", "none")
    counts = [[area, *(c.get(k, 0) for k in rags), sum(c.values())] for area, c in summary.by_area.items()]
    counts.append(["All areas", *(summary.by_rag.get(k, 0) for k in rags), summary.total])
    out.print(table("Actions by area and RAG", ["Area", "Red", "Amber", "Green", "No RAG", "Total"], counts))


def _status_cells(r: RegisterRow, with_plan: bool) -> list[str | Text]:
    cells: list[str | Text] = [r.plan] if with_plan else []
    return [
        *cells,
        r.ref,
        r.title,
        r.owner_name,
        f"{r.due:%a %d %b %Y}",
        r.status.value,
        rag_text(r.rag.value if r.rag else None),
        _days(r.working_days_to_due, r.status.is_open),
    ]


def _days(n: int, is_open: bool) -> Text:
    if n < 0 and is_open:
        return Text(f"{n} (overdue)", style="bold")
    return Text(str(n))


STORY_FIELDS = (
    "record",
    "plan",
    "ref",
    "kind",
    "title",
    "area",
    "owner",
    "start",
    "original_due",
    "current_due",
    "rebaseline_count",
    "status",
    "rag",
    "percent",
    "exempt",
    "depends_on",
    "last_update_on",
    "as_of",
    "working_days_to_due",
    "at",
    "by",
    "commentary",
    "evidence_url",
)


def show(
    ref: str = typer.Argument(..., help="The action or milestone reference, e.g. TAP-07."),
    plan: str | None = PLAN_OPTION,
    as_of: str | None = typer.Option(
        None,
        "--as-of",
        help="The item as it stood at the end of this day (its updates by then, the status, RAG and % they "
        "left, working days counted from it): 2017-12-11 or 11/12/2017 (default: today).",
    ),
    output: Format = typer.Option(
        Format.TABLE,
        "--format",
        help="table for people; json (the item with its updates) or csv (a row for the item, then one row "
        "per update, told apart by the `record` column) for programs.",
    ),
) -> None:
    """One action or milestone in full, with its update history, as it stood at the end of --as-of."""
    from models.db import read_session
    from models.plans.lookup import plans_named
    from models.reports.forecasts import load_forecasts, story_forecast
    from models.reports.item_story import load_item_story

    ref = code(ref, "ref")
    app = bootstrap()
    day = _as_of(as_of, app.settings.timezone).date()
    calendar_of = plan_calendars(app)
    with read_session(app.engine) as session:
        story = load_item_story(session, ref, plan, day, calendar_of=calendar_of)
        [found] = plans_named(session, story.plan)
        calendar, stale_after = _counting(app, found, calendar_of)
        # An action as it stood on the day (open then though finished since); a milestone by its actions.
        outcome = story_forecast(story, found.timezone, calendar, stale_after)
        if story.kind is ItemKind.MILESTONE:
            outcome = load_forecasts(session, found, day, calendar, stale_after, refs={story.ref}).get(
                story.ref
            )
    if output is Format.JSON:
        write_json(json.loads(json.dumps(asdict(story), default=str)) | {"forecast": _iso(outcome)})
    elif output is Format.CSV:
        write_csv(story_rows(story), STORY_FIELDS)
    else:
        print_story(story, outcome)


def story_rows(story: ItemStory) -> list[dict[str, object]]:
    """One CSV table: the item's row (`record` = item), then its updates (`record` = update), oldest first."""
    item: dict[str, object] = {
        "record": "item",
        "plan": story.plan,
        "ref": story.ref,
        "kind": story.kind.value,
        "title": story.title,
        "area": story.area,
        "owner": story.owner,
        "start": story.start,
        "original_due": story.original_due,
        "current_due": story.current_due,
        "rebaseline_count": story.rebaseline_count,
        "status": story.status.value,
        "rag": story.rag.value if story.rag else None,
        "percent": story.percent,
        "exempt": "yes" if story.exempt else "no",
        "depends_on": "; ".join(story.depends_on),
        "last_update_on": story.last_update_on,
        "as_of": story.as_of,
        "working_days_to_due": story.working_days_to_due,
    }
    updates: list[dict[str, object]] = [
        {
            "record": "update",
            "plan": story.plan,
            "ref": story.ref,
            "kind": story.kind.value,
            "status": u.status.value if u.status else None,
            "rag": u.rag.value if u.rag else None,
            "percent": u.percent,
            "at": u.at.isoformat(),
            "by": u.by,
            "commentary": u.commentary,
            "evidence_url": u.evidence_url,
        }
        for u in story.updates
    ]
    return [item, *updates]


def print_story(story: ItemStory, outcome: Outcome | None = None) -> None:
    """`outcome`: the item's forecast finish, or why there is none (open items only)."""
    from models.reports.forecasts import forecast_line

    out = console()
    out.print(Text(f"{story.ref}  {story.title}", style="bold"))
    facts = [
        ("Plan", story.plan),
        ("Kind", story.kind.value),
        ("Area", story.area),
        ("Owner", f"{story.owner_name} <{story.owner}>"),
        ("Start", story.start),
        ("Original due", story.original_due),
        ("Current due", story.current_due),
        ("Re-baselined", plural(story.rebaseline_count, "time") if story.kind is ItemKind.ACTION else None),
        ("Status", story.status.value),
        ("RAG (owner)", rag_text(story.rag.value if story.rag else None)),
        ("Complete", f"{story.percent}%" if story.percent is not None else None),
        ("Exempt from public packs", "yes" if story.exempt else None),
        ("Depends on", ", ".join(story.depends_on) or None),
        ("Last update", story.last_update_on),
        (
            "Working days to due",
            _days(story.working_days_to_due, story.status.is_open) + f", counted on {short_day(story.as_of)}",
        ),
        ("Forecast finish", forecast_line(outcome) if outcome is not None else None),
    ]
    out.print(table(None, ["", ""], [[k, v] for k, v in facts if v is not None], show_header=False, box=None))
    if story.progress_note:
        out.print(Text(story.progress_note))
    rows = [
        [
            f"{u.at:%Y-%m-%d %H:%M} UTC",
            u.by,
            u.status.value if u.status else "",
            rag_text(u.rag.value if u.rag else None),
            "" if u.percent is None else f"{u.percent}%",
            u.commentary,
            u.evidence_url,
        ]
        for u in story.updates
    ]
    if rows:
        out.print(table("Updates", ["When", "By", "Status", "RAG", "%", "Commentary", "Evidence"], rows))
    else:
        out.print(f"No updates by {short_day(story.as_of)}." if story.later_updates else "No updates yet.")


def update(
    ref: str = typer.Argument(..., help="The action or milestone reference, e.g. TAP-07."),
    by: str = typer.Option(
        ...,
        "--by",
        help="Email of the person reporting: the item's owner, the owner's deputy or manager, the area lead "
        "or the board secretariat.",
    ),
    new_status: str | None = typer.Option(
        None, "--status", help="not started, in progress, complete, closed, deferred or cancelled."
    ),
    rag: str | None = typer.Option(None, "--rag", help="red, amber or green."),
    percent: str | None = typer.Option(None, "--percent", help="How complete, 0 to 100 (40 or 40%)."),
    note: str | None = typer.Option(None, "--note", help="Commentary for the board."),
    evidence: str | None = typer.Option(None, "--evidence", help="A link to the evidence."),
    plan: str | None = PLAN_OPTION,
) -> None:
    """Post an owner's update: it is appended to the item's history, applied, and recorded in the ledger.
    An update that contradicts itself or the item (complete but red, complete at 10%, not started at 40%) is
    refused with the reason; completing without --percent makes it 100%, and a percent on an item not
    started yet starts it."""
    from models.db import unit_of_work
    from models.plans.spec import UpdateSpec
    from models.plans.updates import apply_update

    spec = UpdateSpec(
        ref=ref,
        by=by,
        status=parse_status(new_status) if new_status is not None else None,
        rag=parse_rag(rag) if rag is not None else None,
        percent=parse_percent(percent) if percent is not None else None,
        note=note,
        evidence_url=evidence,
    )
    app = bootstrap()
    with unit_of_work(app.engine) as session:
        recorded = apply_update(session, spec, plan_name=plan)
        item_ref = code(ref, "ref").upper()
    changes = ", ".join(
        f"{name} {value}"
        for name, value in (("status", recorded.status), ("RAG", recorded.rag), ("percent", recorded.percent))
        if value is not None
    )
    console().print(
        Text(f"Recorded update {recorded.id} on {item_ref}" + (f": {changes}." if changes else "."))
    )

"""`lineofsight pack list|build|show` and `lineofsight meeting add`.

`pack list` and `pack show` read the pack table only: they import neither WeasyPrint nor matplotlib.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.text import Text

from cli.output import Format, console, err_console, table, write_json
from cli.params import record_id
from cli.progress import progress
from flows.bootstrap import bootstrap
from models.vocab import plural

if TYPE_CHECKING:
    from flows.bootstrap import App
    from packs.build import BuiltPack

pack = typer.Typer(help="Board packs: build, list and inspect them.", no_args_is_help=True)
meeting = typer.Typer(
    help="Board and committee meetings: add one; its pack date follows from the policy.", no_args_is_help=True
)

PLAN_OPTION = typer.Option(None, "--plan", help="The plan (needed only when several are loaded).")


@pack.command("build")
def build(
    meeting_date: str = typer.Option(..., "--meeting", help="The meeting's date, e.g. 2017-12-05."),
    board: str | None = typer.Option(
        None, "--board", help="The board (default: every board meeting that day)."
    ),
    audience: str | None = typer.Option(
        None, "--audience", help="board, scrutiny or public (default: the meeting's own audience)."
    ),
    out: Path | None = typer.Option(
        None,
        "--out",
        help="Write the files into this folder itself (default: a folder per plan under "
        "LINEOFSIGHT_PACKS_DIR).",
    ),
    as_of: str | None = typer.Option(
        None,
        "--as-of",
        help="The moment the data speaks for: a date (the end of that day) or a time, e.g. 2017-11-27 or "
        "2017-11-27T10:00 (default: the end of the pack date, or now if that has not ended yet).",
    ),
    force: bool = typer.Option(
        False, "--force", help="Overwrite a file of the same name that is not this pack's own."
    ),
    send: bool = typer.Option(False, "--send", help="Email the PDF to the board and post a Teams card."),
    plan: str | None = PLAN_OPTION,
) -> None:
    """Build the pack for a meeting: HTML and tagged PDF, stored with their SHA-256 and the ledger head it
    was built from. The data speaks as of the end of the pack date, however late it is built. Building again
    from unchanged data gives the same pack and rewrites any file that differs from the one built; a pack
    not yet sent is rebuilt in place, while a sent pack is never changed: a new version follows it."""
    from models.calendar import local_date
    from models.db import read_session
    from models.plans.meetings import find_meetings
    from models.reports.pack_data.moment import parse_as_of
    from models.vocab import Audience, parse_audience, parse_day
    from packs.build import build_pack

    app = bootstrap()
    day = parse_day(meeting_date, "--meeting")
    wanted = parse_audience(audience, "--audience") if audience else None
    now = datetime.now(UTC)
    moment = parse_as_of(as_of, app.settings.timezone) if as_of is not None else None
    if moment is not None and moment.until > now:
        raise typer.BadParameter(f"{as_of!r} is in the future: a pack speaks only for what has happened")
    _check_folder(out)
    with read_session(app.engine) as session:
        found = find_meetings(session, day, board_name=board, plan_name=plan)
    # One pack per board: the row of the asked audience if there is one, otherwise any row of that board.
    targets: dict[tuple[int, str], int] = {}
    for m, b, _ in found:
        if wanted is None:
            targets[(b.id or 0, m.audience.value)] = m.id or 0
        elif m.audience is wanted or (b.id or 0, wanted.value) not in targets:
            targets[(b.id or 0, wanted.value)] = m.id or 0
    today = local_date(now, app.settings.timezone)
    out_dir = out or app.settings.packs_dir
    built = []
    with progress("Building packs", total=len(targets)) as step:
        for (_, audience_value), meeting_id in sorted(targets.items()):
            built.append(
                build_pack(
                    app.engine,
                    meeting_id,
                    Audience(audience_value),
                    app.policy,
                    today,
                    out_dir,
                    now=now,
                    data_as_of=moment,
                    into=out is not None,
                    force=force,
                )
            )
            step()
    for result in built:
        _report(result, out_dir)
    if send:
        _send(app, [b.pack_id for b in built])


def _check_folder(out: Path | None) -> None:
    if out is None:
        return
    if out.exists() and not out.is_dir():
        raise typer.BadParameter(f"{out} is a file; --out takes a folder")
    if not out.exists() and not out.parent.is_dir():
        raise typer.BadParameter(f"{out}: the folder {out.parent} does not exist")


def _report(result: BuiltPack, out_dir: Path) -> None:
    out_console = console()
    state = result.state
    if result.state == "new version":
        state = f"version {result.version}; pack {result.supersedes}, already sent, is kept as it was"
    out_console.print(
        Text(
            f"Pack {result.pack_id} ({state}): {result.board}, {result.meeting_date:%d %B %Y}, "
            f"{result.audience}; pack date {result.built_for:%d %B %Y}\n"
            f"  Data as at {result.as_of or result.built_for}\n  {result.path('.pdf')}\n  "
            f"{result.path('.html')}"
        )
    )
    if result.restored:
        out_console.print(
            Text(
                f"  Rewrote {', '.join(result.restored)}: the file on disk was missing or not the one "
                "built (see PackFilesRestored in the audit log)."
            )
        )
    if result.copies:
        out_console.print(
            Text(
                f"  Unchanged since it was built, so the pack sent stays where it was; copies written to "
                f"{out_dir}:\n  " + "\n  ".join(str(p) for p in result.copies)
            )
        )


def _send(app: App, pack_ids: list[int]) -> None:
    """The packs go now, because the secretariat asks now, even on a day their plan's nation is not at work;
    everything else due waits for its plan's next working day, as `dispatch` holds it. Exit 1 when a
    delivery failed, as `dispatch`."""
    from cli.outbox_commands import report_delivery
    from notifications.delivery_days import resting_plans
    from notifications.dispatch import dispatch
    from packs.publish import pack_notices, publish

    now = datetime.now(UTC)
    for pack_id in pack_ids:
        published = publish(app.engine, pack_id, now=now)
        console().print(
            Text(f"Pack {pack_id}: {published.queued} new notices for {', '.join(published.recipients)}")
        )
    held = resting_plans(app.engine, app.policy, now)
    asked = pack_notices(app.engine, pack_ids)
    result = dispatch(app.engine, app.transport, now, sender=app.settings.mail_from, held=held, asked=asked)
    if report_delivery(result, app.settings.timezone):
        raise typer.Exit(1)


def _as_at(until: datetime | None, timezone: str) -> str:
    from models.reports.pack_data.moment import AsOf

    return AsOf(until, timezone).words if until else "-"


def _version(version: int, supersedes: int | None, superseded_by: int | None) -> str:
    words = [str(version)]
    if supersedes is not None:
        words.append(f"after {supersedes}")
    if superseded_by is not None:
        words.append(f"followed by {superseded_by}")
    return ", ".join(words)


@pack.command("list")
def list_packs(
    plan: str | None = typer.Option(
        None, "--plan", help="Only this plan's packs (default: the packs of every plan)."
    ),
    output: Format = typer.Option(Format.TABLE, "--format", help="table or json."),
) -> None:
    """Every pack built, each version of it: meeting, audience, pack date, the moment its data is from,
    when it was built and sent, and its PDF."""
    from models.db import read_session
    from models.reports.packs import pack_rows

    if output is Format.CSV:
        raise typer.BadParameter("table or json", param_hint="--format")
    app = bootstrap()
    with read_session(app.engine) as session:
        rows = pack_rows(session, plan)
    if output is Format.JSON:
        write_json([r.public() for r in rows])
        return
    body = [
        [
            str(r.id),
            r.board,
            f"{r.meeting_date:%d %b %Y}",
            r.audience,
            _version(r.version, r.supersedes, r.superseded_by),
            f"{r.built_for:%d %b %Y}",
            _as_at(r.data_as_of, r.timezone),
            f"{r.built_at:%Y-%m-%d %H:%M}",
            f"{r.published_at:%Y-%m-%d %H:%M}" if r.published_at else "not sent",
            r.pdf or "-",
        ]
        for r in rows
    ]
    columns = [
        "Id",
        "Board",
        "Meeting",
        "Audience",
        "Version",
        "Pack date",
        "Data as at",
        "Built (UTC)",
        "Sent (UTC)",
    ]
    console().print(table("Board packs", [*columns, "PDF"], body))
    console().print(plural(len(rows), "pack") + ".")


@pack.command("show")
def show(pack_id: int = record_id("The pack's id, from `lineofsight pack list`.")) -> None:
    """One pack: the moment its data is from, what it was built from, its version, its files with their
    SHA-256 (checked against the files on disk), and its summary counts."""
    from models.db import read_session
    from models.reports.packs import pack_detail

    app = bootstrap()
    with read_session(app.engine) as session:
        d = pack_detail(session, pack_id)
    out = console()
    out.print(Text(f"Pack {d.id}: {d.board}, meeting of {d.meeting_date:%A %d %B %Y} ({d.audience})"))
    out.print(Text(f"Plan:          {d.plan}"))
    out.print(Text(f"Pack date:     {d.built_for:%A %d %B %Y}"))
    chosen = " (chosen with --as-of)" if d.summary.get("as_of_chosen") else ""
    out.print(Text(f"Data as at:    {_as_at(d.data_as_of, d.timezone)}{chosen}"))
    version = f"Version:       {d.version}"
    if d.supersedes is not None:
        version += f", after pack {d.supersedes} (sent, kept as it was)"
    if d.superseded_by is not None:
        version += f"; pack {d.superseded_by} is a newer version"
    out.print(Text(version))
    out.print(Text(f"Built at:      {d.built_at:%Y-%m-%d %H:%M:%S} UTC"))
    out.print(Text(f"Built from:    ledger {d.ledger_seq}:{d.ledger_hash}"))
    out.print(
        Text(
            f"Sent:          {d.published_at:%Y-%m-%d %H:%M:%S} UTC"
            if d.published_at
            else "Sent:          not yet"
        )
    )
    counts = d.summary.get("counts", {})
    out.print(
        Text(
            "Summary:       "
            + ", ".join(f"{counts.get(r, 0)} {r}" for r in ("red", "amber", "green", "complete"))
            + f"; {d.summary.get('exceptions', 0)} exceptions"
            + (f"; {d.summary['withheld']} exempt withheld" if d.summary.get("withheld") else "")
        )
    )
    rows = [[f["name"], f["sha256"], str(f["bytes"]), state, f["path"]] for f, state in d.files]
    out.print(table("Files", ["Name", "SHA-256", "Bytes", "On disk", "Path"], rows))


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
    from models.calendar import local_date
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
    today = local_date(datetime.now(UTC), app.settings.timezone)
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

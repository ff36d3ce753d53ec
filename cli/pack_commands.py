"""`lineofsight pack list|build|show` and `lineofsight meeting add`.

`pack list` and `pack show` read the pack table only: they import neither WeasyPrint nor matplotlib.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.text import Text

from cli.output import console, table
from cli.params import record_id
from flows.bootstrap import bootstrap

if TYPE_CHECKING:
    from flows.bootstrap import App

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
        None, "--out", help="Folder for the files (default: LINEOFSIGHT_PACKS_DIR)."
    ),
    send: bool = typer.Option(False, "--send", help="Email the PDF to the board and post a Teams card."),
    plan: str | None = PLAN_OPTION,
) -> None:
    """Build the pack for a meeting now: HTML and tagged PDF, stored with their SHA-256 and the ledger head.
    Building again from unchanged data gives the same pack, rewrites any file that differs from the one
    built, and writes copies to --out when that is another folder."""
    from models.board_meetings import find_meetings
    from models.calendar import local_date
    from models.db import read_session
    from models.vocab import Audience, parse_audience, parse_day
    from packs.build import build_pack

    app = bootstrap()
    day = parse_day(meeting_date, "--meeting")
    wanted = parse_audience(audience, "--audience") if audience else None
    with read_session(app.engine) as session:
        found = find_meetings(session, day, board_name=board, plan_name=plan)
    # One pack per board: the row of the asked audience if there is one, otherwise any row of that board.
    targets: dict[tuple[int, str], int] = {}
    for m, b, _ in found:
        if wanted is None:
            targets[(b.id or 0, m.audience.value)] = m.id or 0
        elif m.audience is wanted or (b.id or 0, wanted.value) not in targets:
            targets[(b.id or 0, wanted.value)] = m.id or 0
    today = local_date(datetime.now(UTC), app.settings.timezone)
    out_dir = out or app.settings.packs_dir
    out_console = console()
    built = []
    for (_, audience_value), meeting_id in sorted(targets.items()):
        result = build_pack(app.engine, meeting_id, Audience(audience_value), app.policy, today, out_dir)
        built.append(result)
        out_console.print(
            Text(
                f"Pack {result.pack_id} ({result.state}): {result.board}, {result.meeting_date:%d %B %Y}, "
                f"{result.audience}; pack date {result.built_for:%d %B %Y}\n  {result.path('.pdf')}\n  "
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
    if send:
        _send(app, [b.pack_id for b in built])


def _send(app: App, pack_ids: list[int]) -> None:
    from cli.outbox_commands import report_delivery
    from notifications.dispatch import dispatch
    from packs.publish import publish

    for pack_id in pack_ids:
        published = publish(app.engine, pack_id)
        console().print(
            Text(f"Pack {pack_id}: {published.queued} new notices for {', '.join(published.recipients)}")
        )
    result = dispatch(app.engine, app.transport, datetime.now(UTC), sender=app.settings.mail_from)
    report_delivery(result, app.settings.timezone)


@pack.command("list")
def list_packs(plan: str | None = PLAN_OPTION) -> None:
    """Every pack built: meeting, audience, pack date, when it was built and sent, and its PDF."""
    from models.board_packs import pack_rows
    from models.db import read_session

    app = bootstrap()
    with read_session(app.engine) as session:
        rows = pack_rows(session, plan)
    body = [
        [
            str(r.id),
            r.board,
            f"{r.meeting_date:%d %b %Y}",
            r.audience,
            f"{r.built_for:%d %b %Y}",
            f"{r.built_at:%Y-%m-%d %H:%M}",
            f"{r.published_at:%Y-%m-%d %H:%M}" if r.published_at else "not sent",
            r.pdf or "-",
        ]
        for r in rows
    ]
    console().print(
        table(
            "Board packs", ["Id", "Board", "Meeting", "Audience", "Pack date", "Built", "Sent", "PDF"], body
        )
    )
    console().print(f"{len(rows)} pack{'s' * (len(rows) != 1)}.")


@pack.command("show")
def show(pack_id: int = record_id("The pack's id, from `lineofsight pack list`.")) -> None:
    """One pack: what it was built from, its files with their SHA-256 (checked against the files on disk),
    and its summary counts."""
    from models.board_packs import pack_detail
    from models.db import read_session

    app = bootstrap()
    with read_session(app.engine) as session:
        d = pack_detail(session, pack_id)
    out = console()
    out.print(Text(f"Pack {d.id}: {d.board}, meeting of {d.meeting_date:%A %d %B %Y} ({d.audience})"))
    out.print(Text(f"Plan:          {d.plan}"))
    out.print(Text(f"Pack date:     {d.built_for:%A %d %B %Y}"))
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
    from models.board_meetings import add_meeting
    from models.db import unit_of_work
    from models.sweep import calendar_for
    from models.vocab import parse_audience, parse_day
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
    issue = pack_date(when, calendar_for(owner, policy), policy.meetings.pack_days)
    console().print(
        Text(
            f"Added the {added.audience.value} meeting of {found.name} on {when:%A %d %B %Y}; "
            f"its pack will be built on {issue:%A %d %B %Y}."
        )
    )

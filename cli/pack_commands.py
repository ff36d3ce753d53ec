"""`lineofsight pack build|approve|send|list|show|cover|template`: building a meeting's pack,
approving and sending it here, reading the packs built in `cli/pack_views.py` (which imports neither
WeasyPrint nor matplotlib), a board's Word cover settings and template.

A pack is built as a draft; the board secretariat approves and sends it (in the console, or here with
`approve` and `send`); `build --send` is an operator's approve-and-send in one step, recorded as such."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.text import Text

from cli import clock, pack_views
from cli.output import console
from cli.params import MAX_ID, actor_option
from cli.progress import progress
from flows.bootstrap import bootstrap

if TYPE_CHECKING:
    from flows.bootstrap import App
    from packs.build import BuiltPack

pack = typer.Typer(help="Board packs: build, list and inspect them.", no_args_is_help=True)

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
    send: bool = typer.Option(
        False,
        "--send",
        help="Approve the pack and send it now: email the PDF to the board and post a Teams card "
        "(recorded as approved and sent from the command line).",
    ),
    by: str = actor_option("system:operator", "Who approves and sends it with --send (recorded)."),
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
    now = clock.now()
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
        _send(app, [b.pack_id for b in built], by, CLI_APPROVAL)


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
            f"  Data as at {result.as_of or result.built_for}\n  "
            + "\n  ".join(f["path"] for f in result.files)
        )
    )
    if result.word_problem:  # the PDF and HTML are built; the Word file is not, and this says why
        out_console.print(Text(f"  No Word file: {result.word_problem}", style="bold"))
    if result.restored:
        out_console.print(
            Text(
                f"  Rewrote {', '.join(result.restored)}: the file on disk was missing or not the one "
                "built (see PackFilesRestored in the audit log)."
            )
        )
    if result.unrestorable:  # the record names files this build no longer gives: never others in their place
        out_console.print(
            Text(
                f"  Not restored: {', '.join(result.unrestorable)} is missing or not the one built, and this "
                "build no longer gives the same file (its Word template or cover changed since it was sent), "
                "so it was left as it is. `lineofsight pack show` reports it.",
                style="bold",
            )
        )
    if result.copies:
        out_console.print(
            Text(
                f"  Unchanged since it was built, so the pack sent stays where it was; copies written to "
                f"{out_dir}:\n  " + "\n  ".join(str(p) for p in result.copies)
            )
        )


CLI_APPROVAL = "approved and sent from the command line"
PACK_ID = typer.Option(..., "--pack", min=1, max=MAX_ID, help="The pack's id, from `lineofsight pack list`.")


@pack.command("approve")
def approve(
    pack_id: int = PACK_ID,
    by: str = actor_option("system:operator", "Who approves it (recorded in the audit ledger)."),
) -> None:
    """Approve a draft pack: its files are first rendered again with the secretariat's words, and the
    approval names them. Nothing is sent (see `pack send`)."""
    from packs.secretariat import approve as approve_pack

    app = bootstrap()
    approve_pack(app.engine, pack_id, by, app.policy, clock.now())
    console().print(
        Text(f"Pack {pack_id} is approved by {by}; `lineofsight pack send --pack {pack_id}` sends it.")
    )


@pack.command("send")
def send_pack(
    pack_id: int = PACK_ID,
    by: str = actor_option("system:operator", "Who sends it (recorded in the audit ledger)."),
) -> None:
    """Send an approved pack to its board now (a draft is refused: approve it first)."""
    from packs.secretariat import send as send_approved

    app = bootstrap()
    published = send_approved(app.engine, pack_id, by, clock.now())
    console().print(
        Text(f"Pack {pack_id}: {published.queued} new notices for {', '.join(published.recipients)}")
    )
    _deliver(app, [pack_id])


def _send(app: App, pack_ids: list[int], by: str, approval: str | None) -> None:
    """The packs go now, because the secretariat asks now, even on a day their plan's nation is not at work;
    everything else due waits for its plan's next working day, as `dispatch` holds it. Exit 1 when a
    delivery failed, as `dispatch`."""
    from packs.publish import publish

    now = clock.now()
    for pack_id in pack_ids:
        published = publish(app.engine, pack_id, actor=by, now=now, approval=approval)
        console().print(
            Text(f"Pack {pack_id}: {published.queued} new notices for {', '.join(published.recipients)}")
        )
    _deliver(app, pack_ids)


def _deliver(app: App, pack_ids: list[int]) -> None:
    from cli.outbox_commands import report_delivery
    from notifications.delivery_days import resting_plans
    from notifications.dispatch import dispatch
    from packs.publish import pack_notices

    now = clock.now()
    held = resting_plans(app.engine, app.policy, now)
    asked = pack_notices(app.engine, pack_ids)
    result = dispatch(
        app.engine,
        app.senders,
        now,
        sender=app.settings.mail_from,
        held=held,
        asked=asked,
        links=app.links(now),
    )
    if report_delivery(result, app.settings.timezone):
        raise typer.Exit(1)


template = typer.Typer(
    help="A board's own Word (.docx) template for its packs: check it, set it.", no_args_is_help=True
)
pack.add_typer(template, name="template")


@template.command("check")
def check_template(
    file: Path = typer.Argument(..., help="The .docx template, with docxtpl tags such as {{ report_to }}."),
) -> None:
    """Fill the template with the demo plan's December board pack and list every tag it does not know, with
    the paragraph it is in. Exit 1 when there is any problem."""
    from cli.params import input_file
    from flows.demo_plan import load_spec
    from packs.council_template import check_against
    from packs.word_cover import TAGS

    path = input_file(file, suffixes=(".docx",), what="a Word template")
    app = bootstrap(check_schema=False)
    problems = check_against(path.read_bytes(), path.name, app.policy, load_spec())
    out = console()
    if problems:
        for problem in problems:
            out.print(Text(f"{path.name}: {problem}"))
        out.print(Text("The tags a template may use: " + ", ".join(sorted(TAGS))))
        raise typer.Exit(1)
    out.print(Text(f"{path.name}: every tag is known, and it fills with the demo's December board pack."))


@template.command("default")
def default_template(
    file: Path = typer.Argument(..., help="Where to write it, e.g. our-report.docx."),
    force: bool = typer.Option(False, "--force", help="Overwrite the file if it already exists."),
) -> None:
    """Write the committee-report template the product ships, tags in place, for a council to start its
    own from (edit it in Word, then `pack template check` and `pack template set`)."""
    from cli.params import output_file
    from models.output.files import write_bytes
    from packs.word_cover import default_template as shipped

    path = output_file(file, suffixes=(".docx",), force=force, what="a Word template")
    write_bytes(path, shipped())
    console().print(Text(f"Wrote {path}: the default committee-report template, with its tags."))


@template.command("set")
def set_template(
    file: Path = typer.Argument(..., help="The .docx template (checked first: a broken one is refused)."),
    board: str = typer.Option(..., "--board", help="The board whose packs use it."),
    by: str = actor_option("system:operator", "Who sets it (recorded in the audit ledger)."),
    plan: str | None = PLAN_OPTION,
) -> None:
    """Store the template's bytes for a board (so the pack never depends on a path that may move), with its
    SHA-256 and a PackTemplateSet event. The board's next pack build uses it for the Word file."""
    from cli.params import input_file
    from packs.council_template import set_template as store

    path = input_file(file, suffixes=(".docx",), what="a Word template")
    app = bootstrap()
    stored = store(app.engine, board, path.name, path.read_bytes(), by, clock.now(), plan)
    was = f"; it replaces {stored.replaced[:16]}..." if stored.replaced else ""
    console().print(
        Text(
            f"{stored.board} ({stored.plan}) now builds its Word packs from {path.name}, "
            f"SHA-256 {stored.sha256}{was}"
        )
    )


@pack.command("cover")
def cover(
    board: str = typer.Option(..., "--board", help="The board."),
    lead_officer: str | None = typer.Option(None, "--lead-officer", help="The cover's LEAD OFFICER."),
    cabinet_member: str | None = typer.Option(None, "--cabinet-member", help="The cover's CABINET MEMBER."),
    exempt_paragraph: str | None = typer.Option(
        None,
        "--exempt-paragraph",
        help="What exempt items are withheld under, e.g. 'paragraph 3 of Schedule 12A to the Local "
        "Government Act 1972'.",
    ),
    word: bool | None = typer.Option(
        None, "--word/--no-word", help="Whether sending a pack attaches the Word file beside the PDF."
    ),
    meeting: str | None = typer.Option(
        None, "--meeting", help="With --agenda-item: the meeting's date, e.g. 2017-12-05."
    ),
    agenda_item: str | None = typer.Option(
        None, "--agenda-item", help="The meeting's AGENDA ITEM on the cover, e.g. 6 (needs --meeting)."
    ),
    by: str = actor_option("system:operator", "Who changes them (recorded in the audit ledger)."),
    plan: str | None = PLAN_OPTION,
) -> None:
    """Set a board's Word cover settings (only those given change; an empty text clears one), recorded as
    BoardChanged, and a meeting's agenda item (MeetingChanged)."""
    from models.vocab import parse_day
    from packs.cover_settings import check_cover, set_agenda_item, set_cover

    if (meeting is None) != (agenda_item is None):
        raise typer.BadParameter("--agenda-item and --meeting go together: which meeting, which item")
    wanted = {
        "lead_officer": lead_officer,
        "cabinet_member": cabinet_member,
        "exempt_paragraph": exempt_paragraph,
        "wants_word": word,
    }
    check_cover(wanted, agenda_item)  # all of it, before the meeting's item is written
    day = parse_day(meeting, "--meeting") if meeting is not None else None
    app = bootstrap()
    if day is not None and agenda_item is not None:
        rows = set_agenda_item(app.engine, board, day, agenda_item, by, plan)
        console().print(
            Text(f"{board}, {day:%d %B %Y}: agenda item {agenda_item} ({rows} meeting rows changed)")
        )
    changed = set_cover(app.engine, board, wanted, by, plan)
    console().print(Text(f"{board}: " + (", ".join(changed) + " changed" if changed else "nothing changed")))


pack.command("list")(pack_views.list_packs)
pack.command("show")(pack_views.show)

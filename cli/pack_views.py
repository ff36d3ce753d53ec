"""`lineofsight pack list` and `pack show`: the packs built, read from the pack table only (no WeasyPrint,
no matplotlib), with their versions and the moment their data is from."""

from __future__ import annotations

from datetime import datetime

import typer
from rich.text import Text

from cli.output import Format, console, table, write_json
from cli.params import record_id
from flows.bootstrap import bootstrap
from models.vocab import plural


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


def list_packs(
    plan: str | None = typer.Option(
        None, "--plan", help="Only this plan's packs (default: the packs of every plan)."
    ),
    output: Format = typer.Option(Format.TABLE, "--format", help="table or json."),
) -> None:
    """Every pack built, each version of it: meeting, audience, pack date, the moment its data is from,
    when it was built, where it stands (draft, approved, sent) and when it was sent, and its PDF."""
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
            r.stage,
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
        "Stage",
        "Sent (UTC)",
    ]
    console().print(table("Board packs", [*columns, "PDF"], body))
    console().print(plural(len(rows), "pack") + ".")


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
    approved = "not yet: a draft, waiting for the secretariat's approval"
    if d.approved_at:
        approved = f"{d.approved_at:%Y-%m-%d %H:%M:%S} UTC by {d.approved_by or 'unknown'}"
    out.print(Text(f"Approved:      {approved}"))
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
    if d.summary.get("word_problem"):  # built without its .docx: the board's template could not be filled
        out.print(Text(f"Word file:     not built: {d.summary['word_problem']}"))
    rows = [[f["name"], f["sha256"], str(f["bytes"]), state, f["path"]] for f, state in d.files]
    out.print(table("Files", ["Name", "SHA-256", "Bytes", "On disk", "Path"], rows))

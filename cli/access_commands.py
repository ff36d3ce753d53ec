"""`lineofsight access`: time-boxed, read-only grants to the console (an inspector's only way in), their
revocation, and the list of who holds one. Board roles come from the workbook, not from here."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

import typer
from rich.text import Text

from cli import clock
from cli.output import Format, console, table, write_csv, write_json
from cli.params import actor_option
from flows.bootstrap import bootstrap
from models.vocab import plural

access = typer.Typer(
    help="Read-only access to the console granted by an operator until a date (inspectors, outside "
    "auditors): grant, revoke, list.",
    no_args_is_help=True,
)

PERSON_HELP = "Their email address, e.g. inspector@example.gov.uk."
FIELDS = (
    "plan",
    "email",
    "name",
    "role",
    "until",
    "state",
    "granted_by",
    "granted_at",
    "revoked_by",
    "revoked_at",
)
COLUMNS = ["Plan", "Email", "Name", "Role", "Until", "State", "Granted by", "Granted", "Revoked by"]


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


@access.command()
def grant(
    person: str = typer.Option(..., "--person", help=PERSON_HELP),
    role: str = typer.Option(..., "--role", help="inspector or auditor: both read, neither writes."),
    until: str = typer.Option(
        ...,
        "--until",
        help="The last day of access, the plan's local day: 2018-03-31 or 31/03/2018, today at the "
        "earliest, 366 days ahead at the latest.",
    ),
    plan: list[str] | None = typer.Option(
        None, "--plan", help="A plan to open to them; repeat for several. Required unless --all-plans."
    ),
    all_plans: bool = typer.Option(
        False,
        "--all-plans",
        help="Open every plan in this database now, of every organisation (not plans imported later), "
        "instead of naming them with --plan.",
    ),
    name: str | None = typer.Option(
        None,
        "--name",
        help="Their name as the console shows it (default: their People row's name in the plan, else the "
        "address).",
    ),
    by: str = actor_option("system:operator", "Who grants it (recorded in the audit ledger)."),
) -> None:
    """Let someone read the plans' record in the console until a date: everything the secretariat sees,
    and the ledger, with no write. Granting again to the same person, role and plan moves the end date."""
    from models.console.grants import grant_access, grant_role
    from models.db import unit_of_work
    from models.plans.text_rules import email_address
    from models.vocab import parse_day

    email, given, last = email_address(person, "--person"), grant_role(role), parse_day(until, "--until")
    app = bootstrap()
    with unit_of_work(app.engine) as session:
        done = grant_access(
            session,
            email=email,
            name=name,
            plans=plan,
            all_plans=all_plans,
            role=given,
            until=last,
            by=by,
            now=clock.now(),
        )
    for g in done:
        was = f" (was {_day(g.previous_until)})" if g.previous_until and g.change != "unchanged" else ""
        console().print(
            Text(
                f"{g.change.capitalize()}: {g.name} <{g.email}> reads plan {g.plan} as {g.role.value} until "
                f"the end of {_day(g.until)}{was}."
            )
        )


@access.command()
def revoke(
    person: str = typer.Option(..., "--person", help=PERSON_HELP),
    plan: list[str] | None = typer.Option(
        None, "--plan", help="Only their grant to this plan; repeat for several (default: every plan)."
    ),
    role: str | None = typer.Option(None, "--role", help="Only this role's grant: inspector or auditor."),
    by: str = actor_option("system:operator", "Who revokes it (recorded in the audit ledger)."),
) -> None:
    """End someone's grants at once: their next page in the console is refused. The grants stay on the
    record, marked revoked."""
    from models.console.grants import grant_role, revoke_access
    from models.db import unit_of_work
    from models.plans.text_rules import email_address

    email = email_address(person, "--person")
    wanted = grant_role(role) if role is not None else None
    app = bootstrap()
    with unit_of_work(app.engine) as session:
        done = revoke_access(session, email=email, plans=plan, role=wanted, by=by, now=clock.now())
    for g in done:
        console().print(
            Text(f"Revoked: {g.name} <{g.email}> no longer reads plan {g.plan} as {g.role.value}.")
        )


def _record(view: Any) -> dict[str, Any]:
    values = asdict(view)
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in values.items()}


@access.command("list")
def list_(
    plan: str | None = typer.Option(None, "--plan", help="Only this plan's grants (default: every plan)."),
    everything: bool = typer.Option(
        False, "--all", help="Expired and revoked grants too (default: only the live ones)."
    ),
    output: Format = typer.Option(Format.TABLE, "--format", help="table, json or csv."),
) -> None:
    """The grants: who may read which plan, as what, until when, and who granted it."""
    from models.console.grant_list import list_grants
    from models.db import read_session

    app = bootstrap()
    with read_session(app.engine) as session:
        rows = list_grants(session, plan=plan, everything=everything, now=clock.now())
    if output is Format.JSON:
        write_json([_record(g) for g in rows])
        return
    if output is Format.CSV:
        write_csv([_record(g) for g in rows], FIELDS)
        return
    body = [
        [
            g.plan,
            g.email,
            g.name,
            g.role,
            g.until.isoformat(),
            g.state,
            g.granted_by,
            f"{g.granted_at:%Y-%m-%d %H:%M}",
            g.revoked_by or "",
        ]
        for g in rows
    ]
    listing = table("Grants" if everything else "Live grants", COLUMNS, body)
    for column in listing.columns:
        column.no_wrap = column.header in ("Email", "Until")  # whole, so they can be copied
    console().print(listing)
    console().print(f"{plural(len(rows), 'grant')}.")

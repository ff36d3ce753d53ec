"""`lineofsight links`: the signed links sent in owners' messages; `revoke` withdraws a person's."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import typer
from rich.text import Text

from cli import clock
from cli.output import console
from cli.params import actor_option
from flows.bootstrap import bootstrap
from models.vocab import plural

links = typer.Typer(
    help="The signed links in owners' messages, which open their update pages.", no_args_is_help=True
)


@links.command()
def revoke(
    person: str = typer.Option(
        ..., "--person", help="The address the links were sent to, e.g. owner@example.org."
    ),
    plan: str | None = typer.Option(
        None,
        "--plan",
        help="Only the links of this plan's organisation (default: every organisation that has the address).",
    ),
    by: str = actor_option("system:operator", "Who withdraws them (recorded in the audit ledger)."),
) -> None:
    """Withdraw every link sent to a person until now (a lost phone, a forwarded email, someone who left):
    those links stop working at once, and the messages sent from now on carry new links that work."""
    from models.db import unit_of_work
    from models.links.revocation import revoke_links
    from models.plans.text_rules import email_address

    email = email_address(person, "--person")
    app = bootstrap()
    with unit_of_work(app.engine) as session:
        done = revoke_links(session, email, plan_name=plan, actor=by, at=clock.now())
    local = done.at.astimezone(ZoneInfo(app.settings.timezone))
    rows = plural(done.people, "people row")
    plans = f"plan{'s' * (len(done.plans) != 1)} {', '.join(done.plans)}" if done.plans else "no plan yet"
    console().print(
        Text(
            f"Withdrew every link sent to {done.email} before {local:%H:%M} on {local.day} {local:%B %Y} "
            f"({rows}: {plans}). New messages carry new links."
        )
    )

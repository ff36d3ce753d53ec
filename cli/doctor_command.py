"""`lineofsight doctor`: every part this installation depends on, checked, with the fix for what is wrong."""

from __future__ import annotations

import typer
from rich.table import Table
from rich.text import Text

from cli.output import console
from models.vocab import plural


def doctor() -> None:
    """Check the database, ledger, outbox, Teams URLs, policy, SMTP server, the links in owners' messages
    (their secret key and address) and the Prefect API; send nothing.

    Exits 1 when a check fails; a warning (say, no SMTP server configured) is not a failure.
    """
    from config.settings import Settings
    from flows.doctor import State, diagnose

    checks = diagnose(Settings())
    colours = {State.OK: "green", State.WARN: "yellow", State.FAIL: "bold red"}
    table = Table(show_lines=False, header_style="bold")
    for column in ("check", "state", "detail", "fix"):
        table.add_column(column)
    for check in checks:
        table.add_row(
            check.name,
            Text(check.state.value, style=colours[check.state]),
            Text(check.detail),
            Text(check.fix),
        )
    out = console()
    out.print(table)
    failed = [c.name for c in checks if c.state is State.FAIL]
    if failed:
        out.print(Text(f"{plural(len(failed), 'check')} failed: {', '.join(failed)}.", style="bold red"))
        raise typer.Exit(1)
    out.print(Text("All checks passed.", style="green"))

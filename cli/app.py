"""The `lineofsight` command: a thin layer over plain functions in models/ and flows/.

Read-only commands import neither prefect nor weasyprint, so they answer in well under a second.
"""

from __future__ import annotations

import os
import sys

import typer

from cli import (
    access_commands,
    audit_commands,
    demo_command,
    doctor_command,
    init_command,
    link_commands,
    meeting_commands,
    outbox_commands,
    pack_commands,
    plan_commands,
    serve_command,
    sweep_commands,
    web_command,
    workbook_commands,
)
from cli.edge import CLOSED_PIPE, EdgeGroup, silence_stdout
from cli.output import console

app = typer.Typer(
    cls=EdgeGroup,
    help="Line of Sight: keeps an improvement plan on track. Reminds owners, escalates slippage, "
    "builds board packs and keeps a tamper-evident audit trail.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(asked: bool) -> None:
    if asked:
        from importlib.metadata import version

        console().print(f"lineofsight {version('lineofsight')}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    debug: bool = typer.Option(False, "--debug", help="Show the full traceback when something fails."),
    version: bool = typer.Option(
        False, "--version", is_eager=True, callback=_version, help="Print the installed version and exit."
    ),
) -> None:
    ctx.meta["debug"] = debug or ctx.meta.get("debug", False)  # the edge takes --debug after the command too


app.command()(init_command.init)
app.command()(demo_command.demo)
app.command()(plan_commands.status)
app.command()(plan_commands.show)
app.command()(plan_commands.update)
app.command()(sweep_commands.sweep)
app.command()(sweep_commands.escalations)
app.command()(outbox_commands.dispatch)
app.add_typer(outbox_commands.outbox, name="outbox")
app.command()(workbook_commands.template)
app.command("import")(workbook_commands.import_)
app.command()(workbook_commands.export)
app.add_typer(audit_commands.audit, name="audit")
app.add_typer(pack_commands.pack, name="pack")
app.add_typer(meeting_commands.meeting, name="meeting")
app.add_typer(link_commands.links, name="links")
app.add_typer(access_commands.access, name="access")
app.command()(doctor_command.doctor)
app.command()(serve_command.serve)
app.command()(web_command.web)


def main() -> None:
    # The edge ends a command whose reader went early; this catches what is written outside any command
    # (help, usage errors) and the last flush, so a closed pipe never prints "Exception ignored ...".
    if sys.stdout is None:  # started with stdout closed (`>&-`): what it says goes nowhere, without a crash
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - open for the life of the process
    try:
        try:
            app()
        finally:
            sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
        sys.exit(CLOSED_PIPE)

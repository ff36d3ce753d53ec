"""The edge: every error a command raises is translated here, once, into a message and an exit code.

No traceback reaches a user unless they ask for one with `--debug`.
"""

from __future__ import annotations

from typing import Any

import pydantic
import typer
from rich.markup import escape
from sqlalchemy.exc import DBAPIError
from typer.core import TyperGroup

from cli.output import err_console
from models.errors import LineOfSightError


def _fail(message: str, code: int) -> typer.Exit:
    err_console().print(f"[bold red]Error:[/] {escape(message)}")
    return typer.Exit(code)


class EdgeGroup(TyperGroup):
    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):  # help, usage errors: Typer's own
            raise
        except Exception as exc:
            if ctx.meta.get("debug"):
                raise
            raise translate(exc) from None


def translate(exc: Exception) -> typer.Exit:
    if isinstance(exc, LineOfSightError):
        if len(exc.details) > 1:
            for line in exc.details:
                err_console().print(f"  - {escape(line)}")
        return _fail(str(exc), exc.exit_code)
    if isinstance(exc, pydantic.ValidationError):
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        return _fail(f"Invalid configuration ({problems}). Check the LINEOFSIGHT_ environment variables.", 1)
    if isinstance(exc, DBAPIError):
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        return _fail(
            f"Database error: {reason}. Check LINEOFSIGHT_DATABASE_URL, or run `lineofsight init`.", 1
        )
    return _fail(
        f"Unexpected {type(exc).__name__}: {exc}. Run the command again with --debug for details, "
        "and report it if it persists.",
        1,
    )

"""The edge: every error a command raises is translated here, once, into a message and an exit code.

No traceback reaches a user unless they ask for one with `--debug`.
"""

from __future__ import annotations

from typing import Any

import pydantic
import typer
from rich.markup import escape
from sqlalchemy.exc import DataError, DBAPIError
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


USER_PATH_ERRORS = (
    FileNotFoundError,
    FileExistsError,
    IsADirectoryError,
    NotADirectoryError,
    PermissionError,
)


def translate(exc: Exception) -> typer.Exit:
    if isinstance(exc, LineOfSightError):
        if len(exc.details) > 1:
            for line in exc.details:
                err_console().print(f"  - {escape(line)}")
        return _fail(str(exc), exc.exit_code)
    if isinstance(exc, pydantic.ValidationError):
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        return _fail(f"Invalid configuration ({problems}). Check the LINEOFSIGHT_ environment variables.", 1)
    if isinstance(exc, DataError):  # a value the database cannot hold ("integer out of range")
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        return _fail(f"Invalid value: the database cannot hold it ({reason}).", 2)
    if isinstance(exc, DBAPIError):
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        return _fail(
            f"Database error: {reason}. Check LINEOFSIGHT_DATABASE_URL, or run `lineofsight init`.", 1
        )
    if isinstance(exc, USER_PATH_ERRORS):
        # A file or folder the user named: missing, a folder where a file was meant, not allowed.
        where = f" {exc.filename}" if exc.filename is not None else ""
        return _fail(f"Cannot use{where}: {exc.strerror or exc}.", 2)
    if isinstance(exc, OverflowError | ValueError):
        # The safety net for a value typed on the command line that no check caught first (a date past the
        # calendar's end, a number too large, a NUL byte in a path): bad input, said as such, not a crash.
        # A bug can raise these too: say how to tell the two apart rather than hide it.
        return _fail(
            f"Invalid value: {exc}. Check the values given to the command; if they are right, run it again "
            "with --debug and report it.",
            2,
        )
    return _fail(
        f"Unexpected {type(exc).__name__}: {exc}. Run the command again with --debug for details, "
        "and report it if it persists.",
        1,
    )

"""The edge: every error a command raises is translated here, once, into a message and an exit code.

No traceback reaches a user unless they ask for one with `--debug`, and a reader that stops early
(`| head -1`) ends the command quietly, as it ends any Unix tool.
"""

from __future__ import annotations

import errno
import os
import sys
from typing import Any

import pydantic
import typer
from rich.markup import escape
from sqlalchemy.exc import DataError, DBAPIError
from typer.core import TyperGroup

from cli.output import err_console
from models.errors import LineOfSightError

# What a shell reports for a process ended by SIGPIPE (128 + 13): `set -o pipefail` scripts see a closed
# pipe, not a failure of ours. Python ignores SIGPIPE, so the closed pipe arrives as BrokenPipeError instead.
CLOSED_PIPE = 141
DEBUG_FLAG = "--debug"


def _fail(message: str, code: int) -> typer.Exit:
    err_console().print(f"[bold red]Error:[/] {escape(message)}")
    return typer.Exit(code)


def silence_stdout() -> None:
    """Python's "Note on SIGPIPE": whatever is still buffered, and the flush at exit, go to devnull instead
    of raising a second BrokenPipeError ("Exception ignored ...") on the way out."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (a test runner's capture): nothing to flush
        pass


class EdgeGroup(TyperGroup):
    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        # `--debug` is the root's option, but people add it where they notice the failure: after the command
        # (`lineofsight status --debug`). Taken from anywhere before `--`, where it is never an argument.
        end = args.index("--") if "--" in args else len(args)
        if DEBUG_FLAG in args[:end]:
            ctx.meta["debug"] = True
            args = [a for a in args[:end] if a != DEBUG_FLAG] + args[end:]
        try:
            return super().parse_args(ctx, args)  # `--help` writes here
        except BrokenPipeError:
            silence_stdout()
            raise typer.Exit(CLOSED_PIPE) from None

    def invoke(self, ctx: Any) -> Any:
        try:
            try:
                return super().invoke(ctx)
            finally:
                if sys.stdout is not None:  # a reader gone early shows up here, not in the last flush at exit
                    sys.stdout.flush()
        except BrokenPipeError:
            silence_stdout()
            raise typer.Exit(CLOSED_PIPE) from None
        except (typer.Exit, typer.Abort, typer.TyperException):  # help, usage errors: Typer's own
            raise
        except Exception as exc:
            if ctx.meta.get("debug"):
                raise
            raise translate(exc) from None


# A path the user gave (an argument, or a LINEOFSIGHT_*_DIR setting) that cannot be used as it stands: bad
# input, exit 2. Any other OSError on a path (a full disk, a read-only file system) is the machine's: exit 1.
_PATH_PROBLEMS = {
    errno.ENOENT: "does not exist (or the folder it belongs in does not)",
    errno.ENOTDIR: "goes through a file as if it were a folder",
    errno.EISDIR: "is a folder, where a file is needed",
    errno.EEXIST: "already exists",
    errno.EACCES: "is not allowed to this user (permission denied)",
    errno.EPERM: "is not allowed to this user (operation not permitted)",
    errno.ENAMETOOLONG: "is too long a name for the file system",
    errno.ELOOP: "goes round a loop of symbolic links",
}


def _path_error(exc: OSError) -> typer.Exit:
    where = exc.filename if exc.filename is not None else "a file or folder"
    if exc.filename2 is not None:
        where = f"{where} -> {exc.filename2}"
    problem = _PATH_PROBLEMS.get(exc.errno or 0)
    if problem is not None:
        return _fail(
            f"{where} {problem}. Check the path given to the command, or the LINEOFSIGHT_ setting that names "
            "it (lineofsight doctor checks them).",
            2,
        )
    return _fail(f"Cannot use {where}: {exc.strerror or exc}.", 1)


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
    if isinstance(exc, OSError) and (exc.filename is not None or exc.errno in _PATH_PROBLEMS):
        return _path_error(exc)
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

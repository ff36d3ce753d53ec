"""Progress for long work: a Rich bar on a terminal, nothing at all when output goes to a pipe or a file
(a log or a script reads only the result)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from cli.output import err_console


class Step(Protocol):
    def __call__(self, advance: int = 1, *, description: str | None = None) -> None: ...


@contextmanager
def progress(description: str, total: int | None = None) -> Iterator[Step]:
    """`with progress("Sweeping", total=n) as step: ... step()`: drawn on stderr, only on a terminal."""
    console = err_console()
    if not console.is_terminal:

        def quiet(advance: int = 1, *, description: str | None = None) -> None:
            return None

        yield quiet
        return
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}" if total else ""),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=total)

        def step(advance: int = 1, *, description: str | None = None) -> None:
            bar.update(task, advance=advance, description=description)

        yield step

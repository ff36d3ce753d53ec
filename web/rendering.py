"""Pages rendered on the server from the templates beside this module, autoescaped: every value a person or
a workbook typed is text, never markup."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from jinja2.filters import do_urlencode

from models.output.secrets import redact_text
from models.vocab import day_in_words, plural


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("web", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters["day"] = day_in_words  # remembered (models.vocab), as a page writes a few hundred dates
    # Remembered: a console page after a change writes the same few hundred refs a thousand times.
    env.filters["urlencode"] = urlencode
    env.filters["working_days"] = working_days
    # A delivery error as a page may show it: a Workflows URL or a password in it never reaches a reader.
    env.filters["redacted"] = redact_text
    return env


def urlencode(value: Any) -> str:
    """Jinja's own `urlencode`, remembered for text (a dict or a list of pairs is encoded afresh)."""
    return _quoted(value) if isinstance(value, str) else do_urlencode(value)


@lru_cache(maxsize=8192)
def _quoted(text: str) -> str:
    return do_urlencode(text)


def working_days(n: int) -> str:
    """Working days to a due date, in words: "in 3 working days", "today", "overdue by 2 working days"."""
    if n == 0:
        return "today"
    return f"in {plural(n, 'working day')}" if n > 0 else f"overdue by {plural(-n, 'working day')}"


def page(template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    return HTMLResponse(environment().get_template(template).render(context), status_code=status)


def problem(status: int, title: str, text: str, **extra: Any) -> HTMLResponse:
    """A plain page for what went wrong: a title and a sentence, nothing about any item."""
    return page("problem.html.j2", {"title": title, "text": text, **extra}, status)

"""A PackContext rendered: one HTML document (charts embedded as SVG), and the same document as a tagged
PDF/UA-1 (WeasyPrint, A4, page numbers, table headers repeated on every page).

User text (titles, commentary, reasons) is autoescaped: markup in it prints as text in both formats.
Both outputs are deterministic: the PDF's dates come from the pack's own date and its file identifier from
the content, so a rebuild from unchanged data gives the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import lru_cache

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from models.sweep.rules import LEVEL_NAMES
from models.vocab import day_in_words, short_day
from packs.context import PackContext

TITLES = {
    "summary": "Summary",
    "figures": "Figures: RAG by area and over time",
    "forecast": "Forecast to finish late",
    "exceptions": "Exceptions",
    "changes": "What changed since the last pack",
    "milestones": "Milestones",
    "theme": "The meeting's theme",
    "silent": "Who did not update for this meeting",
    "dead": "Notices that could not be delivered",
    "register": "Appendix A: the action register",
    "rules": "Appendix: the RAG rules and escalation policy in force",
}
AUDIENCE_LABELS = {"board": "Board", "scrutiny": "Scrutiny", "public": "Public"}


@dataclass(frozen=True)
class Charts:
    areas: str  # SVG text
    trend: str


def _day(value: date) -> str:
    """ "Fri 8 Dec 2017" for a table cell, free to wrap after the weekday only (no-break spaces after it)."""
    weekday, rest = short_day(value).split(" ", 1)
    return weekday + " " + rest.replace(" ", "\u00a0")


def _isoday(value: str) -> str:
    return _day(date.fromisoformat(value))


def _css_string(value: str) -> Markup:
    """Text for a CSS string in the page margins: the style sheet is raw text, where HTML escaping does not
    apply, so CSS escaping keeps a quote or `</style>` in a board's name from breaking out."""
    escaped = "".join(f"\\{ord(ch):X} " if ch in '"\\<>&\n\r' or ord(ch) < 32 else ch for ch in str(value))
    return Markup(escaped)


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("packs", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # Dates as people write them: in full in sentences ("Friday 8 December 2017"), short in table cells.
    env.filters.update(day=_day, longday=day_in_words, isoday=_isoday, css_string=_css_string)
    return env


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def render_html(
    context: PackContext, charts: Charts, pack_days: int, exempt_paragraph: str | None = None
) -> str:
    """`exempt_paragraph`: the board's setting, which the public pack's cover names as the ground its exempt
    items are withheld on (as the Word cover does)."""
    theme_heading = "Scrutiny standing item" if context.audience == "scrutiny" else "Deep dive"
    return (
        _environment()
        .get_template("pack.html.j2")
        .render(
            c=context,
            charts={"areas": _data_uri(charts.areas), "trend": _data_uri(charts.trend)},
            # The rules are Appendix B when the register is Appendix A, in the contents as on their page.
            titles=TITLES
            | (
                {"rules": TITLES["rules"].replace("Appendix:", "Appendix B:")}
                if context.has("register")
                else {}
            ),
            levels={level: f"{level}: {name}" for level, name in LEVEL_NAMES.items()},
            audience_label=AUDIENCE_LABELS[context.audience],
            theme_heading=theme_heading,
            pack_days=pack_days,
            exempt_paragraph=exempt_paragraph,
            stamp=f"{context.built_on.isoformat()}T00:00:00Z",
        )
    )


def render_pdf(html: str, built_on: date) -> bytes:
    from weasyprint import HTML  # only the commands that build a pack pay for importing it

    identifier = hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode("ascii")
    with _source_date_epoch(built_on):
        pdf: bytes = HTML(string=html).write_pdf(pdf_variant="pdf/ua-1", pdf_identifier=identifier)
    return pdf


# Without HarfBuzz's subsetter WeasyPrint subsets fonts with fontTools, which stamps each subset with the
# current time unless SOURCE_DATE_EPOCH says otherwise; write_pdf has no parameter for it, and fontTools
# reads only the environment: so it is set for one render at a time, under a lock, and put back.
_EPOCH_LOCK = threading.Lock()


@contextmanager
def _source_date_epoch(built_on: date) -> Iterator[None]:
    """The fonts' timestamp is the pack's date (or the SOURCE_DATE_EPOCH the caller set) while rendering."""
    epoch = str(int(datetime.combine(built_on, time(0), tzinfo=UTC).timestamp()))
    with _EPOCH_LOCK:
        previous = os.environ.get("SOURCE_DATE_EPOCH")
        os.environ["SOURCE_DATE_EPOCH"] = previous or epoch
        try:
            yield
        finally:
            if previous is None:
                os.environ.pop("SOURCE_DATE_EPOCH", None)

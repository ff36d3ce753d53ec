"""The programme page's trend as inline SVG, drawn as the pack draws its own (the same colours, letters and
deterministic output: packs.charts); the page's table under it holds the same numbers as text.

matplotlib styles its SVG with `style` attributes and a `<style>` element, which the pages'
Content-Security-Policy (`style-src 'self'`) refuses inside a document: each declaration is turned into the
SVG presentation attribute of the same name, which draws the same and is not a style."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from models.reports.programme import TrendPoint
from packs.charts import STYLE, _figure, _stacked, _svg
from packs.lines import Counts

_STYLE_ATTRIBUTE = re.compile(r' style="([^"]*)"')
_DECLARATION = re.compile(r"^\s*([a-z-]+)\s*:\s*(.+?)\s*$")


def trend_svg(points: Sequence[TrendPoint]) -> str:
    """The chart as matplotlib writes it (an SVG document)."""
    import matplotlib

    with matplotlib.rc_context(STYLE):
        figure = _figure(7.0, 2.6)
        axes = figure.add_subplot()
        mixed = len({p.audience for p in points}) > 1  # a board's pack and a public one: say which is which
        labels = [f"{p.meeting.day} {p.meeting:%b %y}" + (f"\n{p.audience}" if mixed else "") for p in points]
        _stacked(axes, labels, [Counts(**p.counts) for p in points], horizontal=False)
        axes.set_xticks(range(len(points)), labels)
        axes.set_xlim(-0.6, max(len(points), 4) - 0.4)
        axes.set_ylabel("Actions")
        axes.legend(ncols=4, loc="lower left", bbox_to_anchor=(0, 1.0), frameon=False)
        return _svg(figure)


def _attributes(style: str) -> str:
    pairs = [_DECLARATION.match(part) for part in style.split(";")]
    return "".join(f' {m.group(1)}="{m.group(2)}"' for m in pairs if m)


def inline_trend(points: Sequence[TrendPoint], labelled_by: str) -> str:
    """An <svg> element for the page (no prologue, no metadata, no style), an image named by the element
    whose id is `labelled_by`. Drawn once per set of packs and kept (drawing costs far more than the rest
    of the page, and the packs change only when one is built)."""
    key = tuple((p.meeting, p.board, p.audience, tuple(sorted(p.counts.items()))) for p in points)
    return _inline(key, labelled_by)


@lru_cache(maxsize=64)
def _inline(key: tuple[tuple[Any, ...], ...], labelled_by: str) -> str:
    points = [TrendPoint(day, board, audience, dict(counts)) for day, board, audience, counts in key]
    svg = trend_svg(points)
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.DOTALL)
    svg = re.sub(r"<style[^>]*>.*?</style>\s*", "", svg, flags=re.DOTALL)
    svg = _STYLE_ATTRIBUTE.sub(lambda m: _attributes(m.group(1)), svg)
    # What the removed <style> said of every element, said once on the root (both are inherited).
    inherited = 'stroke-linejoin="round" stroke-linecap="butt"'
    root = f'<svg role="img" aria-labelledby="{labelled_by}" class="chart" {inherited} '
    return svg.replace("<svg ", root, 1)

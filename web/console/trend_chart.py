"""The programme page's trend as an SVG image, drawn as the pack draws its own (the same colours, letters
and deterministic output: packs.charts); the page's table under it holds the same numbers as text."""

from __future__ import annotations

from collections.abc import Sequence

from models.reports.programme import TrendPoint
from packs.charts import STYLE, _figure, _stacked, _svg
from packs.lines import Counts


def trend_svg(points: Sequence[TrendPoint]) -> str:
    """An SVG document (empty axes when there is no pack yet)."""
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

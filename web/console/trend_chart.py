"""The programme page's trend as inline SVG, drawn as the pack draws its own (the same colours, letters and
deterministic output: packs.charts); the page's table beside it holds the same numbers as text."""

from __future__ import annotations

import re
from collections.abc import Sequence

from models.reports.programme import TrendPoint
from packs.charts import STYLE, _figure, _stacked, _svg
from packs.lines import Counts


def trend_svg(points: Sequence[TrendPoint], labelled_by: str) -> str:
    """An <svg> element (no XML prologue) named by the element with id `labelled_by`."""
    import matplotlib

    with matplotlib.rc_context(STYLE):
        figure = _figure(7.0, 2.6)
        axes = figure.add_subplot()
        labels = [f"{p.meeting.day} {p.meeting:%b %y}" for p in points]
        _stacked(axes, labels, [Counts(**p.counts) for p in points], horizontal=False)
        axes.set_xticks(range(len(points)), labels)
        axes.set_xlim(-0.6, max(len(points), 4) - 0.4)
        axes.set_ylabel("Actions")
        axes.legend(ncols=4, loc="lower left", bbox_to_anchor=(0, 1.0), frameon=False)
        svg = _svg(figure)
    svg = svg[svg.index("<svg") :]
    return re.sub(r"<svg ", f'<svg role="img" aria-labelledby="{labelled_by}" class="chart" ', svg, count=1)

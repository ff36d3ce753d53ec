"""The pack's charts as deterministic SVG text (RAG by area, the trend) for the HTML and PDF, and the same
figures as PNG for Word: matplotlib's canvases without pyplot, imported on first use, so read-only commands
never pay for it and no global backend is touched."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from models.vocab import RAG_COUNTS
from packs.context import PackContext
from packs.lines import Counts

COLOURS = {"red": "#b3261e", "amber": "#f0b429", "green": "#2e7d32", "complete": "#8fa9c4"}
TEXT_ON = {"red": "white", "amber": "black", "green": "white", "complete": "black"}
# RAG by colour and by a letter and count on every segment, which survive grayscale printing (hatching
# would too, but WeasyPrint redraws a pattern per bar: bench/README.md). The pack's tables are the text.
LETTERS = {"red": "R", "amber": "A", "green": "G", "complete": "C"}
# Deterministic SVG (fixed hash salt, text kept as text): unchanged data gives the same pack bytes.
STYLE: Any = {
    "svg.hashsalt": "lineofsight-pack",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 9,
}


def _figure(width: float, height: float) -> Any:
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=72)
    FigureCanvasSVG(figure)
    return figure


def _svg(figure: Any) -> str:
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    return out.getvalue()


def _png(figure: Any) -> bytes:
    """The same figure drawn by Agg at print resolution; no Software stamp: the bytes depend on the data."""
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=PNG_DPI, metadata={"Software": None}, bbox_inches="tight")
    return out.getvalue()


def _stacked(axes: Any, labels: Sequence[str], rows: Sequence[Counts], horizontal: bool) -> None:
    positions = list(range(len(labels)))
    base = [0] * len(rows)
    for rag in RAG_COUNTS:
        values = [getattr(c, rag) for c in rows]
        draw = axes.barh if horizontal else axes.bar
        bars = draw(
            positions,
            values,
            0.62,
            base,
            color=COLOURS[rag],
            edgecolor="white",
            linewidth=0.5,
            label=rag.capitalize(),
        )
        axes.bar_label(
            bars,
            labels=[f"{LETTERS[rag]} {v}" if v else "" for v in values],
            label_type="center",
            color=TEXT_ON[rag],
            fontsize=8,
            fontweight="bold",
        )
        base = [b + v for b, v in zip(base, values, strict=True)]
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


PNG_DPI = 200


def rag_by_area(context: PackContext) -> str:
    svg: str = _areas(context, _svg)
    return svg


def rag_by_area_png(context: PackContext) -> bytes:
    png: bytes = _areas(context, _png)
    return png


def trend(context: PackContext) -> str:
    svg: str = _trend(context, _svg)
    return svg


def trend_png(context: PackContext) -> bytes:
    png: bytes = _trend(context, _png)
    return png


def _areas(context: PackContext, save: Any) -> Any:
    import matplotlib

    with matplotlib.rc_context(STYLE):
        areas = list(reversed(context.areas))
        figure = _figure(7.0, 0.27 * max(len(areas), 3) + 1.0)
        axes = figure.add_subplot()
        _stacked(axes, [a.code for a in areas], [a.counts for a in areas], horizontal=True)
        axes.set_yticks(range(len(areas)), [a.code for a in areas])
        axes.set_xlabel("Actions")
        axes.xaxis.get_major_locator().set_params(integer=True)
        axes.legend(ncols=4, loc="lower left", bbox_to_anchor=(0, 1.0), frameon=False)
        return save(figure)


def _trend(context: PackContext, save: Any) -> Any:
    import matplotlib

    with matplotlib.rc_context(STYLE):
        points = context.trend
        figure = _figure(7.0, 2.6)
        axes = figure.add_subplot()
        labels = [f"{p.meeting_date.day} {p.meeting_date:%b %y}" for p in points]
        _stacked(axes, labels, [p.counts for p in points], horizontal=False)
        axes.set_xticks(range(len(points)), labels)
        axes.set_xlim(-0.6, max(len(points), 4) - 0.4)
        axes.set_ylabel("Actions")
        axes.legend(ncols=4, loc="lower left", bbox_to_anchor=(0, 1.0), frameon=False)
        return save(figure)

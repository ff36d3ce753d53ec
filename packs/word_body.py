"""The pack's sections in Word, from the same PackContext as the HTML and PDF and in the same order, under
the same titles (packs.render.TITLES), as real Word headings, so Word's navigation pane and accessibility
checker read the document as the PDF's tags do. Charts are PNG drawn from the same figures, with alt text.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from models.vocab import short_day
from packs.context import PackContext
from packs.word_items import SECTIONS, plural
from packs.word_tables import TableWriter


@dataclass(frozen=True)
class WordCharts:
    areas: bytes  # PNG
    trend: bytes


def _change(c: Any) -> str:
    if c is None:
        return "n/a"
    return " / ".join(f"{v:+d}" if v else "0" for v in (c.red, c.amber, c.green, c.complete))


def write_body(
    doc: Any, c: PackContext, charts: WordCharts, titles: dict[str, str], tables: Any = None
) -> None:
    """Every section of the context into `doc`; `tables` writes the tables (a TableWriter by default; the
    bench passes one that records them, to time python-docx writing the same tables bare)."""
    w = tables or TableWriter(doc)
    for key in c.sections:
        if key == "theme":
            heading = "Scrutiny standing item" if c.audience == "scrutiny" else "Deep dive"
            title = f"{heading}: {c.theme_code} {c.theme_name}" if c.theme_name else heading
        else:
            title = titles[key]
        doc.add_heading(title, level=1)
        if key == "summary":
            _summary(doc, c)
        elif key == "figures":
            _figures(doc, w, c, charts)
        else:
            SECTIONS[key](doc, w, c)


def _summary(doc: Any, c: PackContext) -> None:
    if c.covering_summary:
        doc.add_heading("From the board secretariat", level=2)
        for line in c.covering_summary.split("\n"):
            doc.add_paragraph(line)
    for h in c.headlines:
        doc.add_heading(h.topic, level=2)
        doc.add_paragraph(h.text)
        for point in h.points:
            doc.add_paragraph(point, style="List Bullet")


def _picture(doc: Any, png: bytes, alt: str) -> None:
    from docx.shared import Cm

    shape = doc.add_paragraph().add_run().add_picture(io.BytesIO(png), width=Cm(16))
    shape._inline.docPr.set("descr", alt)  # Word's alt text: what a screen reader says for the chart


def _figures(doc: Any, w: TableWriter, c: PackContext, charts: WordCharts) -> None:
    t = c.total
    withheld = f" ({c.withheld} exempt withheld)" if c.withheld else ""
    doc.add_paragraph(
        f"{t.total} actions are counted{withheld}: {t.red} red, {t.amber} amber, {t.green} green and "
        f"{t.complete} complete."
    )
    _picture(
        doc, charts.areas, "Bar chart of RAG by improvement area; the same counts are in the table below."
    )
    rows = [[f"{a.code}: {a.name}", *_counts(a.counts), _change(a.change)] for a in c.areas]
    rows.append(["All areas", *_counts(t), _change(c.total_change)])
    w.table(
        ["Area", "Red", "Amber", "Green", "Complete", "Total", "Change since last pack (R / A / G / C)"],
        rows,
        caption="RAG counts overall and by improvement area",
    )
    n = len(c.trend)
    _picture(
        doc,
        charts.trend,
        f"Bar chart of RAG counts at each of the last {plural(n, 'pack')}; the same "
        "counts are in the table below.",
    )
    w.table(
        ["Meeting", "Red", "Amber", "Green", "Complete", "Total"],
        [[short_day(p.meeting_date), *_counts(p.counts)] for p in c.trend],
        caption=f"Trend over the last {plural(n, 'pack')}",
    )


def _counts(x: Any) -> list[str]:
    return [str(x.red), str(x.amber), str(x.green), str(x.complete), str(x.total)]

"""The Word pack's part of the pack benchmark: `render_docx` (cover template, every section, two PNG
charts, the fixed zip) for a built pack's context, against python-docx writing the same tables bare (the
idiomatic `add_table`, `add_row().cells`, `cell.text`; no cover, headings, shading or pictures) and saving.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from bench.common import timed
from packs import charts
from packs.context import PackContext
from packs.render import TITLES
from packs.word import render_docx
from packs.word_body import WordCharts, write_body
from packs.word_cover import CoverFacts

FACTS = CoverFacts("6", "Lead Officer", "Cabinet Member", "paragraph 3")
Tables = list[tuple[Sequence[str], Sequence[Sequence[str]]]]


class _Recorder:
    """Collects the tables the Word pack writes, so the baseline writes exactly those."""

    def __init__(self) -> None:
        self.tables: Tables = []

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[str]], **_: Any) -> None:
        self.tables.append((headers, rows))


def tables_of(context: PackContext, pictures: WordCharts) -> Tables:
    from docx import Document

    recorder = _Recorder()
    write_body(Document(), context, pictures, dict(TITLES), recorder)
    return recorder.tables


def bare(tables: Tables) -> bytes:
    from docx import Document

    doc = Document()
    for headers, rows in tables:
        table = doc.add_table(rows=1, cols=len(headers))
        for cell, text in zip(table.rows[0].cells, headers, strict=True):
            cell.text = text
        for row in rows:
            for cell, text in zip(table.add_row().cells, row, strict=True):
                cell.text = text
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def bare_xml(tables: Tables) -> bytes:
    """The same tables written the way the pack writes them (rows straight into the XML), unshaded, with
    nothing else: what the cover, headings, shading, pictures and fixed zip add on top."""
    from docx import Document

    from packs.word_tables import TableWriter

    doc = Document()
    writer = TableWriter(doc)
    for headers, rows in tables:
        writer.table(headers, rows)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _pictures(context: PackContext) -> WordCharts:
    return WordCharts(charts.rag_by_area_png(context), charts.trend_png(context))


def ours(context: PackContext) -> bytes:
    """What a pack build adds for Word: both charts drawn as PNG, then the document."""
    return render_docx(context, _pictures(context), FACTS)


def compare(context: PackContext, runs: int) -> tuple[list[float], list[float], list[float], int, int]:
    """Seconds per run (interleaved) of the Word pack, of python-docx writing its tables bare, and of the
    same tables written as the pack writes them; the .docx's bytes and how many table rows they hold."""
    tables = tables_of(context, _pictures(context))
    mine, baseline, xml, size = [], [], [], 0
    for _ in range(runs):
        seconds, data = timed(lambda: ours(context))
        mine.append(seconds)
        size = len(data)
        baseline.append(timed(lambda: bare(tables))[0])
        xml.append(timed(lambda: bare_xml(tables))[0])
    return mine, baseline, xml, size, sum(len(rows) for _, rows in tables)

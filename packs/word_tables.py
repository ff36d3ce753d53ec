"""Word tables for the pack: a header row repeated on every page, RAG as a word on its colour, and the body
rows written straight into the table's XML. python-docx's `add_row().cells` walks the whole table for every
row, which at a 1,000-action register costs more than everything else in the pack (bench/pack.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# As the HTML pack's colours (packs/templates/pack.html.j2): fill, then text.
RAG_SHADES = {
    "red": ("B3261E", "FFFFFF"),
    "amber": ("F0B429", "000000"),
    "green": ("2E7D32", "FFFFFF"),
    "complete": ("1F4E79", "FFFFFF"),
    "missed": ("5C0B07", "FFFFFF"),
    "at risk": ("B3261E", "FFFFFF"),
}


def rag_word(value: str | None) -> str:
    return value.upper() if value else "none"


def _qn(tag: str) -> str:
    from docx.oxml.ns import qn

    return str(qn(tag))


class TableWriter:
    """Writes tables into one document; the XML names are resolved once, not per cell."""

    def __init__(self, doc: Any) -> None:
        from lxml import etree

        self.doc = doc
        self.etree = etree
        names = ("w:tr", "w:tc", "w:p", "w:r", "w:t", "w:tcPr", "w:shd", "w:rPr", "w:color", "w:b")
        self.q = {name: _qn(name) for name in names}
        self.space = "{http://www.w3.org/XML/1998/namespace}space"
        self.style = "Table Grid" if _has_style(doc, "Table Grid") else None

    def table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[str]],
        *,
        rag_columns: Sequence[int] = (),
        caption: str | None = None,
    ) -> None:
        """A table: `headers` in a bold row repeated on each page; each row's cells as text ("\\n" starts a
        new paragraph in the cell); the cells of `rag_columns` hold a RAG word shaded in its colour."""
        if caption:
            self.doc.add_paragraph(caption, style="Caption" if _has_style(self.doc, "Caption") else None)
        table = self.doc.add_table(rows=1, cols=len(headers))
        if self.style:
            table.style = self.style
        header = table.rows[0]
        tr_pr = header._tr.get_or_add_trPr()
        repeat = self.etree.SubElement(tr_pr, _qn("w:tblHeader"))
        repeat.set(_qn("w:val"), "true")
        for cell, text in zip(header.cells, headers, strict=True):
            cell.paragraphs[0].add_run(text).bold = True
        tbl = table._tbl
        shaded = set(rag_columns)
        for row in rows:
            tr = self.etree.SubElement(tbl, self.q["w:tr"])
            for index, text in enumerate(row):
                self._cell(tr, text, RAG_SHADES.get(text.lower()) if index in shaded else None)

    def _cell(self, tr: Any, text: str, shade: tuple[str, str] | None) -> None:
        sub, q = self.etree.SubElement, self.q
        tc = sub(tr, q["w:tc"])
        if shade:
            shd = sub(sub(tc, q["w:tcPr"]), q["w:shd"])
            shd.set(_qn("w:val"), "clear")
            shd.set(_qn("w:color"), "auto")
            shd.set(_qn("w:fill"), shade[0])
        for line in text.split("\n"):
            r = sub(sub(tc, q["w:p"]), q["w:r"])
            if shade:
                r_pr = sub(r, q["w:rPr"])
                sub(r_pr, q["w:b"])
                sub(r_pr, q["w:color"]).set(_qn("w:val"), shade[1])
            t = sub(r, q["w:t"])
            t.text = line
            t.set(self.space, "preserve")


def _has_style(doc: Any, name: str) -> bool:
    try:
        doc.styles[name]
    except KeyError:
        return False
    return True

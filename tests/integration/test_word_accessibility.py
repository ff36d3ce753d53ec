"""What Word's accessibility checker checks, read with python-docx and lxml on the demo's December board and
public Word packs (the checker itself runs only inside Word): pictures have alt text, every table opens with
a repeated header row that is neither blank nor merged, headings never skip a level, the document has a
title and a language, and no run of empty paragraphs stands in for spacing."""

from __future__ import annotations

import io
import itertools
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.oxml.ns import qn
from sqlmodel import Session, col, select

from flows.demo import run_demo
from models.board_packs import Pack
from models.meetings import Meeting
from models.vocab import Audience

MAX_EMPTY_RUN = 2  # three empty paragraphs in a row are spacing done by hand


@pytest.fixture(scope="module")
def december(tmp_path_factory: pytest.TempPathFactory) -> dict[Audience, Any]:
    demo = run_demo(tmp_path_factory.mktemp("demo"), prefect_run=False)
    with Session(demo.app.engine) as session:
        packs = session.exec(
            select(Pack).join(Meeting).where(col(Meeting.date) >= date(2017, 12, 1)).order_by(col(Pack.id))
        ).all()
    found = {}
    for pack in packs:
        word = next(Path(f["path"]) for f in pack.files if f["name"].endswith(".docx"))
        found[pack.audience] = Document(io.BytesIO(word.read_bytes()))
    assert {Audience.BOARD, Audience.PUBLIC} <= set(found)
    return found


AUDIENCES = [Audience.BOARD, Audience.PUBLIC]


@pytest.mark.parametrize("audience", AUDIENCES)
def test_every_picture_has_alt_text(december: dict[Audience, Any], audience: Audience) -> None:
    body = december[audience].element.body
    pictures = body.findall(".//" + qn("wp:docPr"))
    assert pictures, "the demo's pack has its two charts"
    assert all((p.get("descr") or "").strip() for p in pictures), [p.get("name") for p in pictures]


@pytest.mark.parametrize("audience", AUDIENCES)
def test_every_table_opens_with_a_repeated_header_row_neither_blank_nor_merged(
    december: dict[Audience, Any], audience: Audience
) -> None:
    tables = december[audience].element.body.findall(".//" + qn("w:tbl"))
    assert tables
    for number, table in enumerate(tables):
        first = table.find(qn("w:tr"))
        repeat = first.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}")
        assert repeat is not None and repeat.get(qn("w:val"), "true") in ("true", "1", "on"), number
        for cell in first.findall(qn("w:tc")):
            assert "".join(cell.itertext()).strip(), f"table {number} has a blank header cell"
            merged = cell.find(f"{qn('w:tcPr')}/{qn('w:gridSpan')}") is not None or (
                cell.find(f"{qn('w:tcPr')}/{qn('w:vMerge')}") is not None
            )
            assert not merged, f"table {number} has a merged header cell"


@pytest.mark.parametrize("audience", AUDIENCES)
def test_headings_go_in_order_without_skipping_a_level(
    december: dict[Audience, Any], audience: Audience
) -> None:
    levels = [
        int(p.style.name.split()[-1])
        for p in december[audience].paragraphs
        if p.style is not None and p.style.name.startswith("Heading ") and p.text.strip()
    ]
    assert levels and levels[0] == 1
    skips = [(a, b) for a, b in itertools.pairwise(levels) if b > a + 1]
    assert skips == []


@pytest.mark.parametrize("audience", AUDIENCES)
def test_the_document_has_a_title_and_a_language(december: dict[Audience, Any], audience: Audience) -> None:
    doc = december[audience]
    assert doc.core_properties.title.strip() and audience.value in doc.core_properties.title
    assert doc.core_properties.language == "en-GB"
    langs = doc.styles.element.findall(f"{qn('w:docDefaults')}//{qn('w:lang')}")
    assert [lang.get(qn("w:val")) for lang in langs] == ["en-GB"]


@pytest.mark.parametrize("audience", AUDIENCES)
def test_no_run_of_empty_paragraphs_is_used_for_spacing(
    december: dict[Audience, Any], audience: Audience
) -> None:
    run = longest = 0
    for paragraph in december[audience].element.body.iterchildren(qn("w:p")):
        drawn = (
            paragraph.find(".//" + qn("w:drawing")) is not None
            or paragraph.find(".//" + qn("w:br")) is not None
        )
        empty = not "".join(paragraph.itertext()).strip() and not drawn
        run = run + 1 if empty else 0
        longest = max(longest, run)
    assert longest <= MAX_EMPTY_RUN

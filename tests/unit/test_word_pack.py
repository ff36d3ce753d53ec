"""The Word pack from the fixture context (pure: no database): the committee-report cover filled, the same
sections as the PDF under real Word headings, tables with repeated header rows and RAG shaded, charts with
alt text, the same bytes from the same data; a council's own template, and broken ones named clearly."""

from __future__ import annotations

import io
import zipfile

import pytest
from docx import Document

from models.vocab import Audience
from packs import charts
from packs.word import render_docx
from packs.word_body import WordCharts
from packs.word_cover import CoverFacts
from packs.word_template import TemplateBroken, problems_in
from tests.unit.test_pack_context import build
from tests.word_helpers import docx_text, template_of

FACTS = CoverFacts("6", "Director of Children's Services", "Cabinet Member for Children", "paragraph 3")


def _charts(context) -> WordCharts:
    return WordCharts(charts.rag_by_area_png(context), charts.trend_png(context))


@pytest.fixture(scope="module")
def board_docx() -> bytes:
    context = build(Audience.BOARD)
    return render_docx(context, _charts(context), FACTS)


def test_the_default_cover_is_a_committee_report_filled_from_the_meeting_and_board(board_docx) -> None:
    doc = Document(io.BytesIO(board_docx))
    cover = {row.cells[0].text: row.cells[1].text for row in doc.tables[0].rows}
    assert cover["REPORT TO:"] == "Improvement Board  Tuesday 7 November 2017"
    assert cover["AGENDA ITEM:"] == "6"
    assert cover["LEAD OFFICER:"] == "Director of Children's Services"
    assert cover["CABINET MEMBER:"] == "Cabinet Member for Children"
    assert "Test Plan" in cover["SUBJECT:"] and "Improvement Board" in cover["ORIGIN OF ITEM:"]
    text = docx_text(board_docx)
    assert "Members are invited to:" in text and "1) Note the progress of the Test Plan" in text
    assert "1.1 Where the plan stands:" in text
    assert "{{" not in text and "{%" not in text


def test_sections_are_word_headings_and_tables_repeat_their_header_row(board_docx) -> None:
    doc = Document(io.BytesIO(board_docx))
    headings = [p.text for p in doc.paragraphs if p.style is not None and p.style.name == "Heading 1"]
    assert headings == [
        "1. Executive summary",
        "Summary",
        "Figures: RAG by area and over time",
        "Forecast to finish late",
        "Exceptions",
        "What changed since the last pack",
        "Milestones",
        "Deep dive: A1 Management oversight",
        "Who did not update for this meeting",
        "Notices that could not be delivered",
        "Appendix A: the action register",
        "Appendix B: the RAG rules and escalation policy in force",
    ]
    body_tables = doc.tables[1:]
    assert body_tables and all("w:tblHeader" in t.rows[0]._tr.xml for t in body_tables)
    xml = doc.element.xml
    assert 'w:fill="B3261E"' in xml  # red, as a colour, beside the word RED
    assert "RED" in docx_text(board_docx)


def test_charts_are_png_images_with_alt_text(board_docx) -> None:
    with zipfile.ZipFile(io.BytesIO(board_docx)) as archive:
        images = [n for n in archive.namelist() if n.startswith("word/media/")]
        assert len(images) == 2 and all(archive.read(n).startswith(b"\x89PNG") for n in images)
    xml = Document(io.BytesIO(board_docx)).element.xml
    assert 'descr="Bar chart of RAG by improvement area' in xml and 'descr="Bar chart of RAG counts' in xml


def test_the_same_data_gives_the_same_bytes(board_docx) -> None:
    context = build(Audience.BOARD)
    assert render_docx(context, _charts(context), FACTS) == board_docx
    with zipfile.ZipFile(io.BytesIO(board_docx)) as archive:
        # Stamped with the data's day (the fixture's has no moment: the day it is built on), not the clock's.
        day = context.built_on
        assert {i.date_time[:3] for i in archive.infolist()} == {(day.year, day.month, day.day)}
    props = Document(io.BytesIO(board_docx)).core_properties
    assert props.created == props.modified and props.created.date() == day


def test_markup_in_the_data_prints_as_text(board_docx) -> None:
    assert "Legal advice on the Smith case <b>exempt</b>" in docx_text(board_docx)


def test_the_public_word_pack_withholds_exempt_items_and_says_under_which_paragraph() -> None:
    context = build(Audience.PUBLIC)
    text = docx_text(render_docx(context, _charts(context), FACTS))
    assert "EX-9" not in text and "Smith case" not in text
    assert "1 exempt item is withheld from this public report under paragraph 3" in text


def test_a_council_template_with_its_own_cover_fields_renders() -> None:
    own = template_of(
        "Croydon Council: report to {{ report_to }}",
        "Meeting: {{ meeting_date }}   Agenda item {{ agenda_item }}",
        "WARDS AFFECTED: All",
        "FINANCIAL IMPLICATIONS: none arising from this report",
        "Author: {{ lead_officer | upper }}",
    )
    context = build(Audience.BOARD)
    text = docx_text(render_docx(context, _charts(context), FACTS, own, "council.docx"))
    assert "Croydon Council: report to Improvement Board" in text
    assert "Meeting: Tuesday 7 November 2017   Agenda item 6" in text
    assert "WARDS AFFECTED: All" in text and "Author: DIRECTOR OF CHILDREN'S SERVICES" in text
    assert "Appendix A: the action register" in text  # the pack follows the council's cover


def test_an_unknown_tag_is_named_with_its_paragraph() -> None:
    own = template_of("REPORT TO {{ report_to }}", "WARDS AFFECTED: {{ wards_affected }}")
    context = build(Audience.BOARD)
    with pytest.raises(TemplateBroken) as raised:
        render_docx(context, _charts(context), FACTS, own, "council.docx")
    message = str(raised.value)
    assert "council.docx" in message and "unknown tag 'wards_affected'" in message
    assert 'paragraph "WARDS AFFECTED: {{ wards_affected }}" (paragraph 2)' in message
    assert "report_to" in message.split("The tags it may use:")[1]


def test_broken_jinja_is_named_with_its_paragraph() -> None:
    problems = problems_in(template_of("Fine {{ report_to }}", "Broken {% if withheld %} never closed"))
    assert len(problems) == 1 and 'paragraph "Broken {% if withheld %} never closed"' in problems[0]


def _broken_xml() -> bytes:
    source = zipfile.ZipFile(io.BytesIO(template_of("x")))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            target.writestr(name, b"<w:document broken" if name == "word/document.xml" else source.read(name))
    return out.getvalue()


@pytest.mark.parametrize("data", [b"PK\x03\x04 not really", b"", _broken_xml()])
def test_a_file_that_is_not_a_word_document_is_refused(data: bytes) -> None:
    with pytest.raises(TemplateBroken, match=r"cover\.docx cannot be used: it is not a Word \.docx document"):
        problems_in(data, "cover.docx")


def test_the_readme_lists_every_tag() -> None:
    from pathlib import Path

    from packs.word_cover import TAGS

    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert all(f"| `{{{{ {tag} }}}}` | {words} |" in readme for tag, words in TAGS.items())


@pytest.mark.parametrize(
    ("tag", "said"),
    [
        # Reaching Python's internals through a string's class: code run on the server without the sandbox.
        ("{% for c in ''.__class__.__mro__[1].__subclasses__() %}{{ c }}{% endfor %}", "unsafe"),
        ("{{ cycler.__init__.__globals__ }}", "unsafe"),
        ("{% for i in range(10**9) %}{% endfor %}", "more than a template's 1,000"),
        ('{{ withheld + " items" }}', "TypeError"),
        ("{{ 1 / 0 }}", "ZeroDivisionError"),
    ],
)
def test_a_template_that_fails_while_filling_is_refused_as_the_templates_problem(tag: str, said: str) -> None:
    context = build(Audience.BOARD)
    template = template_of("Report to {{ report_to }}", f"Then {tag}")
    with pytest.raises(TemplateBroken) as refused:
        render_docx(context, _charts(context), FACTS, template, "council.docx")
    assert "council.docx" in str(refused.value) and said in str(refused.value)


def test_an_unknown_filter_is_named_with_its_paragraph() -> None:
    problems = problems_in(template_of("Fine {{ report_to }}", "Shout {{ report_to|nosuchfilter }}"))
    assert len(problems) == 1 and "nosuchfilter" in problems[0] and "Shout" in problems[0]


def test_a_pack_whose_word_file_cannot_be_built_still_gets_its_pdf_and_html() -> None:
    from packs.build import render
    from packs.word_cover import CoverFacts
    from packs.word_source import WordSource

    context = build(Audience.BOARD)
    rendered = render(context, 5, WordSource(CoverFacts(), template_of("{{ 1 / 0 }}"), "council.docx"))
    assert rendered.docx is None and rendered.pdf.startswith(b"%PDF") and "<html" in rendered.html
    assert rendered.word_problem is not None and "ZeroDivisionError" in rendered.word_problem


def test_characters_xml_cannot_hold_do_not_stop_the_word_pack() -> None:
    """The text rules let a noncharacter through (it is printable to them); Word's XML cannot hold it."""
    import dataclasses

    context = dataclasses.replace(build(Audience.BOARD), covering_summary="Summary \uffff and \ufffe end")
    text = docx_text(render_docx(context, _charts(context), FACTS))
    assert "Summary \ufffd and \ufffd end" in text

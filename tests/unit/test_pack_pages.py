"""The pack as a board member reads it: the rendered HTML and PDF of the fixture context (pure: no database),
checked for what the reader sees. The summary in words on page 1 after the cover, area headings in the
register, the owner's RAG beside the derived one, a missed milestone marked missed, the integrity code
explained, dates in words, and no page left nearly empty because a table split."""

from __future__ import annotations

import html as html_lib
import io
import re
from datetime import date, timedelta
from functools import lru_cache
from itertools import pairwise

from pypdf import PdfReader

from models.reports.pack_data.facts import (
    ActionFact,
    AreaFact,
    EscalationFact,
    ItemSummary,
    PackData,
    PreviousPack,
)
from models.vocab import RAG, Audience, Status
from packs import charts
from packs.context import PackContext, build_pack_context
from packs.render import Charts, render_html, render_pdf
from tests.unit.test_pack_context import CALENDAR, POLICY, build

PACK_DAYS = 5
NBSP = "\u00a0"


def _html(c: PackContext) -> str:
    return render_html(c, Charts(charts.rag_by_area(c), charts.trend(c)), PACK_DAYS)


@lru_cache(maxsize=1)
def board_html() -> str:
    return _html(build(Audience.BOARD))


def _text(markup: str) -> str:
    body = markup.split("<body>", 1)[1]
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", body)).replace(NBSP, " ").split())


def _row(markup: str, ref: str, after: str = "") -> str:
    """The first table row naming `ref` after the heading `after`."""
    start = markup.index(after) if after else 0
    found = re.search(rf'<tr><td class="ref">{re.escape(ref)}</td>.*?</tr>', markup[start:], re.S)
    assert found, ref
    return found.group(0)


def _pages(pdf: bytes) -> list[str]:
    return [(page.extract_text() or "").replace(NBSP, " ") for page in PdfReader(io.BytesIO(pdf)).pages]


def test_page_one_after_the_cover_is_the_summary_in_words() -> None:
    pages = _pages(render_pdf(board_html(), date(2017, 10, 30)))
    summary = " ".join(pages[1].split())
    assert "Summary" in summary and "Where the plan stands" in summary
    assert "1 of 5 actions is complete (20%). Of the 4 still open, 2 are red, 2 amber and 0 green." in summary
    assert "Since the previous pack, of Monday 25 September 2017" in summary
    assert "MS-0 Monitoring visit: was due on Wednesday 25 October 2017 and is missed." in summary
    assert "RAG counts overall" not in summary  # the figures come after the words, on their own page
    assert "Figures: RAG by area and over time" in pages[2]


def test_the_register_has_a_heading_for_each_area() -> None:
    markup = board_html()
    register = markup[markup.index('id="register"') :]
    headings = re.findall(r'<h3 id="register-[^"]+">([^<]+)</h3>', register)
    assert headings == ["A1: Management oversight", "A2: Workforce"]
    assert (
        register.index("A1: Management oversight")
        < register.index(">ACT-1<")
        < register.index("A2: Workforce")
    )
    assert register.index("A2: Workforce") < register.index(">ACT-2<")


def test_exceptions_show_the_owners_rag_beside_the_derived_one() -> None:
    markup = board_html()
    row = _row(markup, "ACT-1", 'id="exceptions"')
    assert re.search(r"rag-red\">RED</span><br><span class=\"rag rag-amber\">AMBER</span>", row), row
    assert "RAG: derived / owner&#39;s" in markup or "RAG: derived / owner's" in markup


def test_a_complete_action_reads_complete_not_its_owners_last_amber() -> None:
    row = _row(board_html(), "ACT-3", 'id="register"')
    assert row.count(">COMPLETE<") == 2 and "AMBER" not in row


def test_a_missed_milestone_is_marked_missed() -> None:
    markup = board_html()
    assert ">MISSED<" in _row(markup, "MS-0", "Missed: the date has passed")
    assert ">MISSED<" in _row(markup, "MS-0", 'id="exceptions"')


def test_a_milestone_is_at_risk_only_from_its_open_slipping_dependencies() -> None:
    row = _row(board_html(), "MS-1", 'id="milestones"')
    assert "ACT-1, ACT-3, EX-9" in row  # what it depends on
    assert row.endswith("AT RISK</span> ACT-1, EX-9</td></tr>")  # not ACT-3: it is complete


def test_the_cover_explains_the_integrity_code_and_how_to_check_it() -> None:
    text = _text(board_html())
    cover = text[: text.index("Contents")]
    assert "Integrity code " + "ab" * 32 in cover
    assert "What the integrity code is." in cover and "would no longer produce this code" in cover
    assert f"lineofsight audit verify --head 412:{'ab' * 32}" in cover
    assert "lineofsight pack show" in cover and "lineofsight pack list" in cover


def test_appendix_b_says_or_where_any_reason_is_enough() -> None:
    text = _text(board_html())
    assert "it is 10 working days overdue or a milestone is at risk or missed." in text
    assert "overdue and a milestone is at risk" not in text


def test_dates_are_in_words() -> None:
    markup = board_html()
    text = _text(markup)
    assert "Meeting of Tuesday 7 November 2017" in text
    assert "Due up to Tuesday 5 December 2017" in text
    # Table cells: the short form, which may break only after the weekday.
    assert f"Fri 13{NBSP}Oct{NBSP}2017" in _row(markup, "ACT-1", 'id="exceptions"')


# A plan the size of the demo's: thirteen areas, forty actions, four packs of trend, nine exceptions.
AREAS = tuple(
    AreaFact(f"AR{i:02d}", f"Improvement area number {i} with a name of ordinary length") for i in range(13)
)
START = date(2017, 9, 4)


def _demo_sized() -> tuple[PackData, tuple[PreviousPack, ...]]:
    actions, escalations, items = [], [], {}
    for n in range(40):
        area = AREAS[n % 13].code
        done = n % 5 < 3
        due = START + timedelta(days=20 + 3 * n)
        ref = f"TAP-{n:02d}"
        actions.append(
            ActionFact(
                ref,
                f"Action {n}: review the practice standard and report on its use to the board",
                area,
                "Head of Service",
                "head@example.org",
                due,
                due,
                Status.COMPLETE if done else Status.IN_PROGRESS,
                RAG.AMBER,
                100 if done else 40,
                start=START,
                last_update=date(2017, 11, 20),
                commentary=None
                if done
                else "Work is in hand; the standard is drafted and waits for sign-off.",
                commentary_on=None if done else date(2017, 11, 20),
            )
        )
        if not done and n < 30:
            escalations.append(
                EscalationFact(ref, 3, due, "overdue_board", f"{ref} is overdue", due + timedelta(14))
            )
        items[ref] = ItemSummary(ref, area, "amber", "in progress", due.isoformat(), 1)
    data = PackData(
        "Demo-sized plan",
        "Example Council",
        "Improvement Board",
        date(2017, 12, 5),
        "AR01",
        date(2018, 1, 9),
        AREAS,
        tuple(actions),
        escalations=tuple(escalations),
        head_seq=1219,
        head_hash="cd" * 32,
    )
    previous = tuple(
        PreviousPack(meeting, meeting - timedelta(8), Audience.BOARD, items)
        for meeting in (date(2017, 9, 5), date(2017, 10, 3), date(2017, 11, 7))
    )
    return data, previous


def test_no_page_is_left_nearly_empty_by_a_table_split() -> None:
    data, previous = _demo_sized()
    pack_day = date(2017, 11, 27)
    c = build_pack_context(data, previous, POLICY, CALENDAR, pack_day, pack_day, Audience.BOARD)
    pages = _pages(render_pdf(_html(c), pack_day))
    starts_a_page = ("Summary", "Figures: RAG by area", "Appendix A", "Appendix B")
    for number, (page, after) in enumerate(pairwise(pages[1:]), start=2):
        lines = [line for line in page.splitlines() if line.strip()]
        if not any(h in after[:300] for h in starts_a_page):
            # A page that does not end a part of the pack is filled: more than the running head, a
            # couple of table rows and the page number.
            assert len(lines) > 15, f"page {number} holds only: {lines}"
    trend = next(p for p in pages if "Trend over the last 4 packs" in p)
    assert all(day in trend for day in ("5 Sep 2017", "3 Oct 2017", "7 Nov 2017", "5 Dec 2017"))


def test_the_contents_name_the_appendices_as_their_pages_do() -> None:
    contents = board_html().split('<ol class="contents">', 1)[1].split("</ol>", 1)[0]
    assert "<li>Appendix A: the action register</li>" in contents
    assert "<li>Appendix B: the RAG rules and escalation policy in force</li>" in contents

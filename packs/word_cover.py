"""The Word pack's cover: the tags a council's template may use (one table: name and what it holds, which the
README and `pack template check` print), their values from the pack's context and the board's settings, and
the committee-report cover the product ships, built here in code so it is reproducible from source.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from models.vocab import day_in_words
from packs.context import PackContext


@dataclass(frozen=True)
class CoverFacts:
    """What the cover says that is not in the pack's data: the board's settings and the meeting's item."""

    agenda_item: str | None = None
    lead_officer: str | None = None
    cabinet_member: str | None = None
    exempt_paragraph: str | None = None  # e.g. "paragraph 3 of Schedule 12A to the Local Government Act 1972"


TAGS: dict[str, str] = {
    "report_to": "the board or committee the report goes to",
    "meeting_date": "the meeting's date in words, e.g. Tuesday 5 December 2017",
    "agenda_item": "the meeting's agenda item number (empty when not set)",
    "subject": "the report's subject: the plan's progress",
    "lead_officer": "the board's lead officer (board setting)",
    "cabinet_member": "the board's cabinet member (board setting)",
    "origin_of_item": "why the item is on the agenda, in one sentence",
    "recommendations": "a list of sentences: what members are invited to do",
    "executive_summary": "a list of paragraphs: the secretariat's covering summary, then the pack's summary",
    "covering_summary": "the secretariat's covering summary alone (empty when none)",
    "exempt": "the exempt-information sentence of a public pack (empty when nothing is withheld)",
    "withheld": "how many exempt items a public pack withholds (a number)",
    "exempt_paragraph": "the access-to-information paragraph they are withheld under (board setting)",
    "plan": "the plan's name",
    "organisation": "the organisation that owns the plan",
    "audience": "Board, Scrutiny or Public",
    "pack_date": "the date the pack is issued, in words",
    "data_as_of": "the moment the data speaks for, in words",
    "ledger_event": "the audit ledger event the pack was built from (a number)",
    "integrity_code": "the ledger's integrity code at that event",
}
AUDIENCES = {"board": "Board", "scrutiny": "Scrutiny", "public": "Public"}


def _recommendations(c: PackContext) -> list[str]:
    if c.audience == "scrutiny":
        return [
            f"Note the progress of the {c.plan} set out in this report.",
            "Scrutinise the standing item's theme and offer views on where the improvement programme "
            "can be strengthened.",
        ]
    return [
        f"Note the progress of the {c.plan} and the figures in this report.",
        "Consider each exception and agree the action to be taken.",
        "Note the milestones due before the next meeting and those missed.",
    ]


def exempt_sentence(c: PackContext, paragraph: str | None) -> str:
    if not c.withheld:
        return ""
    items = f"{c.withheld} exempt item{'s' if c.withheld != 1 else ''}"
    verb = "is" if c.withheld == 1 else "are"
    under = (
        f" under {paragraph}"
        if paragraph
        else " (the board's settings name no access-to-information paragraph)"
    )
    return f"{items} {verb} withheld from this public report{under}, and not counted anywhere in it."


def cover_values(c: PackContext, facts: CoverFacts) -> dict[str, Any]:
    """Every tag of `TAGS` with its value; strings only (and lists of them, and one number), so a template
    cannot reach into the product's objects."""
    summary = [p.strip() for p in (c.covering_summary or "").split("\n") if p.strip()]
    values: dict[str, Any] = {
        "report_to": c.board,
        "meeting_date": day_in_words(c.meeting_date),
        "agenda_item": facts.agenda_item or "",
        "subject": f"{c.plan}: progress report",
        "lead_officer": facts.lead_officer or "",
        "cabinet_member": facts.cabinet_member or "",
        "origin_of_item": (
            f"This is the regular report on the {c.plan} to the {c.board}, built from the plan's audit "
            f"ledger for the meeting of {day_in_words(c.meeting_date)}."
        ),
        "recommendations": _recommendations(c),
        "executive_summary": [*summary, *(f"{h.topic}: {h.text}" for h in c.headlines)],
        "covering_summary": c.covering_summary or "",
        "exempt": exempt_sentence(c, facts.exempt_paragraph),
        "withheld": c.withheld,
        "exempt_paragraph": facts.exempt_paragraph or "",
        "plan": c.plan,
        "organisation": c.organisation or "",
        "audience": AUDIENCES.get(c.audience, c.audience),
        "pack_date": day_in_words(c.pack_date),
        "data_as_of": c.data_as_of.words if c.data_as_of else day_in_words(c.built_on),
        "ledger_event": c.head_seq,
        "integrity_code": c.head_hash,
    }
    if set(values) != set(TAGS):  # a tag added to one and not the other would go unchecked
        raise RuntimeError(f"cover tags out of step: {sorted(set(values) ^ set(TAGS))}")
    return values


COVER_HEADER = ("Committee report", "Details")
COVER_ROWS = (
    ("REPORT TO:", "{{ report_to }}  {{ meeting_date }}"),
    ("AGENDA ITEM:", "{{ agenda_item }}"),
    ("SUBJECT:", "{{ subject }}"),
    ("LEAD OFFICER:", "{{ lead_officer }}"),
    ("CABINET MEMBER:", "{{ cabinet_member }}"),
    ("ORIGIN OF ITEM:", "{{ origin_of_item }}"),
)


@lru_cache(maxsize=1)
def default_template() -> bytes:
    """The committee-report cover the product ships (as the public report in the domain notes lays it out),
    written with python-docx from its own default document, whose styles include Word's built-in headings
    and "Table Grid"; the pack's body is appended after it (packs.word)."""
    from docx import Document
    from docx.oxml.ns import qn
    from lxml import etree

    doc = Document()
    table = doc.add_table(rows=0, cols=2)
    table.style = doc.styles["Table Grid"]
    # Word's accessibility checker wants every table to open with a header row, repeated on each page.
    header = table.add_row()
    etree.SubElement(header._tr.get_or_add_trPr(), qn("w:tblHeader")).set(qn("w:val"), "true")
    for cell, text in zip(header.cells, COVER_HEADER, strict=True):
        cell.paragraphs[0].add_run(text).bold = True
    for label, value in COVER_ROWS:
        cells = table.add_row().cells
        cells[0].paragraphs[0].add_run(label).bold = True
        cells[1].paragraphs[0].add_run(value).bold = True
    doc.add_paragraph().add_run("RECOMMENDATIONS").bold = True
    doc.add_paragraph("Members are invited to:")
    doc.add_paragraph("{%p for r in recommendations %}")
    doc.add_paragraph("{{ loop.index }}) {{ r }}", style="List Paragraph")
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("{%p if exempt %}")
    doc.add_paragraph().add_run("Exempt information. {{ exempt }}").bold = True
    doc.add_paragraph("{%p endif %}")
    doc.add_heading("1. Executive summary", level=1)
    doc.add_paragraph("{%p for p in executive_summary %}")
    doc.add_paragraph("1.{{ loop.index }} {{ p }}")
    doc.add_paragraph("{%p endfor %}")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()

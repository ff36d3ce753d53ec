"""Where a board's Word pack comes from: its own template (stored bytes) or the product's, and the cover's
facts from the board's settings and the meeting."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from models.board_packs import PackTemplate
from models.meetings import Board, Meeting
from packs.word_cover import CoverFacts


@dataclass(frozen=True)
class WordSource:
    facts: CoverFacts
    template: bytes | None = None  # None: the default committee-report template
    template_name: str = "the default committee-report template"


def word_source(session: Session, board: Board, meeting: Meeting) -> WordSource:
    facts = CoverFacts(meeting.agenda_item, board.lead_officer, board.cabinet_member, board.exempt_paragraph)
    own = session.get(PackTemplate, board.id)
    if own is None:
        return WordSource(facts)
    return WordSource(facts, own.content, f"{own.name} (the {board.name}'s template)")

"""What a pack is built from, as plain frozen values: `loading` fills them from SQL, the tests write them
by hand, and `packs.context.build_pack_context` reads nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from models.vocab import RAG, Audience, Status

TREND_PACKS = 6  # the packs a trend chart shows, this one included: the loader reads one fewer


@dataclass(frozen=True)
class AreaFact:
    code: str
    name: str


@dataclass(frozen=True)
class ActionFact:
    ref: str
    title: str
    area: str
    owner: str  # the owner's name
    owner_email: str
    original_due: date
    current_due: date
    status: Status
    rag: RAG | None = None  # as the owner reports it
    percent: int = 0
    rebaseline_count: int = 0
    exempt: bool = False
    start: date | None = None
    last_update: date | None = None  # the latest update on or before the pack's cut-off
    commentary: str | None = None  # the owner's latest commentary on or before the cut-off
    commentary_on: date | None = None
    reported: tuple[tuple[date, int], ...] = ()  # (day, percent) of each update with a percent by the cut-off


@dataclass(frozen=True)
class MilestoneFact:
    ref: str
    title: str
    due: date
    owner: str
    status: Status
    depends_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class EscalationFact:
    ref: str
    level: int
    due: date  # the due date the ladder belongs to
    rule: str
    reason: str
    since: date
    closed_on: date | None = None
    closed_reason: str | None = None


@dataclass(frozen=True)
class DeadNoticeFact:
    kind: str
    recipient: str
    refs: str
    error: str


@dataclass(frozen=True)
class PackData:
    plan: str
    organisation: str | None
    board: str
    meeting_date: date
    theme_area: str | None
    next_meeting: date | None  # the board's next meeting after this one: milestones up to it are listed
    areas: tuple[AreaFact, ...]
    actions: tuple[ActionFact, ...]
    milestones: tuple[MilestoneFact, ...] = ()
    escalations: tuple[EscalationFact, ...] = ()  # open ones, and those closed since the previous pack
    dead_notices: tuple[DeadNoticeFact, ...] = ()
    head_seq: int = 0
    head_hash: str = ""


@dataclass(frozen=True)
class ItemSummary:
    """One item as a pack saw it: stored with the pack, read by the next one."""

    ref: str
    area: str
    rag: str  # derived: red, amber, green, complete (or "closed" for deferred and cancelled)
    status: str
    due: str
    level: int

    def as_json(self) -> dict[str, Any]:
        return {
            "area": self.area,
            "rag": self.rag,
            "status": self.status,
            "due": self.due,
            "level": self.level,
        }


@dataclass(frozen=True)
class PreviousPack:
    meeting_date: date
    built_for: date
    audience: Audience
    items: dict[str, ItemSummary]

    @staticmethod
    def from_json(
        meeting_date: date, built_for: date, audience: Audience, data: dict[str, Any]
    ) -> PreviousPack:
        items = {
            ref: ItemSummary(ref, v["area"], v["rag"], v["status"], v["due"], int(v["level"]))
            for ref, v in data.get("items", {}).items()
        }
        return PreviousPack(meeting_date, built_for, audience, items)

"""What a pack's sections show, as plain frozen values: counts, an action's line, an exception, a change,
a milestone, a silent owner. `packs.context.PackContext` is built from these; every format renders them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from models.vocab import RAG_COUNTS


@dataclass(frozen=True)
class Counts:
    red: int = 0
    amber: int = 0
    green: int = 0
    complete: int = 0

    @property
    def total(self) -> int:
        return self.red + self.amber + self.green + self.complete

    def minus(self, other: Counts) -> Counts:
        return Counts(*(getattr(self, r) - getattr(other, r) for r in RAG_COUNTS))

    @staticmethod
    def of(rags: list[str]) -> Counts:
        found = Counter(rags)
        return Counts(*(found[r] for r in RAG_COUNTS))


@dataclass(frozen=True)
class AreaSummary:
    code: str
    name: str
    counts: Counts
    change: Counts | None  # None: no earlier pack to compare with


@dataclass(frozen=True)
class TrendPoint:
    meeting_date: date
    counts: Counts


@dataclass(frozen=True)
class ActionLine:
    """An action as every section shows it."""

    ref: str
    title: str
    area: str
    owner: str
    status: str
    owner_rag: str | None  # the owner's own RAG while the action is open; once closed, what closed it
    rag: str  # derived from the policy
    percent: int
    original_due: date
    current_due: date
    rebaselines: int
    level: int
    start: date | None
    last_update: date | None
    commentary: str | None
    commentary_on: date | None


@dataclass(frozen=True)
class ExceptionLine:
    ref: str
    kind: str
    title: str
    owner: str
    why: str
    original_due: date
    current_due: date
    rebaselines: int
    commentary: str | None
    commentary_on: date | None
    on_list_since: date
    working_days_on_list: int
    rag: str  # derived; a milestone's is "missed" or "at risk"
    owner_rag: str | None = None  # an action's owner's own RAG, printed beside the derived one


@dataclass(frozen=True)
class Rebaseline:
    ref: str
    title: str
    was: str
    now: date


@dataclass(frozen=True)
class LadderMove:
    ref: str
    level: int
    on: date
    reason: str


@dataclass(frozen=True)
class Changes:
    since: date | None  # the previous pack's date; None for a board's first pack
    newly_red: tuple[ActionLine, ...]
    newly_complete: tuple[ActionLine, ...]
    rebaselined: tuple[Rebaseline, ...]
    raised: tuple[LadderMove, ...]
    closed: tuple[LadderMove, ...]


@dataclass(frozen=True)
class MilestoneLine:
    ref: str
    title: str
    due: date
    owner: str
    status: str
    depends_on: tuple[str, ...]
    slipping: tuple[str, ...]  # open dependencies that are red or overdue: what makes it at risk
    state: str = "on track"  # "missed" once its date has passed unmet, "at risk", or "on track"
    # Open dependencies forecast (models.forecast) to finish more than the forecast_late rule's
    # `late_by_days` after the milestone's date, in words: "TAP-12 is forecast to finish 21 working days
    # after the milestone's date". A dependency already red or overdue is named in `slipping` only.
    forecast_late: tuple[str, ...] = ()

    @property
    def at_risk_from(self) -> tuple[str, ...]:
        """Everything that puts it at risk, for the pack's "At risk from" column and the summary."""
        return self.slipping + self.forecast_late


@dataclass(frozen=True)
class AreaRegister:
    """One improvement area's actions, under the area's heading in the register."""

    code: str
    name: str
    actions: tuple[ActionLine, ...]


@dataclass(frozen=True)
class SilentOwner:
    owner: str
    email: str
    refs: tuple[str, ...]
    last_update: date | None

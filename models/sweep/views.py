"""What the sweep's rules read: a plan's open items, people, ladders and meetings as plain frozen values,
so that `models.sweep.rules.decide` needs no session (`models.sweep.snapshot` loads them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from models.vocab import RAG, Audience, ItemKind, Status


class PersonView(NamedTuple):
    email: str
    name: str
    manager: str | None = None
    deputy: str | None = None
    away_from: date | None = None
    away_to: date | None = None
    has_teams: bool = False

    def is_away(self, day: date) -> bool:
        return bool(self.away_from and self.away_to and self.away_from <= day <= self.away_to)


class ItemView(NamedTuple):
    kind: ItemKind
    ref: str
    title: str
    owner: str
    due: date
    status: Status
    area: str | None = None
    original_due: date | None = None
    rebaseline_count: int = 0
    rag: RAG | None = None
    percent: int = 0
    last_update: date | None = None
    start: date | None = None
    consecutive_reds: int = 0
    depends_on: tuple[str, ...] = ()
    exempt: bool = False


class LadderView(NamedTuple):
    """The open escalation of an item: the level reached for its current due date."""

    level: int
    due: date
    since: date


@dataclass(frozen=True)
class MeetingView:
    board: str
    date: date
    audience: Audience
    theme_area: str | None


@dataclass(frozen=True)
class Snapshot:
    plan: str
    nation: str
    items: tuple[ItemView, ...]
    people: dict[str, PersonView] = field(default_factory=dict)
    area_leads: dict[str, str] = field(default_factory=dict)
    ladders: dict[str, LadderView] = field(default_factory=dict)
    meetings: tuple[MeetingView, ...] = ()
    board: str | None = None  # the Improvement Board: where level 3 goes
    board_secretariat: str | None = None
    dead_notices: tuple[tuple[str, str, str], ...] = ()  # (item refs, recipient, last error): undeliverable
    # For the forecast_late rule (models.sweep.forecasts): the percent updates, (day, percent) in order, of
    # the open actions due within its window only; and, by "ref|due", the day the owner was first warned
    # and that warning's key, and the key of a warning made to the lead (not cancelled, whoever received it).
    histories: Mapping[str, Sequence[tuple[date, int]]] = field(default_factory=dict)
    forecast_told: Mapping[str, tuple[date, str]] = field(default_factory=dict)
    forecast_leads: Mapping[str, str] = field(default_factory=dict)

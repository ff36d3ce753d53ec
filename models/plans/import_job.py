"""One import's bookkeeping: the report it returns and the ledger events it writes, field by field, so
every change is traceable to its before and after."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Any

from sqlmodel import Session

from models.columns import key_of
from models.ledger.chain import Event
from models.ledger.kinds import EventKind
from models.output.secrets import STORED, redact_url
from models.plan import Action, Milestone
from models.plans.spec import PlanSpec

# Who owns which field: the workbook owns an item's structure (title, area, owner, dates, exempt, notes,
# milestone dependencies); owners' updates own its progress (PROGRESS below). The workbook's progress applies
# to a new item, to an item no one has updated, and to an item whose workbook `last_update` is later than the
# day of its latest update. Otherwise an owner's update is newer than what the workbook says: the stored
# progress is kept and the difference is a conflict, listed in the report and the ledger (`ProgressKept`).
SECRET_FIELDS = {"teams_url"}
# The fields an owner's update sets: the workbook's value never replaces a newer update's.
PROGRESS = ("status", "rag", "percent", "last_update_on")
COLUMN_OF = {"last_update_on": "last_update"}


def _said(value: Any) -> str:
    return "(empty)" if value is None else str(value)


@dataclass(frozen=True)
class Conflict:
    """An item whose stored progress (from an update newer than the workbook) was kept."""

    ref: str
    latest_update: date
    kept: dict[str, Any]  # field -> the stored value, kept
    workbook: dict[str, Any]  # field -> the workbook's value, not applied


@dataclass
class ImportReport:
    """What an import added, changed, found missing, re-baselined and kept: for the CLI and the ledger."""

    plan: str
    created: bool
    added: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    changed: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    unchanged: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    missing: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    rebaselined: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return sum(map(len, self.added.values())) + sum(map(len, self.changed.values())) + len(self.cancelled)


def plain(value: Any) -> Any:
    """A value as the ledger records it and as two values are compared: enums, dates and sets made plain."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list | set | frozenset):
        return sorted(plain(v) for v in value)
    return value


def shown(name: str, value: Any) -> Any:
    return redact_url(value) if name in SECRET_FIELDS else plain(value)


class ImportJob:
    """One import under way: the session, the spec, the events it will write and the report it builds."""

    def __init__(self, session: Session, spec: PlanSpec, actor: str, reasons: dict[str, str]) -> None:
        self.session, self.spec, self.actor, self.reasons = session, spec, actor, reasons
        self.events: list[Event] = []
        self.report = ImportReport(spec.name, created=False)
        self.latest: dict[tuple[str, int], date] = {}  # ("a" or "m", item id) -> day of its latest update

    def event(self, kind: EventKind, ref: str | None, data: dict[str, Any]) -> None:
        self.events.append(Event(kind, self.actor, self.spec.name, ref, data))

    def apply(
        self, what: str, key: str, row: Any, wanted: dict[str, Any], kind: EventKind, ref: str | None
    ) -> bool:
        """Set the fields that differ; one event with before and after. Returns whether anything changed."""
        before, after = {}, {}
        for name, value in wanted.items():
            current = getattr(row, name)
            if name in SECRET_FIELDS and value == STORED:
                continue  # an export's placeholder: keep the stored secret
            if plain(current) != plain(value):
                before[name], after[name] = shown(name, current), shown(name, value)
                setattr(row, name, value)
        if after:
            self.report.changed[what].append(key)
            self.event(kind, ref, {"key": key, "before": before, "after": after})
            return True
        self.report.unchanged[what] += 1
        return False

    def keep_progress(
        self, item: Action | Milestone, fields: dict[str, Any], workbook_day: date | None
    ) -> None:
        """Drop from `fields` the progress an owner's newer update owns, listing each difference."""
        latest = self.latest.get(("a" if isinstance(item, Action) else "m", key_of(item)))
        if latest is None or (workbook_day is not None and workbook_day > latest):
            return  # no update yet, or the workbook's progress is the newer: the workbook's applies
        kept, workbook = {}, {}
        for name in PROGRESS:
            if name in fields:
                value = fields.pop(name)
                if plain(getattr(item, name)) != plain(value):
                    column = COLUMN_OF.get(name, name)  # reported as the workbook's column is headed
                    kept[column], workbook[column] = plain(getattr(item, name)), plain(value)
        if kept:
            self.report.conflicts.append(Conflict(item.ref, latest, kept, workbook))
            differences = ", ".join(f"{k} {_said(kept[k])} (workbook: {_said(workbook[k])})" for k in kept)
            data = {
                "key": item.ref,
                "latest_update": latest.isoformat(),
                "kept": kept,
                "workbook": workbook,
                "reason": f"the owner's update of {latest.isoformat()} is newer than the workbook: "
                f"kept {differences}",
            }
            self.event(EventKind.PROGRESS_KEPT, item.ref, data)

    def added(self, what: str, key: str, kind: EventKind, ref: str | None, fields: dict[str, Any]) -> None:
        self.report.added[what].append(key)
        self.event(kind, ref, {"key": key, **{k: shown(k, v) for k, v in fields.items()}})

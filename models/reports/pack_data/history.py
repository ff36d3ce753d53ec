"""The plan as it stood at a moment, pure: today's rows with each later ledger event undone, newest first,
by the values it recorded before the change; what was added after the moment is dropped."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date
from typing import Any

from models.ledger.kinds import EventKind
from models.reports.pack_data.facts import ActionFact, MilestoneFact, PackData
from models.reports.pack_data.moment import Recorded
from models.vocab import RAG, Status

# The events whose "before" values the roll-back needs: every other event changes nothing a pack reads.
CHANGES = frozenset(
    {
        EventKind.PLAN_CHANGED,
        EventKind.PERSON_CHANGED,
        EventKind.AREA_ADDED,
        EventKind.AREA_CHANGED,
        EventKind.ACTION_ADDED,
        EventKind.ACTION_CHANGED,
        EventKind.ACTION_UPDATED,
        EventKind.ACTION_CANCELLED,
        EventKind.DUE_DATE_REBASELINED,
        EventKind.MILESTONE_ADDED,
        EventKind.MILESTONE_CHANGED,
        EventKind.MILESTONE_UPDATED,
        EventKind.MILESTONE_CANCELLED,
    }
)


def _day(value: Any) -> date:
    return date.fromisoformat(str(value))


def _day_or_none(value: Any) -> date | None:
    return None if value is None else _day(value)


def _rag(value: Any) -> RAG | None:
    return None if value is None else RAG(value)


# The fields of a ledger event's "before" that a pack shows, and how to read them back.
ACTION_FIELDS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "title": ("title", str),
    "status": ("status", Status),
    "rag": ("rag", _rag),
    "percent": ("percent", int),
    "exempt": ("exempt", bool),
    "start": ("start", _day_or_none),
    "owner_email": ("owner_email", str),
    "area": ("area", str),
    "due": ("current_due", _day),
    "last_update_on": ("last_update", _day_or_none),  # as the workbook or an update set it
}
MILESTONE_FIELDS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "title": ("title", str),
    "status": ("status", Status),
    "due": ("due", _day),
    "depends_on": ("depends_on", lambda refs: tuple(sorted(refs))),
}


class People:
    """Who is who, to put names back: by email (actions' events) and by id (milestones' events)."""

    def __init__(self, by_id: dict[int, tuple[str, str]]) -> None:
        self.by_id = by_id
        self.names = {email: name for name, email in by_id.values()}

    def name(self, email: str) -> str:
        return self.names.get(email, email)


def roll_back(data: PackData, later: Iterable[Recorded], people: People) -> PackData:
    """`data` as it was before the `later` events of its plan (given in ledger order)."""
    mine = [e for e in later if e.plan == data.plan and e.kind in CHANGES]
    if not mine:
        return data
    actions = {a.ref: a for a in data.actions}
    milestones = {m.ref: m for m in data.milestones}
    areas = {a.code: a for a in data.areas}
    organisation = data.organisation
    names = dict(people.names)
    for e in reversed(mine):
        before = e.data.get("before", {})
        key = str(e.data.get("key", e.ref or ""))
        if e.kind == EventKind.ACTION_ADDED:
            actions.pop(e.ref or "", None)
        elif e.kind == EventKind.MILESTONE_ADDED:
            milestones.pop(e.ref or "", None)
        elif e.kind == EventKind.AREA_ADDED:
            areas.pop(key, None)
        elif e.kind == EventKind.AREA_CHANGED and key in areas and "name" in before:
            areas[key] = replace(areas[key], name=str(before["name"]))
        elif e.kind == EventKind.PLAN_CHANGED and "organisation" in before:
            organisation = before["organisation"]
        elif e.kind == EventKind.PERSON_CHANGED and "name" in before:
            names[key] = str(before["name"])
        elif e.ref in actions and e.kind.startswith(("Action", "DueDate")):
            actions[e.ref] = _action_before(actions[e.ref], before, e.data)
        elif e.ref in milestones and e.kind.startswith("Milestone"):
            milestones[e.ref] = _milestone_before(milestones[e.ref], before, people)
    kept = set(actions)
    return replace(
        data,
        organisation=organisation,
        areas=tuple(areas[c] for c in sorted(areas)),
        actions=tuple(
            replace(a, owner=names.get(a.owner_email, a.owner)) for _, a in sorted(actions.items())
        ),
        milestones=tuple(
            replace(m, depends_on=tuple(r for r in m.depends_on if r in kept))
            for m in sorted(milestones.values(), key=lambda m: (m.due, m.ref))
        ),
    )


def _action_before(action: ActionFact, before: dict[str, Any], data: dict[str, Any]) -> ActionFact:
    changes = {ACTION_FIELDS[k][0]: ACTION_FIELDS[k][1](v) for k, v in before.items() if k in ACTION_FIELDS}
    if "rebaseline_count" in data:  # a re-baseline: the count it left, less this one
        changes["rebaseline_count"] = max(int(data["rebaseline_count"]) - 1, 0)
    return replace(action, **changes)


def _milestone_before(milestone: MilestoneFact, before: dict[str, Any], people: People) -> MilestoneFact:
    changes = {
        MILESTONE_FIELDS[k][0]: MILESTONE_FIELDS[k][1](v) for k, v in before.items() if k in MILESTONE_FIELDS
    }
    if "owner_id" in before and before["owner_id"] in people.by_id:
        changes["owner"] = people.by_id[before["owner_id"]][0]
    elif "owner_email" in before:
        changes["owner"] = people.name(str(before["owner_email"]))
    return replace(milestone, **changes)

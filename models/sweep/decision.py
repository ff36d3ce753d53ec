"""What the sweep decides: one `Decision` per recipient, rule and step, with its dedupe key; decisions that
share a key (one person in several roles) become one, so a person gets one message about it, not two."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from operator import itemgetter
from types import MappingProxyType
from typing import Any, NamedTuple

from models.sweep.words import told_as

LEVEL_NAMES = {1: "the owner", 2: "the owner's manager", 3: "the Improvement Board"}
SECRETARIAT_ROLE = "the board secretariat"


class Decision(NamedTuple):
    """A tuple, not a dataclass: a sweep of 100,000 items builds 150,000 of them, and most are found already
    made and dropped. The facts behind a decision are worked out only when someone reads them."""

    plan: str
    ref: str
    rule: str
    step: str
    kind: str  # an EventKind: the ledger event, past tense
    recipient: str
    reason: str
    due: date
    level: int = 1
    on_behalf_of: str | None = None
    urgency: int = 0
    details: Mapping[str, Any] | Callable[[], dict[str, Any]] = MappingProxyType({})
    roles: tuple[str, ...] = ()  # every capacity the recipient is told in: "the milestone's owner", ...

    @property
    def told_as(self) -> str:
        """Why this person hears of it: "as the milestone's owner and as the board secretariat"."""
        return told_as(self.roles)

    @property
    def dedupe_key(self) -> str:
        """Unique for (plan, item, due date, rule, step, recipient): no sweep decides the same thing twice,
        and a re-baseline (a new due date) starts afresh."""
        return f"{self.plan}|{self.ref}|{self.due.isoformat()}|{self.rule}|{self.step}|{self.recipient}"

    @property
    def facts(self) -> dict[str, Any]:
        details = self.details
        return details() if callable(details) else dict(details)


def one_per_key(decisions: list[Decision]) -> list[Decision]:
    """Decisions that share a dedupe key (one person in several roles: the milestone's owner and the board
    secretariat; an owner's deputy who is also the secretariat; two boards meeting on one day) become one,
    carrying every role and reason: one message, one notice, one ledger event."""
    keys = list(map(_KEY_PARTS, decisions))  # in C: this runs over every decision of a first sweep
    if len(set(keys)) == len(keys):
        return decisions
    merged: dict[tuple[Any, ...], Decision] = {}
    for key, d in zip(keys, decisions, strict=True):
        first = merged.get(key)
        merged[key] = d if first is None else _merge(first, d)
    return list(merged.values())


# The dedupe key's parts (ref, due, rule, step, recipient; the plan is one), as Decision orders its fields.
_KEY_PARTS = itemgetter(1, 7, 2, 3, 5)


def _merge(first: Decision, second: Decision) -> Decision:
    base = second if second.urgency > first.urgency else first
    reasons = first.reason if second.reason == first.reason else f"{first.reason}; {second.reason}"
    return base._replace(
        reason=reasons,
        level=max(first.level, second.level),
        urgency=max(first.urgency, second.urgency),
        on_behalf_of=first.on_behalf_of or second.on_behalf_of,
        roles=first.roles + tuple(r for r in second.roles if r not in first.roles),
    )

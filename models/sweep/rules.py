"""The rules of the sweep, pure: `decide(snapshot, policy, calendar, as_of)` returns what the service must
do today and why, with no session, clock or network, so every rule is tested with plain values."""

from __future__ import annotations

from collections.abc import Container
from datetime import date
from typing import Protocol

from config.policy import Policy
from models.calendar import WorkingCalendar
from models.ledger.kinds import EventKind
from models.sweep.alerts import dead_notice_alert, sweep_failed_notice
from models.sweep.chase import meeting_chase
from models.sweep.decision import LEVEL_NAMES, SECRETARIAT_ROLE, Decision, one_per_key
from models.sweep.facts import (
    Context,
    Facts,
    IsoDates,
    WorkingDaysAfter,
    all_facts,
    decision_for,
    in_days,
    latest_step,
    owner_role,
    slipping_dependencies,
)
from models.sweep.forecasts import forecast_late
from models.sweep.ladder import escalations, resets
from models.sweep.views import Snapshot
from models.sweep.words import told_as
from models.vocab import RAG, ItemKind, Status, plural

# The names the rest of the product imports from here; each rule's module is beside this one.
__all__ = [
    "LEVEL_NAMES",
    "SECRETARIAT_ROLE",
    "Decision",
    "Progress",
    "decide",
    "derived_rag",
    "slipping_dependencies",
    "sweep_failed_notice",
    "told_as",
]


class Progress(Protocol):
    """What the derived RAG reads of an item: the sweep's view, a pack's fact and a table row all have it."""

    @property
    def status(self) -> Status: ...
    @property
    def rag(self) -> RAG | None: ...
    @property
    def percent(self) -> int: ...
    @property
    def rebaseline_count(self) -> int: ...


def derived_rag(item: Progress, to_due: int, since_update: int | None, policy: Policy) -> str:
    """Kept beside the owner's own RAG and printed in packs."""
    if item.status.is_done:
        return "complete"
    if to_due < 0 or item.rag is RAG.RED:
        return "red"
    soon_and_behind = to_due <= policy.rag.amber_window_days and item.percent < policy.rag.amber_below_percent
    stale = since_update is not None and since_update >= policy.stale.request_after_days
    if soon_and_behind or item.rebaseline_count > 0 or stale or item.rag is RAG.AMBER:
        return "amber"
    return "green"


def decide(
    snapshot: Snapshot,
    policy: Policy,
    calendar: WorkingCalendar,
    as_of: date,
    known: Container[str] = frozenset(),
    found: set[str] | None = None,
) -> list[Decision]:
    """What applies today, less the decisions whose dedupe keys are in `known` (made on an earlier run),
    left out before their reasons and facts are written so a sweep that finds nothing new costs little;
    their keys are added to `found` (a set: one person told in two roles is still one decision)."""
    if not calendar.is_working_day(as_of):
        return []  # nothing is decided or sent on a weekend, a bank holiday or a closure day
    decisions: list[Decision] = []
    facts = all_facts(snapshot, calendar, as_of)
    found = set() if found is None else found
    context = Context(
        snapshot, policy, calendar, as_of, known, found, IsoDates(), facts, WorkingDaysAfter(calendar)
    )
    for fact in facts.values():
        decisions += _for_item(fact, facts, context)
    decisions += forecast_late(context, facts)
    decisions += meeting_chase(context, facts)
    decisions += resets(snapshot, facts)
    decisions += dead_notice_alert(snapshot, as_of)
    return one_per_key(decisions)


def _for_item(fact: Facts, facts: dict[str, Facts], context: Context) -> list[Decision]:
    """The owner's reminders for one item (due soon, overdue, no update), then its escalation."""
    out = _reminders(fact, context) if fact.item.owner else []  # a reminder to nobody is no reminder
    # At the top of the ladder an item climbs no further (`escalations` says so too; asked here, it costs
    # no call); a milestone whose date has passed is a fact of its own.
    if fact.level < 3 or fact.overdue:
        out += escalations(fact, facts, context)
    return out


def _reminders(fact: Facts, context: Context) -> list[Decision]:
    reminders, stale_policy = context.policy.reminders, context.policy.stale
    item, to_due, overdue, since = fact.item, fact.to_due, fact.overdue, fact.since_update
    out: list[Decision] = []
    # Each reminder is first looked up among the keys of the decisions made on an earlier run (on a second
    # run of a day, all of them): only a new one goes on to `decision_for`, its reason and its facts. The
    # key is `Decision.dedupe_key`, to whoever receives the owner's reminders today (their deputy while
    # they are away), as `decision_for` works it out.
    known, found = context.known, context.found
    owner = context.snapshot.people.get(item.owner)
    away = (
        owner.deputy if owner and owner.away_from and owner.deputy and owner.is_away(context.today) else None
    )
    to, prefix = away or item.owner, f"{context.snapshot.plan}|{item.ref}|{context.iso[item.due]}|"
    quiet = since is not None and since <= reminders.quiet_after_update_days and item.last_update is not None
    # Due soon: 10, 3 and 0 working days before (the steps run from the largest down; most items are
    # further off than the first, and need no call to find no step).
    soon = reminders.due_soon_days
    if soon and 0 <= to_due <= soon[0] and not quiet:
        step = latest_step(to_due, soon)
        if step is not None:
            key = f"{prefix}due_soon|{step}|{to}"
            if key in known:
                found.add(key)
            else:
                out += decision_for(
                    context,
                    fact,
                    "due_soon",
                    step,
                    EventKind.REMINDER_QUEUED,
                    item.owner,
                    owner_role(item),
                    lambda: f"{item.ref} is due {in_days(to_due)}: reminder to the owner",
                    urgency=1,
                )
    # Overdue: the first working day after, then every N.
    if overdue >= 1 and item.kind is ItemKind.ACTION:
        step = (overdue - 1) // reminders.overdue_repeat_days
        key = f"{prefix}overdue|{step}|{to}"
        if key in known:
            found.add(key)
        else:
            out += decision_for(
                context,
                fact,
                "overdue",
                step,
                EventKind.OVERDUE_NOTICE_QUEUED,
                item.owner,
                owner_role(item),
                lambda: (
                    f"{item.ref} is {overdue} working day{'s' * (overdue != 1)} overdue: notice to the owner"
                ),
                urgency=3,
            )
    # Stale: no update for a long time.
    if since is not None and since >= stale_policy.request_after_days and not quiet:
        step = (since - stale_policy.request_after_days) // stale_policy.repeat_days
        key = f"{prefix}stale_update|{step}|{to}"
        if key in known:
            found.add(key)
        else:
            out += decision_for(
                context,
                fact,
                "stale_update",
                step,
                EventKind.UPDATE_REQUESTED,
                item.owner,
                owner_role(item),
                lambda: f"{item.ref} has had no update for {plural(since, 'working day')}: update requested",
                urgency=2,
            )
    return out

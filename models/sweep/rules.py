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
    ISO_DATES,
    Context,
    Facts,
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
        snapshot, policy, calendar, as_of, known, found, ISO_DATES, facts, WorkingDaysAfter(calendar)
    )
    decisions += _for_items(facts, context)
    decisions += forecast_late(context, facts)
    decisions += meeting_chase(context, facts)
    decisions += resets(snapshot, facts)
    decisions += dead_notice_alert(snapshot, as_of)
    return one_per_key(decisions)


def _for_items(facts: dict[str, Facts], context: Context) -> list[Decision]:
    """Each item's reminders to its owner (due soon, overdue, no update), then its escalation, in the items'
    order. One loop with the policy and the plan bound once: it runs for every open item of every plan, and
    a second run of a day finds nearly all of it already made (a call per item per rule, and the policy
    read again for each, cost a third of the second sweep's rules)."""
    reminders, stale_policy = context.policy.reminders, context.policy.stale
    soon = reminders.due_soon_days
    soonest = soon[0] if soon else -1  # the steps run from the largest down (the policy sorts them)
    quiet_after, overdue_every = reminders.quiet_after_update_days, reminders.overdue_repeat_days
    stale_after, stale_every = stale_policy.request_after_days, stale_policy.repeat_days
    known, found, iso, today = context.known, context.found, context.iso, context.today
    people, plan = context.snapshot.people, context.snapshot.plan
    action, milestone = ItemKind.ACTION, ItemKind.MILESTONE
    out: list[Decision] = []
    for fact in facts.values():
        item, to_due, overdue, since, level = fact
        if item.owner:  # a reminder to nobody is no reminder
            # Each reminder is first looked up among the keys of the decisions made on an earlier run (on a
            # second run of a day, all of them): only a new one goes on to `_reminder`. The key is
            # `Decision.dedupe_key`, to whoever receives the owner's reminders today (their deputy while
            # they are away), as `decision_for` works it out.
            owner = people.get(item.owner)
            away = (
                owner.deputy if owner and owner.away_from and owner.deputy and owner.is_away(today) else None
            )
            to, prefix = away or item.owner, f"{plan}|{item.ref}|{iso[item.due]}|"
            quiet = since is not None and since <= quiet_after and item.last_update is not None
            # Due soon: 10, 3 and 0 working days before (most items are further off than the first step,
            # and need no call to find no step).
            if 0 <= to_due <= soonest and not quiet:
                step = latest_step(to_due, soon)
                if step is not None:
                    key = f"{prefix}due_soon|{step}|{to}"
                    if key in known:
                        found.add(key)
                    else:
                        out += _reminder(context, fact, "due_soon", step)
            # Overdue: the first working day after, then every N.
            if overdue >= 1 and item.kind is action:
                step = (overdue - 1) // overdue_every
                key = f"{prefix}overdue|{step}|{to}"
                if key in known:
                    found.add(key)
                else:
                    out += _reminder(context, fact, "overdue", step)
            # Stale: no update for a long time.
            if since is not None and since >= stale_after and not quiet:
                step = (since - stale_after) // stale_every
                key = f"{prefix}stale_update|{step}|{to}"
                if key in known:
                    found.add(key)
                else:
                    out += _reminder(context, fact, "stale_update", step)
        # At the top of the ladder an item climbs no further (`escalations` says so too; asked here, it costs
        # no call); a milestone whose date has passed is a fact of its own.
        if level < 3 or (overdue and item.kind is milestone):
            out += escalations(fact, facts, context)
    return out


# Each reminder's ledger event and urgency.
_REMINDERS = {
    "due_soon": (EventKind.REMINDER_QUEUED, 1),
    "overdue": (EventKind.OVERDUE_NOTICE_QUEUED, 3),
    "stale_update": (EventKind.UPDATE_REQUESTED, 2),
}


def _reminder(context: Context, fact: Facts, rule: str, step: int) -> list[Decision]:
    """A reminder to the owner that no earlier run made, worded (only a new one is)."""
    item = fact.item
    if rule == "due_soon":
        why = f"{item.ref} is due {in_days(fact.to_due)}: reminder to the owner"
    elif rule == "overdue":
        days = fact.overdue
        why = f"{item.ref} is {days} working day{'s' * (days != 1)} overdue: notice to the owner"
    else:
        silent = plural(fact.since_update or 0, "working day")  # set: a stale item has had an update
        why = f"{item.ref} has had no update for {silent}: update requested"
    kind, urgency = _REMINDERS[rule]
    return decision_for(
        context, fact, rule, step, kind, item.owner, owner_role(item), lambda: why, urgency=urgency
    )

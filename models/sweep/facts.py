"""What the rules know about each open item today (`Facts`), and how a rule's finding becomes a `Decision`
for whoever receives it today, with the facts and next step its reader needs worked out only when read."""

from __future__ import annotations

from collections.abc import Callable, Container, Mapping
from datetime import date
from typing import Any, NamedTuple
from weakref import WeakKeyDictionary

from config.policy import Policy
from models.calendar import WorkingCalendar
from models.sweep.decision import Decision
from models.sweep.views import ItemView, Snapshot
from models.vocab import RAG, Audience, ItemKind, Status, day_in_words, plural

# A tuple: asked with `in`, its members match by identity, where a set would hash each StrEnum in Python.
_RED = RAG.RED  # bound once: a member read from its enum class costs five times a global
_OPEN = tuple(s for s in Status if s.is_open)


class Facts(NamedTuple):
    """What the rules know about one item today."""

    item: ItemView
    to_due: int
    overdue: int
    since_update: int | None
    level: int  # the ladder's level for the current due date (1 when none)


def all_facts(snapshot: Snapshot, calendar: WorkingCalendar, today: date) -> dict[str, Facts]:
    """The facts of every open item, keyed by ref. One loop with everything bound locally: it runs once
    per open item of every plan, every working day."""
    ladders, open_statuses = snapshot.ladders, _OPEN
    # Working days from today to each date, worked out once per date: a hit in this dict costs no Python
    # call, and the plans that share a calendar share it (their items share a few hundred dates).
    to, new = _from_today(calendar, today), tuple.__new__
    facts = {}
    for item in snapshot.items:
        if item.status not in open_statuses:
            continue
        to_due = to[item.due]
        last = item.last_update or item.start
        ladder = ladders.get(item.ref)
        facts[item.ref] = new(  # Facts, from a tuple in its field order (its own __new__ is a Python call)
            Facts,
            (
                item,
                to_due,
                -to_due if to_due < 0 else 0,
                -to[last] if last and last <= today else None,
                ladder.level if ladder and ladder.due == item.due else 1,
            ),
        )
    return facts


class _FromToday(dict[date, int]):
    """Working days from today to a date (negative before today), each date counted once."""

    def __init__(self, calendar: WorkingCalendar, today: date) -> None:
        super().__init__()
        self.today, self.position, self.now = today, calendar.position, calendar.position(today)

    def __missing__(self, day: date) -> int:
        found = self[day] = self.position(day) - self.now
        return found


# The last day's counts per calendar. They cannot go stale: a calendar's positions never change once
# handed out (`WorkingCalendar.position`), and a calendar built from other closure days is another object.
_COUNTS: WeakKeyDictionary[WorkingCalendar, _FromToday] = WeakKeyDictionary()


def _from_today(calendar: WorkingCalendar, today: date) -> _FromToday:
    counts = _COUNTS.get(calendar)
    if counts is None or counts.today != today:
        counts = _COUNTS[calendar] = _FromToday(calendar, today)
    return counts


class Context(NamedTuple):
    """What every decision of one sweep of one plan shares: enough to work out its facts later."""

    snapshot: Snapshot
    policy: Policy
    calendar: WorkingCalendar
    today: date
    known: Container[str]
    found: set[str]  # the keys of today's decisions found in `known`: made on an earlier run
    iso: dict[date, str]  # dates as the dedupe keys write them, each formatted once
    facts: Mapping[str, Facts]  # every open item's facts, by ref: what a milestone depends on
    after: dict[tuple[date, int], date]  # (day, n): n working days after day, each counted once


class WorkingDaysAfter(dict[tuple[date, int], date]):
    """`calendar.add_working_days`, remembered per sweep of a plan: the next steps of a first sweep's
    150,000 decisions ask about a few hundred due dates."""

    def __init__(self, calendar: WorkingCalendar) -> None:
        super().__init__()
        self.calendar = calendar

    def __missing__(self, key: tuple[date, int]) -> date:
        found = self[key] = self.calendar.add_working_days(*key)
        return found


class IsoDates(dict[date, str]):
    """Dates as the dedupe keys write them, each formatted once."""

    def __missing__(self, day: date) -> str:
        text = self[day] = day.isoformat()
        return text


# Shared by every plan and every sweep: a date's text never changes, the 200 plans of an estate share the
# same few hundred due dates (formatted once per plan, they cost a tenth of a second sweep's rules), and
# a service meets a few thousand dates in its life.
ISO_DATES = IsoDates()


def decision_for(
    context: Context,
    fact: Facts,
    rule: str,
    step: str | int,
    kind: str,
    who: str | None,
    role: str,
    reason: Callable[[], str],
    level: int = 1,
    urgency: int = 0,
    **extra: Any,
) -> list[Decision]:
    """One rule's finding about one item as the decision for whoever receives it today (`who`, or their
    deputy), or nothing when it was made on an earlier run; `extra` joins the facts its reader sees."""
    snapshot = context.snapshot
    if who:  # to them, or their deputy while they are away (no call: this runs for every rule of every item)
        person = snapshot.people.get(who)
        if person and person.away_from and person.deputy and person.is_away(context.today):
            recipient, on_behalf = person.deputy, who
        else:
            recipient, on_behalf = who, None
    elif level == 1:
        return []  # a reminder to nobody is no reminder
    else:
        recipient, on_behalf = "", None  # an escalation still stands, with nobody to tell: the pack lists it
    item = fact.item
    step = str(step)
    if recipient:
        key = f"{snapshot.plan}|{item.ref}|{context.iso[item.due]}|{rule}|{step}|{recipient}"
        if key in context.known:  # made on an earlier run (the same key as Decision.dedupe_key)
            context.found.add(key)
            return []
    return [
        Decision(
            plan=snapshot.plan,
            ref=item.ref,
            rule=rule,
            step=step,
            kind=kind,
            recipient=recipient,
            reason=reason(),
            due=item.due,
            level=level,
            on_behalf_of=on_behalf,
            urgency=urgency,
            details=lambda: _details(context, fact, recipient, max(level, fact.level), extra),
            roles=(f"deputy for {on_behalf}, {role}" if on_behalf else role,),
        )
    ]


def owner_role(item: ItemView) -> str:
    return _OWNER_ROLES[item.kind]


# Asked for every reminder and escalation of every item, before most are found already made.
_OWNER_ROLES = {kind: f"the {kind.value}'s owner" for kind in ItemKind}


def _details(
    context: Context, fact: Facts, recipient: str, level: int, extra: dict[str, Any]
) -> dict[str, Any]:
    """The facts a decision used, and what its reader needs: who owns the item (and who covers while the
    owner is away), the recipient's name to greet them by, and the next step as it reads to them."""
    item, snapshot, today = fact.item, context.snapshot, context.today
    people = snapshot.people
    owner, reader = people.get(item.owner), people.get(recipient)
    covering = people.get(owner.deputy or "") if owner and owner.deputy and owner.is_away(today) else None
    slipping = (
        {"at_risk_from": slipping_dependencies(item, context.facts)}
        if item.kind is ItemKind.MILESTONE and fact.overdue == 0
        else {}
    )
    return {
        "kind": item.kind.value,
        "title": item.title,
        "owner": item.owner,
        "owner_name": owner.name if owner and owner.name else item.owner,
        "covering": (covering.name or covering.email) if covering else None,
        "recipient_name": reader.name if reader else None,
        "due": item.due.isoformat(),
        "working_days_to_due": fact.to_due,
        "working_days_overdue": fact.overdue,
        "working_days_since_update": fact.since_update,
        "last_update": item.last_update.isoformat() if item.last_update else None,
        "level_before": fact.level,
        "rag": item.rag.value if item.rag else None,
        "percent": item.percent,
        "next_step": _next_step(
            item, level, fact.overdue, recipient, snapshot, context.after, context.policy
        ),
        "next_meeting": _next_meeting(snapshot, today),
        **slipping,
        **extra,
    }


def _next_step(
    item: ItemView,
    level: int,
    overdue: int,
    recipient: str,
    snapshot: Snapshot,
    after: Mapping[tuple[date, int], date],  # `WorkingDaysAfter`
    policy: Policy,
) -> str:
    """The ladder's next rung for this item from where it stands now (`level`, after today's decisions),
    with its date, in words for the one who reads it: never "escalates to the owner's manager" to that
    manager, never "it goes to the board" for what is already there."""
    board = snapshot.board or "the Improvement Board"
    if item.kind is ItemKind.MILESTONE:
        if overdue >= 1:
            return f"it stays on {board}'s exceptions list until it is met or re-baselined"
        told = day_in_words(after[(item.due, 1)])
        if level >= 3:
            return (
                f"it stays on {board}'s exceptions list; if it is not met by {day_in_words(item.due)}, "
                f"{board} and its owner are told on {told} that it was missed"
            )
        return f"if it is not met by {day_in_words(item.due)}, {board} and its owner are told on {told}"
    if level >= 3:
        return f"it stays on {board}'s exceptions list until it is done or re-baselined"
    ladder = policy.ladder
    if level < 2 and overdue < ladder.lead_after_overdue_days:
        when = after[(item.due, ladder.lead_after_overdue_days)]
        return f"escalates to {_lead_in_words(item, recipient, snapshot)} on {day_in_words(when)}"
    when = after[(item.due, ladder.board_after_overdue_days)]
    return f"escalates to {board} on {day_in_words(when)}"


def level_two(item: ItemView, snapshot: Snapshot) -> tuple[str | None, bool]:
    """Who level 2 goes to: the owner's manager, or the area lead when the owner has none (is_manager)."""
    owner = snapshot.people.get(item.owner)
    manager = owner.manager if owner else None
    return manager or snapshot.area_leads.get(item.area or ""), manager is not None


def _lead_in_words(item: ItemView, recipient: str, snapshot: Snapshot) -> str:
    """ "you", "your manager, Sam Jones", "the owner's manager, Sam Jones" or "the area lead, Sam Jones"."""
    lead, is_manager = level_two(item, snapshot)
    if lead and lead == recipient:
        return "you"
    if not is_manager:
        role = "the area lead"
    else:
        role = "your manager" if recipient == item.owner else "the owner's manager"
    person = snapshot.people.get(lead or "")
    return f"{role}, {person.name}," if person and person.name else role


def slipping_dependencies(item: ItemView, facts: Mapping[str, Facts]) -> list[str]:
    """What puts a milestone at risk, each with why: only its open dependencies that are overdue or
    reported red. A completed or closed dependency, or one on track, is never named."""
    named = []
    for ref in item.depends_on:
        fact = facts.get(ref)  # open items only: a completed dependency is not among them
        if fact is None:
            continue
        if fact.overdue >= 1:
            named.append(f"{ref} ({plural(fact.overdue, 'working day')} overdue)")
        elif fact.item.rag is _RED:
            named.append(f"{ref} (reported red)")
    return named


def _next_meeting(snapshot: Snapshot, today: date) -> str | None:
    for meeting in snapshot.meetings:  # in date order
        if meeting.date >= today and meeting.board == snapshot.board and meeting.audience is Audience.BOARD:
            return f"{meeting.board} on {day_in_words(meeting.date)}"
    return None


def in_days(days: int) -> str:
    return "today" if days == 0 else f"in {days} working day{'s' * (days != 1)}"


def latest_step(value: int, steps: tuple[int, ...]) -> int | None:
    """The latest step that applies: the smallest threshold not below `value` (catching up a missed day)."""
    if not steps or value > steps[0]:  # steps run from the largest down (the policy sorts them)
        return None
    return min(s for s in steps if value <= s)

"""The rules of the sweep, pure: `decide(snapshot, policy, calendar, as_of)` returns what the service must
do today and why, with no session, clock or network, so every rule is tested with plain values."""

from __future__ import annotations

from collections.abc import Callable, Container, Mapping, Sequence
from datetime import date
from operator import itemgetter
from types import MappingProxyType
from typing import Any, NamedTuple, Protocol

from config.policy import Policy
from models.calendar import WorkingCalendar
from models.ledger.kinds import EventKind
from models.sweep.snapshot import ItemView, MeetingView, Snapshot
from models.sweep.words import told_as
from models.vocab import RAG, Audience, ItemKind, Status, day_in_words, plural

_OPEN = frozenset(s for s in Status if s.is_open)
LEVEL_NAMES = {1: "the owner", 2: "the owner's manager", 3: "the Improvement Board"}


class Decision(NamedTuple):
    """A tuple, not a dataclass: a sweep of 100,000 items builds 150,000 of them, and most are found already
    made and dropped. The facts behind a decision are worked out only when someone reads them."""

    plan: str
    ref: str
    rule: str
    step: str
    kind: str  # the ledger event, past tense
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


SECRETARIAT_ROLE = "the board secretariat"


class Facts(NamedTuple):
    """What the rules know about one item today."""

    item: ItemView
    to_due: int
    overdue: int
    since_update: int | None
    level: int  # the ladder's level for the current due date (1 when none)


def _all_facts(snapshot: Snapshot, calendar: WorkingCalendar, today: date) -> dict[str, Facts]:
    """The facts of every open item, keyed by ref. One loop with everything bound locally: it runs once
    per open item of every plan, every working day."""
    position, ladders, open_statuses = calendar.position, snapshot.ladders, _OPEN
    now = position(today)
    facts = {}
    for item in snapshot.items:
        if item.status not in open_statuses:
            continue
        to_due = position(item.due) - now
        last = item.last_update or item.start
        ladder = ladders.get(item.ref)
        facts[item.ref] = Facts(
            item,
            to_due,
            -to_due if to_due < 0 else 0,
            now - position(last) if last and last <= today else None,
            ladder.level if ladder and ladder.due == item.due else 1,
        )
    return facts


def _next_step(
    item: ItemView,
    level: int,
    overdue: int,
    recipient: str,
    snapshot: Snapshot,
    calendar: WorkingCalendar,
    policy: Policy,
) -> str:
    """The ladder's next rung for this item from where it stands now (`level`, after today's decisions),
    with its date, in words for the one who reads it: never "escalates to the owner's manager" to that
    manager, never "it goes to the board" for what is already there."""
    board = snapshot.board or "the Improvement Board"
    if item.kind is ItemKind.MILESTONE:
        if overdue >= 1:
            return f"it stays on {board}'s exceptions list until it is met or re-baselined"
        told = _day(calendar.add_working_days(item.due, 1))
        if level >= 3:
            return (
                f"it stays on {board}'s exceptions list; if it is not met by {_day(item.due)}, {board} "
                f"and its owner are told on {told} that it was missed"
            )
        return f"if it is not met by {_day(item.due)}, {board} and its owner are told on {told}"
    if level >= 3:
        return f"it stays on {board}'s exceptions list until it is done or re-baselined"
    ladder = policy.ladder
    if level < 2 and overdue < ladder.lead_after_overdue_days:
        when = calendar.add_working_days(item.due, ladder.lead_after_overdue_days)
        return f"escalates to {_lead_in_words(item, recipient, snapshot)} on {_day(when)}"
    when = calendar.add_working_days(item.due, ladder.board_after_overdue_days)
    return f"escalates to {board} on {_day(when)}"


def _level_two(item: ItemView, snapshot: Snapshot) -> tuple[str | None, bool]:
    """Who level 2 goes to: the owner's manager, or the area lead when the owner has none (is_manager)."""
    owner = snapshot.people.get(item.owner)
    manager = owner.manager if owner else None
    return manager or snapshot.area_leads.get(item.area or ""), manager is not None


def _lead_in_words(item: ItemView, recipient: str, snapshot: Snapshot) -> str:
    """ "you", "your manager, Sam Jones", "the owner's manager, Sam Jones" or "the area lead, Sam Jones"."""
    lead, is_manager = _level_two(item, snapshot)
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
        elif fact.item.rag is RAG.RED:
            named.append(f"{ref} (reported red)")
    return named


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
) -> list[Decision]:
    """What applies today, less the decisions whose dedupe keys are in `known` (made on an earlier run),
    left out before their reasons and facts are written so a sweep that finds nothing new costs little."""
    if not calendar.is_working_day(as_of):
        return []  # nothing is decided or sent on a weekend, a bank holiday or a closure day
    decisions: list[Decision] = []
    facts = _all_facts(snapshot, calendar, as_of)
    context = _Context(snapshot, policy, calendar, as_of, known, _IsoDates(), facts)
    for fact in facts.values():
        decisions += _for_item(fact, facts, context)
    decisions += _meeting_chase(context, facts)
    decisions += _resets(snapshot, facts)
    decisions += _dead_notice_alert(snapshot, as_of)
    return _one_per_key(decisions)


def _one_per_key(decisions: list[Decision]) -> list[Decision]:
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


def _dead_notice_alert(snapshot: Snapshot, today: date) -> list[Decision]:
    """Once a day, the board secretariat hears of every message that could not be delivered."""
    if not snapshot.dead_notices or not snapshot.board_secretariat:
        return []
    lines = [f"{refs or '-'} to {recipient}: {error}" for refs, recipient, error in snapshot.dead_notices]
    count = len(lines)
    reason = (
        f"{count} message{'s' * (count != 1)} could not be delivered: check the addresses and "
        "`lineofsight outbox --status dead`, then `lineofsight outbox retry ID`"
    )
    return [
        Decision(
            plan=snapshot.plan,
            ref="(outbox)",
            rule="dead_notices",
            step=today.isoformat(),
            kind=EventKind.DEAD_NOTICES_REPORTED,
            recipient=snapshot.board_secretariat,
            reason=reason,
            due=today,
            urgency=4,
            details={
                "kind": "outbox",
                "title": "Messages that could not be delivered",
                "due": today.isoformat(),
                "undelivered": lines[:50],
            },
            roles=(SECRETARIAT_ROLE,),
        )
    ]


def sweep_failed_notice(plan: str, secretariat: str, failure: str, today: date) -> Decision:
    """What the board secretariat is told, once a day, when their plan's sweep fails: until it is fixed,
    nobody in that plan is reminded or escalated."""
    return Decision(
        plan=plan,
        ref="(sweep)",
        rule="sweep_failed",
        step=today.isoformat(),
        kind=EventKind.SWEEP_FAILED,
        recipient=secretariat,
        reason=f"the daily sweep of {plan} failed on {_day(today)} ({failure}); every other plan was swept",
        due=today,
        urgency=5,
        details={
            "kind": "sweep",
            "title": f"The daily sweep of {plan} failed",
            "due": today.isoformat(),
            "next_step": (
                "nobody in this plan is reminded or escalated until it is mended: run "
                f'`lineofsight sweep --plan "{plan}" --dry-run` to see the error, then correct the plan\'s '
                "data or report it"
            ),
        },
        roles=(SECRETARIAT_ROLE,),
    )


def _resets(snapshot: Snapshot, facts: dict[str, Facts]) -> list[Decision]:
    """Close ladders whose item closed or whose due date moved: the next slip starts from level 1."""
    out = []
    for ref, ladder in sorted(snapshot.ladders.items()):
        fact = facts.get(ref)
        if fact is not None and fact.item.due == ladder.due:
            continue
        why = "the item is no longer open" if fact is None else f"re-baselined to {_day(fact.item.due)}"
        out.append(
            Decision(
                plan=snapshot.plan,
                ref=ref,
                rule="ladder_reset",
                step=f"{ladder.level}@{ladder.since.isoformat()}",
                kind=EventKind.ESCALATION_CLOSED,
                recipient="",
                reason=f"{ref}: escalation closed, {why}",
                due=ladder.due,
                level=ladder.level,
                details={"level": ladder.level, "since": ladder.since.isoformat()},
            )
        )
    return out


def _to(snapshot: Snapshot, email: str | None, today: date) -> tuple[str, str | None] | None:
    """Who actually receives a person's notices today: their deputy while they are away."""
    if not email:
        return None
    person = snapshot.people.get(email)
    if person and person.away_from and person.is_away(today) and person.deputy:
        return person.deputy, email
    return email, None


class _Context(NamedTuple):
    """What every decision of one sweep of one plan shares: enough to work out its facts later."""

    snapshot: Snapshot
    policy: Policy
    calendar: WorkingCalendar
    today: date
    known: Container[str]
    iso: dict[date, str]  # dates as the dedupe keys write them, each formatted once
    facts: Mapping[str, Facts]  # every open item's facts, by ref: what a milestone depends on


class _IsoDates(dict[date, str]):
    def __missing__(self, day: date) -> str:
        text = self[day] = day.isoformat()
        return text


def _decision(
    context: _Context,
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
    snapshot = context.snapshot
    target = _to(snapshot, who, context.today)
    if target is None:
        if level == 1:
            return []  # a reminder to nobody is no reminder
        target = ("", None)  # an escalation still stands, with nobody to tell: the pack lists it
    recipient, on_behalf = target
    item = fact.item
    step = str(step)
    if (
        recipient
        and f"{snapshot.plan}|{item.ref}|{context.iso[item.due]}|{rule}|{step}|{recipient}" in context.known
    ):
        return []  # made on an earlier run (the same key as Decision.dedupe_key)
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


def _owner_role(item: ItemView) -> str:
    return f"the {item.kind.value}'s owner"


def _details(
    context: _Context, fact: Facts, recipient: str, level: int, extra: dict[str, Any]
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
            item, level, fact.overdue, recipient, snapshot, context.calendar, context.policy
        ),
        "next_meeting": _next_meeting(snapshot, today),
        **slipping,
        **extra,
    }


def _day(day: date) -> str:
    return day_in_words(day)  # "Tuesday 3 October 2017", as people write it


def _next_meeting(snapshot: Snapshot, today: date) -> str | None:
    for meeting in snapshot.meetings:  # in date order
        if meeting.date >= today and meeting.board == snapshot.board and meeting.audience is Audience.BOARD:
            return f"{meeting.board} on {_day(meeting.date)}"
    return None


def _in_days(days: int) -> str:
    return "today" if days == 0 else f"in {days} working day{'s' * (days != 1)}"


def _latest_step(value: int, steps: tuple[int, ...]) -> int | None:
    """The latest step that applies: the smallest threshold not below `value` (catching up a missed day)."""
    if not steps or value > steps[0]:  # steps run from the largest down (the policy sorts them)
        return None
    return min(s for s in steps if value <= s)


def _for_item(fact: Facts, facts: dict[str, Facts], context: _Context) -> list[Decision]:
    reminders, stale_policy = context.policy.reminders, context.policy.stale
    item, to_due, overdue, since = fact.item, fact.to_due, fact.overdue, fact.since_update
    out: list[Decision] = []
    quiet = since is not None and since <= reminders.quiet_after_update_days and item.last_update is not None
    # Due soon: 10, 3 and 0 working days before.
    if to_due >= 0 and not quiet:
        step = _latest_step(to_due, reminders.due_soon_days)
        if step is not None:
            out += _decision(
                context,
                fact,
                "due_soon",
                step,
                EventKind.REMINDER_QUEUED,
                item.owner,
                _owner_role(item),
                lambda: f"{item.ref} is due {_in_days(to_due)}: reminder to the owner",
                urgency=1,
            )
    # Overdue: the first working day after, then every N.
    if overdue >= 1 and item.kind is ItemKind.ACTION:
        step = (overdue - 1) // reminders.overdue_repeat_days
        out += _decision(
            context,
            fact,
            "overdue",
            step,
            EventKind.OVERDUE_NOTICE_QUEUED,
            item.owner,
            _owner_role(item),
            lambda: f"{item.ref} is {overdue} working day{'s' * (overdue != 1)} overdue: notice to the owner",
            urgency=3,
        )
    # Stale: no update for a long time.
    if since is not None and since >= stale_policy.request_after_days and not quiet:
        step = (since - stale_policy.request_after_days) // stale_policy.repeat_days
        out += _decision(
            context,
            fact,
            "stale_update",
            step,
            EventKind.UPDATE_REQUESTED,
            item.owner,
            _owner_role(item),
            lambda: f"{item.ref} has had no update for {plural(since, 'working day')}: update requested",
            urgency=2,
        )
    out += _ladder(fact, facts, context)
    return out


def _target_level(fact: Facts, facts: dict[str, Facts], policy: Policy) -> tuple[int, str, str]:
    """The level the item should stand at today, the rule that puts it there, and why."""
    item, ladder = fact.item, policy.ladder
    if item.kind is ItemKind.MILESTONE:
        if fact.overdue >= 1:
            return 1, "", ""  # missed: a fact of its own (`_milestone_missed`), whatever the level
        slipping = slipping_dependencies(item, facts)
        if slipping and 0 <= fact.to_due <= policy.milestones.at_risk_window_days:
            return (
                3,
                "milestone_at_risk",
                f"milestone {item.ref} is due {_in_days(fact.to_due)} and at risk from {_and(slipping)}",
            )
        return 1, "", ""
    if fact.overdue >= ladder.board_after_overdue_days:
        return 3, "overdue_board", f"{item.ref} is {plural(fact.overdue, 'working day')} overdue"
    if item.consecutive_reds >= ladder.board_after_consecutive_reds:
        return 3, "red_twice", f"{item.ref} was reported red on {item.consecutive_reds} updates in a row"
    if fact.overdue >= ladder.lead_after_overdue_days:
        return 2, "overdue_lead", f"{item.ref} is {plural(fact.overdue, 'working day')} overdue"
    if ladder.lead_on_red and item.rag is RAG.RED:
        return 2, "reported_red", f"the owner of {item.ref} reports it red"
    if fact.since_update is not None and fact.since_update >= policy.stale.lead_after_days:
        return 2, "stale_lead", f"{item.ref} has had no update for {plural(fact.since_update, 'working day')}"
    return 1, "", ""


def _and(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def _milestone_missed(fact: Facts, context: _Context) -> list[Decision]:
    """A milestone whose date passed unmet is a new fact, even when it went to the board as at risk before:
    on the first working day after its date (of the plan's nation; a missed sweep catches up), the board's
    secretariat and the milestone's owner are told, once (one key per due date)."""
    item = fact.item
    if item.kind is not ItemKind.MILESTONE or fact.overdue < 1:
        return []
    board = context.snapshot.board or "the Improvement Board"
    reason = f"milestone {item.ref} was due on {_day(item.due)} and was not met: reported to {board}"
    out: list[Decision] = []
    for who, role in (
        (context.snapshot.board_secretariat, SECRETARIAT_ROLE),
        (item.owner, _owner_role(item)),
    ):
        if not who:
            # No secretariat to tell: a decision without a recipient has no notice to dedupe it by, and
            # would be decided again, with its ledger event, on every sweep.
            continue
        # Step "3" as the missed milestone's escalation always had: a notice made before is not made again.
        out += _decision(
            context,
            fact,
            "milestone_missed",
            3,
            EventKind.MILESTONE_MISSED,
            who,
            role,
            lambda: reason,
            level=3,
            urgency=5,
            board=board,
        )
    return out


def _ladder(fact: Facts, facts: dict[str, Facts], context: _Context) -> list[Decision]:
    if fact.item.kind is ItemKind.MILESTONE and fact.overdue >= 1:
        return _milestone_missed(fact, context)
    if fact.level >= 3:
        return []  # already at the top of the ladder
    snapshot = context.snapshot
    level, rule, why = _target_level(fact, facts, context.policy)
    if level <= fact.level:
        return []  # the ladder only climbs; it resets when the due date moves or the item closes
    item = fact.item
    out: list[Decision] = []
    if level == 2:
        lead, is_manager = _level_two(item, snapshot)
        reason = f"{why}: escalated to {'their manager' if is_manager else 'the area lead'}"
        role = "the owner's manager" if is_manager else "the area lead"
        out += _decision(
            context,
            fact,
            rule,
            2,
            EventKind.ESCALATED_TO_LEAD,
            lead,
            role,
            lambda: reason,
            level=2,
            urgency=4,
        )
    else:
        board = snapshot.board or "the Improvement Board"
        reason = f"{why}: escalated to {board}"
        out += _decision(
            context,
            fact,
            rule,
            3,
            EventKind.ESCALATED_TO_BOARD,
            snapshot.board_secretariat,
            SECRETARIAT_ROLE,
            lambda: reason,
            level=3,
            urgency=5,
            board=board,
        )
        if item.kind is ItemKind.MILESTONE:
            out += _decision(
                context,
                fact,
                rule,
                3,
                EventKind.ESCALATED_TO_BOARD,
                item.owner,
                _owner_role(item),
                lambda: reason,
                level=3,
                urgency=5,
                board=board,
            )
    return out


def _meeting_chase(context: _Context, facts: dict[str, Facts]) -> list[Decision]:
    snapshot, policy, calendar, today = context.snapshot, context.policy, context.calendar, context.today
    out: list[Decision] = []
    chase = policy.meetings.chase_days
    if not chase:
        return out
    seen: set[tuple[str, date]] = set()
    for meeting in snapshot.meetings:
        if meeting.audience is Audience.PUBLIC or (meeting.board, meeting.date) in seen:
            continue
        seen.add((meeting.board, meeting.date))
        to_meeting = calendar.working_days_to_due(today, meeting.date)
        if to_meeting < 1:
            continue
        step = _latest_step(to_meeting, chase)
        if step is None:
            continue
        silent = chase[0]
        for fact in facts.values():
            if not _in_scope(fact.item, meeting) or (
                fact.since_update is not None and fact.item.last_update and fact.since_update < silent
            ):
                continue

            def reason(ref: str = fact.item.ref, meeting: MeetingView = meeting, silent: int = silent) -> str:
                return (
                    f"{ref}: no update in the last {plural(silent, 'working day')}, "
                    f"and {meeting.board} meets on {_day(meeting.date)}: update requested"
                )

            out += _decision(
                context,
                fact,
                f"meeting_chase:{meeting.date.isoformat()}",
                step,
                EventKind.UPDATE_REQUESTED,
                fact.item.owner,
                _owner_role(fact.item),
                reason,
                urgency=2,
                meeting=meeting.date.isoformat(),
                board=meeting.board,
            )
    return out


def _in_scope(item: ItemView, meeting: MeetingView) -> bool:
    if item.kind is not ItemKind.ACTION:
        return False
    if meeting.audience is Audience.SCRUTINY:
        return item.area is not None and item.area == meeting.theme_area
    return True

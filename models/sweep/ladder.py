"""The escalation ladder: an item climbs to its owner's manager or area lead (level 2) and to the Board
(level 3); a missed milestone is reported once; a ladder closes when its item closes or is re-baselined."""

from __future__ import annotations

from collections.abc import Sequence

from config.policy import Policy
from models.ledger.kinds import EventKind
from models.sweep.decision import SECRETARIAT_ROLE, Decision
from models.sweep.facts import (
    Context,
    Facts,
    decision_for,
    in_days,
    level_two,
    owner_role,
    slipping_dependencies,
)
from models.sweep.views import Snapshot
from models.vocab import RAG, ItemKind, day_in_words, plural

# Bound once: an enum's member read from its class costs five times a global's, and these are asked of
# every open item on every sweep.
_MILESTONE, _RED = ItemKind.MILESTONE, RAG.RED


def escalations(fact: Facts, facts: dict[str, Facts], context: Context) -> list[Decision]:
    """One item's climb today to the level its facts call for (the ladder only climbs), or the report of
    its missed milestone."""
    if fact.item.kind is _MILESTONE and fact.overdue >= 1:
        return _milestone_missed(fact, context)
    if fact.level >= 3:
        return []  # already at the top of the ladder
    snapshot = context.snapshot
    level, rule = _target_level(fact, facts, context.policy)
    if level <= fact.level:
        return []  # the ladder only climbs; it resets when the due date moves or the item closes
    why = _why(rule, fact, facts)
    item = fact.item
    out: list[Decision] = []
    if level == 2:
        lead, is_manager = level_two(item, snapshot)
        reason = f"{why}: escalated to {'their manager' if is_manager else 'the area lead'}"
        role = "the owner's manager" if is_manager else "the area lead"
        out += decision_for(
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
        out += decision_for(
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
            out += decision_for(
                context,
                fact,
                rule,
                3,
                EventKind.ESCALATED_TO_BOARD,
                item.owner,
                owner_role(item),
                lambda: reason,
                level=3,
                urgency=5,
                board=board,
            )
    return out


def _target_level(fact: Facts, facts: dict[str, Facts], policy: Policy) -> tuple[int, str]:
    """The level the item should stand at today and the rule that puts it there (`_why` words it, only
    when the item climbs: most already stand at their level, and a closure per item cost more than the
    test). A new rule here gets its words in `_why`, and for a pack's appendix in
    `words.escalation_in_words`."""
    item, ladder = fact.item, policy.ladder
    if item.kind is _MILESTONE:
        if fact.overdue >= 1:
            return 1, ""  # missed: a fact of its own (`_milestone_missed`), whatever the level
        if 0 <= fact.to_due <= policy.milestones.at_risk_window_days and slipping_dependencies(item, facts):
            return 3, "milestone_at_risk"
        return 1, ""
    if fact.overdue >= ladder.board_after_overdue_days:
        return 3, "overdue_board"
    if item.consecutive_reds >= ladder.board_after_consecutive_reds:
        return 3, "red_twice"
    if fact.overdue >= ladder.lead_after_overdue_days:
        return 2, "overdue_lead"
    if ladder.lead_on_red and item.rag is _RED:
        return 2, "reported_red"
    if fact.since_update is not None and fact.since_update >= policy.stale.lead_after_days:
        return 2, "stale_lead"
    return 1, ""


def _why(rule: str, fact: Facts, facts: dict[str, Facts]) -> str:
    """Why `_target_level`'s rule puts the item where it climbs to today."""
    item = fact.item
    if rule == "milestone_at_risk":
        slipping = slipping_dependencies(item, facts)
        return f"milestone {item.ref} is due {in_days(fact.to_due)} and at risk from {_and(slipping)}"
    if rule in ("overdue_board", "overdue_lead"):
        return f"{item.ref} is {plural(fact.overdue, 'working day')} overdue"
    if rule == "red_twice":
        return f"{item.ref} was reported red on {item.consecutive_reds} updates in a row"
    if rule == "reported_red":
        return f"the owner of {item.ref} reports it red"
    return f"{item.ref} has had no update for {plural(fact.since_update or 0, 'working day')}"  # stale_lead


def _and(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def _milestone_missed(fact: Facts, context: Context) -> list[Decision]:
    """A milestone whose date passed unmet is a new fact, even when it went to the board as at risk before:
    on the first working day after its date (of the plan's nation; a missed sweep catches up), the board's
    secretariat and the milestone's owner are told, once (one key per due date)."""
    item = fact.item
    if item.kind is not _MILESTONE or fact.overdue < 1:
        return []
    board = context.snapshot.board or "the Improvement Board"

    def reason() -> str:  # worded only for a report not made on an earlier run
        return (
            f"milestone {item.ref} was due on {day_in_words(item.due)} and was not met: reported to {board}"
        )

    out: list[Decision] = []
    for who, role in (
        (context.snapshot.board_secretariat, SECRETARIAT_ROLE),
        (item.owner, owner_role(item)),
    ):
        if not who:
            # No secretariat to tell: a decision without a recipient has no notice to dedupe it by, and
            # would be decided again, with its ledger event, on every sweep.
            continue
        # Step "3" as the missed milestone's escalation always had: a notice made before is not made again.
        out += decision_for(
            context,
            fact,
            "milestone_missed",
            3,
            EventKind.MILESTONE_MISSED,
            who,
            role,
            reason,
            level=3,
            urgency=5,
            board=board,
        )
    return out


def resets(snapshot: Snapshot, facts: dict[str, Facts]) -> list[Decision]:
    """Close ladders whose item closed or whose due date moved: the next slip starts from level 1."""
    out = []
    # Most ladders stand: only those that close are sorted (by ref, the order they are decided in).
    closing = [
        ref
        for ref, ladder in snapshot.ladders.items()
        if ref not in facts or facts[ref].item.due != ladder.due
    ]
    for ref in sorted(closing):
        ladder, fact = snapshot.ladders[ref], facts.get(ref)
        why = (
            "the item is no longer open" if fact is None else f"re-baselined to {day_in_words(fact.item.due)}"
        )
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

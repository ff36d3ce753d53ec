"""The rules' words, beside the rules: each decision kind's label (in a subject line's order) and each
rule's wording in the pack's appendix, written from the policy itself so the words never drift from it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from config.policy import Policy
from models.calendar import NATION_NAMES
from models.ledger.kinds import EventKind
from models.vocab import day_in_words

# What a reader is told each kind of decision means, most pressing first: the order of a digest subject's
# counts and of an item's labels. A new kind of decision gets its label here.
LABELS: dict[str, str] = {
    EventKind.SWEEP_FAILED: "not swept",
    EventKind.MILESTONE_MISSED: "missed",
    EventKind.ESCALATED_TO_BOARD: "escalated to the board",
    EventKind.ESCALATED_TO_LEAD: "escalated to you",
    EventKind.OVERDUE_NOTICE_QUEUED: "overdue",
    EventKind.REMINDER_QUEUED: "due soon",
    EventKind.FORECAST_LATE_WARNED: "forecast late",
    EventKind.UPDATE_REQUESTED: "update requested",
    EventKind.DEAD_NOTICES_REPORTED: "not delivered",
    # Made by the web face, not the sweep: a request for the secretariat, and a link a person asked for.
    EventKind.DUE_CHANGE_REQUESTED: "date change asked",
    EventKind.LINK_RESENT: "new link",
    # The secretariat's answer to such a request, from the console.
    EventKind.DUE_CHANGE_ACCEPTED: "due date moved",
    EventKind.DUE_CHANGE_DECLINED: "date change declined",
}
LABEL_ORDER = tuple(LABELS.values())


def told_as(roles: Sequence[str]) -> str:
    """Why this person hears of it: "as the milestone's owner and as the board secretariat"."""
    phrases = [f"as {role}" for role in roles]
    return " and ".join([", ".join(phrases[:-1]), phrases[-1]] if len(phrases) > 2 else phrases)


def _days(n: int) -> str:
    return f"{n} working day{'s' * (n != 1)}"


def _list(values: list[str], word: str = "and") -> str:
    """ "a, b and c"; with `word="or"`, "a, b or c" for conditions any one of which is enough."""
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + f" {word} " + values[-1]


def escalation_in_words(rule: str, ref: str, due: date, level: int, board: str, policy: Policy) -> str:
    """Why an item climbed the ladder, said from the rule, the item and the policy alone. A public pack
    cannot repeat the sweep's own reason: it names whatever the sweep saw, exempt actions included."""
    ladder = policy.ladder
    why = {
        "milestone_missed": f"milestone {ref} was due on {day_in_words(due)} and is missed",
        "milestone_at_risk": f"milestone {ref} is due on {day_in_words(due)} and an action it depends on "
        "is overdue or red",
        "overdue_board": f"{ref} is {_days(ladder.board_after_overdue_days)} or more overdue",
        "red_twice": f"{ref} was reported red on {ladder.board_after_consecutive_reds} updates in a row",
        "overdue_lead": f"{ref} is {_days(ladder.lead_after_overdue_days)} or more overdue",
        "reported_red": f"the owner of {ref} reports it red",
        "stale_lead": f"{ref} has had no update for {_days(policy.stale.lead_after_days)} or more",
    }.get(rule, f"{ref} reached level {level} of the escalation ladder")
    return f"{why}: escalated to {board if level >= 3 else 'the manager or the area lead'}"


def closure_in_words(ref: str, due: date, current_due: date | None) -> str:
    """Why a ladder closed, from the item as the pack shows it (None: not open or not shown)."""
    if current_due is not None and current_due != due:
        return f"{ref}: escalation closed, re-baselined to {day_in_words(current_due)}"
    return f"{ref}: escalation closed, the item is no longer open"


def rules_in_words(policy: Policy, nation: str) -> tuple[tuple[str, str], ...]:
    rag, ladder, stale, reminders = policy.rag, policy.ladder, policy.stale, policy.reminders
    closures = len(policy.calendar.closures)
    ahead = [str(d) for d in reminders.due_soon_days if d]
    reminder_words = (_list(ahead) + " working days before the due date" if ahead else "") + (
        (" and " if ahead else "") + "on the day" if 0 in reminders.due_soon_days else ""
    )
    red_reasons = [
        f"the owner reports it red on {ladder.board_after_consecutive_reds} updates in a row",
        f"it is {_days(ladder.board_after_overdue_days)} overdue",
        "a milestone is at risk or missed",
    ]
    lead_reasons = [f"it is {_days(ladder.lead_after_overdue_days)} overdue"]
    if ladder.lead_on_red:
        lead_reasons.append("the owner reports it red")
    lead_reasons.append(f"it has had no update for {_days(stale.lead_after_days)}")
    return (
        (
            "Working days",
            f"Monday to Friday, less the bank holidays of {NATION_NAMES.get(nation, nation)}"
            + (f" and {closures} local closure day{'s' * (closures != 1)}" if closures else "")
            + ". Every period below is counted in working days.",
        ),
        ("Red", "The action is past its current due date, or its owner reports it red."),
        (
            "Amber",
            f"Not red, and any of: due within {_days(rag.amber_window_days)} and less than "
            f"{rag.amber_below_percent}% complete; re-baselined (its due date has moved at least once); "
            f"no update for {_days(stale.request_after_days)}; or its owner reports it amber.",
        ),
        ("Green", "Open, and none of the above."),
        (
            "Complete",
            "Reported complete, or verified closed by the lead. Deferred and cancelled actions are "
            "listed but not counted.",
        ),
        (
            "Owner's RAG",
            "What the owner last reported, printed beside the RAG derived from these rules; where the two "
            "differ, the derived one is counted.",
        ),
        (
            "Reminders",
            f"The owner is reminded {reminder_words or 'never'}, then told on the first working day after "
            f"it and every {_days(reminders.overdue_repeat_days)} while it stays overdue.",
        ),
        (
            "Level 2: manager or lead",
            "An action goes to its owner's manager (or the area lead) when "
            + _list(lead_reasons, "or")
            + ".",
        ),
        (
            "Level 3: the Improvement Board",
            "An item goes on the Board's exceptions list when " + _list(red_reasons, "or") + ". A milestone "
            f"is at risk within {_days(policy.milestones.at_risk_window_days)} of its date when an action it "
            "depends on is still open and overdue or red (a completed one is no risk); it is missed when its "
            "date passes and it is not met. The ladder only climbs: an item leaves the list when it is done, "
            "or when its due date is re-baselined (it then starts again from the owner).",
        ),
        *_forecast_rule(policy),
        (
            "Updates before a meeting",
            "Owners of open items who have not updated for "
            f"{_days(policy.meetings.chase_days[0]) if policy.meetings.chase_days else 'a while'} are asked "
            "for an update " + _list([_days(d) for d in policy.meetings.chase_days]) + " before each meeting."
            if policy.meetings.chase_days
            else "Owners are not chased before meetings.",
        ),
        (
            "This pack",
            f"Built {_days(policy.meetings.pack_days)} clear of the meeting (the day of issue and the "
            "meeting day do not count). Updates received after the pack's date go into the next pack.",
        ),
        ("Policy version", f"{policy.version} (recorded with every automated decision in the audit ledger)."),
    )


def _forecast_rule(policy: Policy) -> tuple[tuple[str, str], ...]:
    """The forecast_late warning in words, for the pack's appendix; nothing when the plan turned it off."""
    rule = policy.forecast_late
    if not rule.enabled:
        return ()
    return (
        (
            "Forecast to finish late",
            "Each open action's finish is forecast from its own updates, at its own pace (the median of the "
            "paces between every two updates, in % per working day). When the forecast lands more than "
            f"{_days(rule.late_by_days)} after the due date and the due date is within "
            f"{_days(rule.within_days)}, the owner is told once, with the pace and the forecast; the "
            "manager or the area lead is told if it is still forecast late "
            f"{_days(rule.lead_after_days)} later. A milestone is at risk when an action it depends on is "
            "forecast to finish that late after the milestone's date.",
        ),
    )

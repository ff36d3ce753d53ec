"""What the board secretariat is told about the service itself: messages that could not be delivered, and
a plan whose sweep failed (until it is mended nobody in that plan is reminded or escalated)."""

from __future__ import annotations

from datetime import date

from models.ledger.kinds import EventKind
from models.sweep.decision import SECRETARIAT_ROLE, Decision
from models.sweep.views import Snapshot
from models.vocab import day_in_words


def dead_notice_alert(snapshot: Snapshot, today: date) -> list[Decision]:
    """Once a day, the board secretariat hears of every message that could not be delivered."""
    if not snapshot.dead_notices or not snapshot.board_secretariat:
        return []
    lines = [f"{refs or '-'} to {recipient}: {error}" for refs, recipient, error in snapshot.dead_notices]
    count = len(lines)
    reason = (
        f"{count} message{'s' * (count != 1)} could not be delivered: check the addresses in the plan, "
        "then ask whoever runs Line of Sight to look at the undelivered messages and send them again"
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
        reason=(
            f"the daily sweep of {plan} failed on {day_in_words(today)} ({failure}); "
            "every other plan was swept"
        ),
        due=today,
        urgency=5,
        details={
            "kind": "sweep",
            "title": f"The daily sweep of {plan} failed",
            "due": today.isoformat(),
            "next_step": (
                "nobody in this plan is reminded or escalated until it is mended: ask whoever runs Line of "
                "Sight to find the error in the plan's data, then correct the plan workbook (or report it "
                "if the data looks right)"
            ),
        },
        roles=(SECRETARIAT_ROLE,),
    )

"""What a report of an action's progress may say, whichever door it comes through (an owner's update, a
workbook row): one pure rule, so the workbook never accepts what `update` refuses."""

from __future__ import annotations

from dataclasses import dataclass

from models.vocab import RAG, Status

# A report says a status, and maybe a RAG and a percent (None: not said). What follows from it is applied
# with it (`settled`, `rag_left`): completing without a percent makes it 100% and leaves no risk (green),
# and a percent below 100 reported on an item not started yet starts it. It contradicts itself
# (`contradictions`) when it is complete (or closed) but below 100% or rated other than green, or not
# started yet some of it is done.


@dataclass(frozen=True)
class Contradiction:
    field: str  # "percent" or "rag": the value that contradicts the status
    value: int | RAG
    why: str  # the rule, in words a door can put after its own "where"
    expected: str  # the values that would agree with the status


def settled(
    status: Status | None, percent: int | None, *, was: Status, was_percent: int
) -> tuple[Status, int | None]:
    """The status and percent a report leaves, from what it says (None: not said) and what the item was.
    A workbook row is a report on an item that was not started and 0% complete."""
    if status is not None and status.is_done and percent is None and was_percent != 100:
        return status, 100  # complete means all of it
    if status is None and was is Status.NOT_STARTED and percent and percent < 100:
        return Status.IN_PROGRESS, percent  # work reported on is work started
    return status or was, percent


def rag_left(status: Status, rag: RAG | None, *, was_rag: RAG | None) -> RAG | None:
    """Completing leaves no risk to rate: the amber or red an item carried becomes green unless the report
    rates it (so no door leaves a complete item amber, which the workbook would then refuse)."""
    if status.is_done and rag is None and was_rag not in (None, RAG.GREEN):
        return RAG.GREEN
    return rag


def contradictions(status: Status, rag: RAG | None, percent: int | None) -> list[Contradiction]:
    found = []
    if status.is_done:
        if percent is not None and percent < 100:
            why = f"a {status.value} item is 100% complete"
            found.append(Contradiction("percent", percent, why, "100"))
        if rag is not None and rag is not RAG.GREEN:
            why = f"a RAG rates the risk to an open item, and a {status.value} one has none left"
            found.append(Contradiction("rag", rag, why, "green, or no RAG"))
    if status is Status.NOT_STARTED and percent:
        found.append(Contradiction("percent", percent, "an item that has not started is 0% complete", "0"))
    return found

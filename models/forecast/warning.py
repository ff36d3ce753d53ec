"""The `forecast_late` rule, pure: who is told today that an item is forecast to finish late, and why.

The owner first (step "owner", level 1), once per due date; the area lead (step "lead", level 2) when it is
still forecast late `lead_after_days` working days after the owner was first told. The sweep turns each
warning into a `Decision` (rule "forecast_late", step as here), whose dedupe key is `dedupe_key` below.
"""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple

from config.policy import ForecastLatePolicy
from models.calendar import WorkingCalendar
from models.forecast.fit import Forecast, NoForecast
from models.forecast.words import forecast_words, range_words
from models.vocab import plural

RULE = "forecast_late"
OWNER, LEAD = "owner", "lead"


class ForecastWarning(NamedTuple):
    step: str  # "owner" or "lead": who to tell
    level: int  # 1 for the owner, 2 for the area lead (the ladder's numbering)
    reason: str
    facts: dict[str, Any]


def dedupe_key(plan: str, ref: str, due: date, step: str, recipient: str) -> str:
    """The sweep's key shape (`Decision.dedupe_key`): plan|ref|due|rule|step|recipient."""
    return f"{plan}|{ref}|{due.isoformat()}|{RULE}|{step}|{recipient}"


def forecast_late_warning(
    outcome: Forecast | NoForecast,
    due: date,
    as_of: date,
    calendar: WorkingCalendar,
    settings: ForecastLatePolicy,
    owner_told_on: date | None = None,
    to_the_owner: bool = True,
) -> list[ForecastWarning]:
    """What applies today: the owner's step whenever the forecast is more than `late_by_days` late and the
    due date within `within_days` (its dedupe key makes it once); the lead's when the owner was first told
    (for this due date) at least `lead_after_days` working days ago and it is still forecast late. Nothing
    once the due date has passed: the overdue notices and the ladder take over. The owner's words address
    them ("you would finish"), unless `to_the_owner` is false (their deputy reads them); the lead's never.
    The lead's say "after the owner's warning", not that the owner was told: it may never have reached
    them (a dead notice still starts the lead's clock)."""
    if not settings.enabled or not isinstance(outcome, Forecast):
        return []
    to_due = calendar.working_days_to_due(as_of, due)
    late_by = calendar.count_between(due, outcome.central)
    if to_due < 0 or late_by <= settings.late_by_days:
        return []
    facts = {
        "forecast": outcome.central.isoformat(),
        "forecast_optimistic": outcome.optimistic.isoformat(),
        "forecast_pessimistic": outcome.pessimistic.isoformat() if outcome.pessimistic else None,
        "forecast_late_by": late_by,
        "pace_per_working_day": round(outcome.pace, 2),
        "pace_since": outcome.since.isoformat(),
        "forecast_points": outcome.points,
        "working_days_to_due": to_due,
    }
    span = f"(range: {range_words(outcome)})"
    warnings = []
    if to_due <= settings.within_days:
        said = f"{forecast_words(outcome, 'you' if to_the_owner else 'it')} {span}"
        warnings.append(ForecastWarning(OWNER, 1, f"forecast to finish late: {said}", facts))
    if owner_told_on is not None and calendar.count_between(owner_told_on, as_of) >= settings.lead_after_days:
        told = calendar.count_between(owner_told_on, as_of)
        again = f"still forecast to finish late {plural(told, 'working day')} after the owner's warning"
        warnings.append(ForecastWarning(LEAD, 2, f"{again}: {forecast_words(outcome, 'it')} {span}", facts))
    return warnings

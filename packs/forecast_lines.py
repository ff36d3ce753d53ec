"""The pack's "forecast to finish late" list, pure: the open actions not yet due whose forecast finish,
from their own updates by the pack's cut-off, lands more than the policy's `forecast_late.late_by_days`
working days after the due date; latest first. What the board sees before the exceptions: the slippage
still to come."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from config.policy import Policy
from models.calendar import WorkingCalendar
from models.forecast import Forecast, forecast, range_words
from models.reports.forecasts import progress_history
from models.reports.pack_data.facts import PackData


@dataclass(frozen=True)
class ForecastLine:
    ref: str
    title: str
    area: str
    owner: str
    percent: int
    current_due: date
    working_days_to_due: int
    central: date
    late_by: int  # working days after the due date
    pace: float  # % a working day
    since: date
    range: str  # "between ... and ...", in words


def forecast_lines(
    data: PackData, policy: Policy, calendar: WorkingCalendar, as_of: date
) -> tuple[ForecastLine, ...]:
    settings = policy.forecast_late
    lines = []
    for a in data.actions:
        if not a.status.is_open:
            continue
        to_due = calendar.working_days_to_due(as_of, a.current_due)
        if to_due < 0:  # overdue: the ladder and the exceptions speak for it
            continue
        history = progress_history(a.reported, a.start, a.percent, a.last_update)
        outcome = forecast(history, calendar, as_of, a.current_due, policy.stale.request_after_days)
        if isinstance(outcome, Forecast) and outcome.late_by > settings.late_by_days:
            lines.append(
                ForecastLine(
                    a.ref,
                    a.title,
                    a.area,
                    a.owner,
                    outcome.percent,
                    a.current_due,
                    to_due,
                    outcome.central,
                    outcome.late_by,
                    outcome.pace,
                    outcome.since,
                    range_words(outcome),
                )
            )
    return tuple(sorted(lines, key=lambda x: (-x.late_by, x.ref)))

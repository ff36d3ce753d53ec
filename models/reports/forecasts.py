"""Each open item's forecast finish in a plan on a day, read from its updates in three statements (the
arithmetic is `models.forecast`'s): what `status` and `show` print beside the due date."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from sqlmodel import Session, col, select

from models.calendar import WorkingCalendar, local_date
from models.forecast import (
    Forecast,
    History,
    NoForecast,
    Outcome,
    forecast,
    forecast_words,
    milestone_forecast,
    range_words,
)
from models.plan import Action, Milestone, MilestoneDependency, Plan, Update
from models.vocab import Status

# An action that is no longer open has nothing left to forecast, and a milestone waits for it no more.
_DONE = NoForecast("no longer open", finished=True)


def progress_history(
    reported: Sequence[tuple[date, int | None]], start: date | None, percent: int, last_update: date | None
) -> History:
    """An action's points: its percent updates, or, for one that arrived mid-flight with none, the workbook's
    percent on its last-update day."""
    if not reported and last_update is not None and percent:
        reported = [(last_update, percent)]
    return History.of(reported, start=start)


def load_forecasts(
    session: Session, plan: Plan, as_of: date, calendar: WorkingCalendar, stale_after: int | None
) -> dict[str, Outcome]:
    """Every open action's and milestone's outcome by ref, as it stood at the end of `as_of` (updates
    reported later are not read). `stale_after`: the policy's `stale.request_after_days` for the plan."""
    reported: defaultdict[int, list[tuple[date, int | None]]] = defaultdict(list)
    for action_id, at, percent in session.execute(
        select(Update.action_id, Update.at, Update.percent)
        .where(
            Update.plan_id == plan.id, col(Update.action_id).is_not(None), col(Update.percent).is_not(None)
        )
        .order_by(col(Update.at), col(Update.id))
    ):
        reported[action_id].append((local_date(at, plan.timezone), percent))
    outcomes: dict[str, Outcome] = {}
    by_id: dict[int, tuple[str, Outcome]] = {}
    for action in session.exec(select(Action).where(Action.plan_id == plan.id)):
        if not Status(action.status).is_open:
            by_id[action.id or 0] = (action.ref, _DONE)
            continue
        history = progress_history(
            reported.get(action.id or 0, ()), action.start, action.percent, action.last_update_on
        )
        outcome = forecast(history, calendar, as_of, action.current_due, stale_after)
        outcomes[action.ref] = outcome
        by_id[action.id or 0] = (action.ref, outcome)
    waits_for: defaultdict[int, dict[str, Outcome]] = defaultdict(dict)
    for milestone_id, action_id in session.execute(
        select(MilestoneDependency.milestone_id, MilestoneDependency.action_id)
        .join(Milestone, col(Milestone.id) == col(MilestoneDependency.milestone_id))
        .where(Milestone.plan_id == plan.id)
    ):
        ref, outcome = by_id[action_id]
        waits_for[milestone_id][ref] = outcome
    for milestone in session.exec(select(Milestone).where(Milestone.plan_id == plan.id)):
        if Status(milestone.status).is_open:
            outcomes[milestone.ref] = milestone_forecast(
                waits_for[milestone.id or 0], milestone.due, calendar
            )
    return outcomes


def forecast_line(outcome: Outcome) -> str:
    """The forecast as one line for a person: the pace, since when, the finish, how late, and the range; or
    why there is none."""
    words = forecast_words(outcome)
    return f"{words} ({range_words(outcome)})" if isinstance(outcome, Forecast) else words

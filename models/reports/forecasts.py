"""Each open item's forecast finish in a plan on a day, read from its updates in three statements (the
arithmetic is `models.forecast`'s): what `status` and `show` print beside the due date."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import date

import sqlalchemy as sa
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
from models.reports.item_story import ItemStory
from models.vocab import ItemKind, Status

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
    session: Session,
    plan: Plan,
    as_of: date,
    calendar: WorkingCalendar,
    stale_after: int | None,
    refs: Collection[str] | None = None,
) -> dict[str, Outcome]:
    """Every open action's and milestone's outcome by ref (today's open items), from the updates reported by
    the end of `as_of`. `stale_after`: the policy's `stale.request_after_days` for the plan. `refs`: only
    these items (and the actions a milestone among them waits for), as one item's page needs."""
    actions = select(Action).where(Action.plan_id == plan.id)
    milestones = select(Milestone).where(Milestone.plan_id == plan.id)
    if refs is not None:
        wanted = {r.upper() for r in refs}
        milestones = milestones.where(sa.func.upper(Milestone.ref).in_(wanted))
        waited_for = (
            select(Action.ref)
            .join(MilestoneDependency, col(MilestoneDependency.action_id) == col(Action.id))
            .join(Milestone, col(Milestone.id) == col(MilestoneDependency.milestone_id))
            .where(Milestone.plan_id == plan.id, sa.func.upper(Milestone.ref).in_(wanted))
        )
        wanted |= {r.upper() for r in session.exec(waited_for)}
        actions = actions.where(sa.func.upper(Action.ref).in_(wanted))
    found = list(session.exec(actions))
    reported: defaultdict[int, list[tuple[date, int | None]]] = defaultdict(list)
    updates = (
        select(Update.action_id, Update.at, Update.percent)
        .where(
            Update.plan_id == plan.id, col(Update.action_id).is_not(None), col(Update.percent).is_not(None)
        )
        .order_by(col(Update.at), col(Update.id))
    )
    if refs is not None:
        updates = updates.where(col(Update.action_id).in_([a.id for a in found]))
    for action_id, at, percent in session.execute(updates):
        reported[action_id].append((local_date(at, plan.timezone), percent))
    outcomes: dict[str, Outcome] = {}
    by_id: dict[int, tuple[str, Outcome]] = {}
    for action in found:
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
        if action_id in by_id:  # with `refs`, the dependencies of the milestones asked for
            ref, outcome = by_id[action_id]
            waits_for[milestone_id][ref] = outcome
    for milestone in session.exec(milestones):
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


def story_forecast(
    story: ItemStory, timezone: str, calendar: WorkingCalendar, stale_after: int | None
) -> Outcome | None:
    """An action's outcome as it stood at the end of its story's day: its status, percent and updates then
    (an action finished since was still open on that day). None for a milestone (its actions say) and for
    an action no longer open on the day."""
    if story.kind is not ItemKind.ACTION or not story.status.is_open:
        return None
    reported = [(local_date(u.at, timezone), u.percent) for u in story.updates]
    history = progress_history(reported, story.start, story.percent or 0, story.last_update_on)
    return forecast(history, calendar, story.as_of, story.current_due, stale_after)

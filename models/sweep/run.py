"""The daily sweep as plain functions (the flow and the CLI call `sweep_plans`): load, decide (pure), and
persist notices, escalations and ledger events in one transaction per plan, each plan failing alone."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from config.policy import Policy
from config.timezone import DEFAULT_TIMEZONE
from models.calendar import WorkingCalendar, shared_calendar
from models.columns import key_of
from models.db import read_session, unit_of_work
from models.outbox import recent_keys
from models.plan import Plan
from models.plans.lookup import plans_named
from models.sweep.failures import failing_plans, one_line, record_failure, record_recovery
from models.sweep.forecasts import ForecastWindow, window_for
from models.sweep.persist import MadeToday, lock_plan, made_once_earlier, made_today, persist, unmade
from models.sweep.rules import Decision, decide
from models.sweep.snapshot import People, Snapshot, load_people, load_snapshots


@dataclass
class SweepOutcome:
    plan: str
    as_of: date
    holiday: str | None  # why nothing was decided today (a weekend, a bank holiday, a closure day)
    # Every decision of the day swept, whichever run made it: the new ones plus those an earlier run made
    # (the reminders still due today, and the escalations raised or closed earlier that day, which the rules
    # do not repeat once the item stands at its new level). A rerun of a day never changes this number.
    decided: int = 0
    queued: int = 0  # the new ones
    # The new decisions themselves, kept only by a dry run (to show them): a real sweep of 100,000 actions
    # must not hold them all in memory once they are written.
    new: list[Decision] = field(default_factory=list)
    notices: int = 0
    items: int = 0
    # Set when this plan's sweep failed: it was rolled back and recorded, and the other plans were swept.
    failure: str | None = None  # "ValueError: year 10000 is out of range"
    error: Exception | None = field(default=None, repr=False)  # for a flow's rule on what to retry

    @property
    def working_day(self) -> bool:
        return self.holiday is None

    @property
    def failed(self) -> bool:
        return self.failure is not None


def calendar_for(plan: Plan, policy: Policy) -> WorkingCalendar:
    return shared_calendar(plan.nation, policy.calendar.dates, policy.calendar.every_year)


def _not_working(calendar: WorkingCalendar, day: date) -> str | None:
    if calendar.is_working_day(day):
        return None
    return calendar.holiday_name(day) or day.strftime("%A")


# Plans read together: enough to share the round trips, few enough to bound memory on a large estate.
PLANS_PER_READ = 50


@contextmanager
def _collector_paused() -> Iterator[None]:
    """A sweep builds hundreds of thousands of small tuples that form no reference cycles; left running,
    the cyclic garbage collector would rescan the growing heap again and again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def sweep_plans(
    engine: Engine,
    policy: Policy,
    as_of: date,
    *,
    plan_name: str | None = None,
    dry_run: bool = False,
    actor: str = "system:sweep",
    retrying: bool = False,
    on_plan: Callable[[SweepOutcome], None] | None = None,
) -> list[SweepOutcome]:
    """`retrying`: the caller tries again on a database error that may pass (a Prefect task with retries
    left), so such an error is not recorded, nor the secretariat told, until the last try. `on_plan` hears
    of each plan as it is done (a progress bar)."""
    with _collector_paused():
        return _sweep_plans(engine, policy, as_of, plan_name, dry_run, actor, retrying, on_plan)


def _sweep_plans(
    engine: Engine,
    policy: Policy,
    as_of: date,
    plan_name: str | None,
    dry_run: bool,
    actor: str,
    retrying: bool = False,
    on_plan: Callable[[SweepOutcome], None] | None = None,
) -> list[SweepOutcome]:
    done = on_plan or (lambda _: None)
    outcomes, working = [], []
    with read_session(engine) as session:
        plans = plans_named(session, plan_name)
        for plan in plans:
            outcome = SweepOutcome(plan.name, as_of, None)
            outcomes.append(outcome)
            with _failure_domain(engine, plan, outcome, dry_run, actor, retrying):
                ZoneInfo(plan.timezone)  # a zone that cannot be read fails its own plan, here, not the rest
                plan_policy = policy.for_plan(plan.name)
                calendar = calendar_for(plan, plan_policy)
                outcome.holiday = _not_working(calendar, as_of)
                if outcome.working_day:
                    working.append((plan, plan_policy, calendar, outcome))
            if not outcome.working_day or outcome.failed:
                done(outcome)
        if not working:
            return outcomes
        people = load_people(session)
        recent = recent_keys(
            session,
            decided_since(
                [(plan_policy, calendar) for _, plan_policy, calendar, _ in working],
                as_of,
                timezones={plan.timezone for plan, *_ in working},
            ),
            plans[0].name if plan_name is not None else None,
        )
        made = made_today(session, as_of, plans[0].name if plan_name is not None else None)
        failing = set(failing_plans(session))
    for start in range(0, len(working), PLANS_PER_READ):
        batch = working[start : start + PLANS_PER_READ]
        forecasting = window_for(as_of, [(key_of(p), p.name, p.timezone, pp, c) for p, pp, c, _ in batch])
        snapshots = _read_snapshots(engine, [plan for plan, *_ in batch], people, forecasting)
        for plan, plan_policy, calendar, outcome in batch:
            with _failure_domain(engine, plan, outcome, dry_run, actor, retrying):
                _sweep_plan(
                    engine,
                    plan,
                    snapshots[key_of(plan)],
                    plan_policy,
                    calendar,
                    outcome,
                    recent,
                    made,
                    dry_run,
                    actor,
                )
                if plan.name in failing and not dry_run:
                    record_recovery(engine, plan.name, as_of, actor)
            done(outcome)
    return outcomes


@contextmanager
def _failure_domain(
    engine: Engine, plan: Plan, outcome: SweepOutcome, dry_run: bool, actor: str, retrying: bool
) -> Iterator[None]:
    """Whatever one plan's sweep raises stops that plan only: its transaction has rolled back by the time
    this runs; the failure is recorded in a transaction of its own (not by a dry run, which changes nothing,
    nor for a passing database error the caller will try again) and the loop goes on to the next plan."""
    try:
        yield
    except Exception as exc:
        outcome.error, outcome.failure = exc, one_line(exc)
        if dry_run or (retrying and isinstance(exc, OperationalError)):
            return
        try:
            record_failure(engine, plan.name, key_of(plan), exc, outcome.as_of, actor, timezone=plan.timezone)
        except Exception as again:  # the database itself is failing: say so, and still go on
            outcome.failure += f" (not recorded: {one_line(again)})"


def _read_snapshots(
    engine: Engine, plans: list[Plan], people: People, forecasting: ForecastWindow | None = None
) -> dict[int, Snapshot | Exception]:
    """The batch's snapshots in one read; if that read fails, each plan's alone, so only the plan whose
    data cannot be read fails (with its own error)."""
    try:
        with read_session(engine) as session:
            return dict(load_snapshots(session, plans, people, forecasting))
    except Exception:
        if len(plans) == 1:
            raise
    found: dict[int, Snapshot | Exception] = {}
    for plan in plans:
        try:
            with read_session(engine) as session:
                found |= load_snapshots(session, [plan], people, forecasting)
        except Exception as exc:
            found[key_of(plan)] = exc
    return found


def _sweep_plan(
    engine: Engine,
    plan: Plan,
    snapshot: Snapshot | Exception,
    plan_policy: Policy,
    calendar: WorkingCalendar,
    outcome: SweepOutcome,
    recent: set[str],
    made: MadeToday,
    dry_run: bool,
    actor: str,
) -> None:
    if isinstance(snapshot, Exception):
        raise snapshot
    as_of = outcome.as_of
    # Most of what applies today was decided on an earlier run: decide leaves those out without
    # a query. What is left is checked against the whole outbox inside the writing transaction.
    found: set[str] = set()
    candidates = decide(snapshot, plan_policy, calendar, as_of, recent, found)
    once = made_once_earlier(made, key_of(plan), snapshot, as_of)
    outcome.items, outcome.decided = len(snapshot.items), len(candidates) + len(found) + once
    if not candidates:
        return
    if dry_run:
        with read_session(engine) as session:
            outcome.new = unmade(session, candidates)
        outcome.queued = len(outcome.new)
        return
    with unit_of_work(engine) as session:
        lock_plan(session, key_of(plan))
        new = unmade(session, candidates)
        outcome.queued = len(new)
        if new:
            outcome.notices = persist(
                session, key_of(plan), snapshot, new, plan_policy.version, actor, as_of, plan.timezone
            )


def decided_since(
    rules: Iterable[tuple[Policy, WorkingCalendar]],
    as_of: date,
    timezones: Iterable[str] = (DEFAULT_TIMEZONE,),
) -> datetime:
    """How far back a decision that still applies today can have been made: a step stays the latest one
    for at most the longest gap between two steps of a cadence, counted from the earliest midnight among
    the plans' `timezones`. Only speed depends on this window; every decision outside it is still checked
    against the whole outbox."""
    since = as_of
    for plan_policy, calendar in rules:
        reminders, stale, chase = plan_policy.reminders, plan_policy.stale, plan_policy.meetings.chase_days
        longest = max(reminders.overdue_repeat_days, stale.repeat_days, *reminders.due_soon_days, *chase)
        since = min(since, calendar.add_working_days(as_of, -(longest + 2)))
    zones = list(timezones) or [DEFAULT_TIMEZONE]
    return min(datetime.combine(since, time(0, 0), tzinfo=ZoneInfo(zone)) for zone in zones).astimezone(UTC)

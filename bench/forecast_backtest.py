"""Forecast back-test (issue 20): replays plans day by day (working days) and scores two early warnings of
a late finish, pure Python, no database:

- `forecast_late`: `models.forecast.forecast_late_warning`'s owner step (the policy's `forecast_late`);
- the baseline: the plain derived-RAG amber (`models.sweep.rules.derived_rag`, default policy; red before
  the due date counts too, which only helps the baseline).

Precision: of the items warned at least once before their due date, those that finished late (after the due
date, or never). Early recall: of the late items, those first warned at least 10 working days before their
due date. Plans: the demo (its workbook and its owners' updates, outcomes as known on its last day: items
still open and not yet due are left out) and a generated plan of 1,000 actions with noisy update histories.

    python -m bench.forecast_backtest [--actions 1000] [--seed 20] [--stale-after 20] [--sweep]
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date

from config.policy import ForecastLatePolicy, Policy
from models.calendar import WorkingCalendar
from models.forecast import History, forecast, forecast_late_warning
from models.sweep.rules import derived_rag
from models.vocab import RAG, Status

EARLY = 10  # working days before the due date that count as early
MIX = (("steady", 0.45), ("stalled", 0.20), ("late rush", 0.20), ("abandoned", 0.15))
FIRST_START = date(2017, 9, 4)


@dataclass
class Item:
    ref: str
    start: date | None
    due: date
    updates: list[tuple[date, int, Status, RAG | None]]  # day, percent, status, owner's RAG: in order
    finished: date | None  # the day 100% (complete) was reported; None: not (yet)
    kind: str = ""
    late: bool | None = None  # None: not known (the demo's items still open and not yet due)
    warned: dict[str, date] = field(default_factory=dict)  # rule -> first day warned


@dataclass(frozen=True)
class View:
    """What `derived_rag` reads of an item on a day (models.sweep.rules.Progress)."""

    status: Status
    rag: RAG | None
    percent: int
    rebaseline_count: int = 0


def working_days(calendar: WorkingCalendar, first: date, last: date) -> Iterator[date]:
    day = first if calendar.is_working_day(first) else calendar.add_working_days(first, 1)
    while day <= last:
        yield day
        day = calendar.add_working_days(day, 1)


def replay(
    items: list[Item],
    calendar: WorkingCalendar,
    policy: Policy,
    settings: ForecastLatePolicy,
    stale_after: int | None,
) -> None:
    """Each item's first warning day by each rule, from its start (or first update) to its due date."""
    for item in items:
        item.warned = {}
        first = item.start or item.updates[0][0]
        for day in working_days(calendar, first, item.due):
            if item.finished is not None and item.finished <= day:
                break
            seen = [u for u in item.updates if u[0] <= day]
            history = History(tuple((u[0], u[1]) for u in seen), item.start)
            if "forecast_late" not in item.warned:
                outcome = forecast(history, calendar, day, item.due, stale_after)
                if forecast_late_warning(outcome, item.due, day, calendar, settings):
                    item.warned["forecast_late"] = day
            if "derived amber" not in item.warned:
                last = seen[-1] if seen else None
                view = View(
                    last[2] if last else Status.NOT_STARTED, last[3] if last else None, last[1] if last else 0
                )
                since_from = last[0] if last else item.start
                since = calendar.count_between(since_from, day) if since_from else None
                to_due = calendar.working_days_to_due(day, item.due)
                if derived_rag(view, to_due, since, policy) in ("amber", "red"):
                    item.warned["derived amber"] = day


@dataclass(frozen=True)
class Score:
    items: int
    late: int
    warned: int
    warned_late: int
    early: int

    @property
    def precision(self) -> float:
        return self.warned_late / self.warned if self.warned else float("nan")

    @property
    def recall(self) -> float:
        return self.early / self.late if self.late else float("nan")


def score(items: list[Item], rule: str, calendar: WorkingCalendar) -> Score:
    known = [i for i in items if i.late is not None]
    warned = [i for i in known if rule in i.warned]
    early = [i for i in warned if i.late and calendar.count_between(i.warned[rule], i.due) >= EARLY]
    return Score(
        len(known), sum(1 for i in known if i.late), len(warned), sum(1 for i in warned if i.late), len(early)
    )


def demo_items(calendar: WorkingCalendar) -> list[Item]:
    from flows.demo_plan import AS_OF, UPDATES, load_spec

    spec = load_spec()
    items = []
    for action in spec.actions:
        updates: list[tuple[date, int, Status, RAG | None]] = []
        if action.last_update and action.percent:  # the workbook's own latest word, before the service
            updates.append((action.last_update, action.percent, action.status, action.rag))
        for u in UPDATES:
            if u.ref == action.ref and u.percent is not None and u.at is not None:
                updates.append((u.at.date(), u.percent, u.status or Status.IN_PROGRESS, u.rag))
        finished = next((day for day, percent, *_ in updates if percent >= 100), None)
        if finished is not None:
            late: bool | None = finished > action.due
        else:
            late = True if action.due < AS_OF else None
        items.append(Item(action.ref, action.start, action.due, updates, finished, "demo", late))
    return items


def _true_progress(kind: str, rng: random.Random, length: int) -> tuple[Callable[[int], float], int | None]:
    """The item's real percent after t working days, and the working day it reaches 100 (None: never)."""
    speed = rng.lognormvariate(-0.1, 0.25)  # working days it takes, as a share of the planned length
    rate = 100 / (length * speed)
    if kind == "steady":
        return (lambda t: rate * t), round(100 / rate)
    if kind == "stalled":
        at = rng.uniform(25, 70)
        pause = rng.randint(15, 60)
        stall = at / rate

        def stalled(t: int) -> float:
            return rate * t if t < stall else (at if t < stall + pause else at + rate * (t - stall - pause))

        return stalled, round(100 / rate + pause)
    if kind == "late rush":
        slow_until = 0.7 * length
        reached = rng.uniform(20, 45)
        end = length * rng.uniform(0.9, 1.15)
        slow, fast = reached / slow_until, (100 - reached) / (end - slow_until)
        return (lambda t: slow * t if t < slow_until else reached + fast * (t - slow_until)), round(end)
    stop = rng.uniform(10, 60)  # abandoned: progress stops, and so do the updates
    return (lambda t: min(rate * t, stop)), None


def generated_items(calendar: WorkingCalendar, count: int, seed: int) -> list[Item]:
    rng = random.Random(seed)
    kinds, weights = [kind for kind, _ in MIX], [weight for _, weight in MIX]
    items = []
    for n in range(count):
        kind = rng.choices(kinds, weights)[0]
        start = calendar.add_working_days(FIRST_START, rng.randint(0, 200))
        length = rng.randint(30, 120)
        due = calendar.add_working_days(start, length)
        progress, finish_t = _true_progress(kind, rng, length)
        cadence = rng.randint(5, 15)  # the owner's habit: an update every so many working days
        updates: list[tuple[date, int, Status, RAG | None]] = []
        t = rng.randint(3, cadence)
        finished = calendar.add_working_days(start, finish_t) if finish_t is not None else None
        while finish_t is None or t < finish_t:
            true = progress(t)
            if kind == "abandoned" and updates and true <= updates[-1][1] and rng.random() < 0.7:
                break  # nothing more to say: the owner goes quiet
            if t > 400:
                break
            noisy = min(95, max(0, 5 * round((true + rng.gauss(0, 3)) / 5)))
            updates.append((calendar.add_working_days(start, t), noisy, Status.IN_PROGRESS, None))
            t += max(1, cadence + rng.randint(-2, 2))
        if finished is not None:
            updates.append((finished, 100, Status.COMPLETE, None))
        if not updates:
            updates.append((calendar.add_working_days(start, 1), 0, Status.IN_PROGRESS, None))
        late = finished is None or finished > due
        items.append(Item(f"GEN-{n + 1:04d}", start, due, updates, finished, kind, late))
    return items


def _row(plan: str, rule: str, s: Score) -> str:
    return (
        f"| {plan} | {rule} | {s.items} | {s.late} | {s.warned} | {s.warned_late} | {s.precision:.0%} | "
        f"{s.early} | {s.recall:.0%} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument(
        "--stale-after", type=int, default=20, help="forecast's stale_after (the policy's 20); 0: none"
    )
    parser.add_argument("--sweep", action="store_true", help="also score other late_by / within settings")
    args = parser.parse_args()
    calendar, policy = WorkingCalendar("ENG"), Policy()
    stale_after = args.stale_after or None
    plans = {
        "demo": demo_items(calendar),
        f"generated ({args.actions}, seed {args.seed})": generated_items(calendar, args.actions, args.seed),
    }
    print(
        "| plan | rule | items scored | late | warned | warned and late | precision | late, warned early "
        f"(>= {EARLY} working days) | early recall |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for plan, items in plans.items():
        replay(items, calendar, policy, policy.forecast_late, stale_after)
        for rule in ("forecast_late", "derived amber"):
            print(_row(plan, rule, score(items, rule, calendar)))
    generated = plans[f"generated ({args.actions}, seed {args.seed})"]
    print(
        "\n| kind | items | late | forecast_late: warned (late) | early "
        "| derived amber: warned (late) | early |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for kind, _ in MIX:
        some = [i for i in generated if i.kind == kind]
        f, b = score(some, "forecast_late", calendar), score(some, "derived amber", calendar)
        print(
            f"| {kind} | {len(some)} | {f.late} | {f.warned} ({f.warned_late} late) | {f.early} | "
            f"{b.warned} ({b.warned_late} late) | {b.early} |"
        )
    if args.sweep:
        print("\n| late_by_days | within_days | warned | precision | early recall |")
        print("| --- | --- | --- | --- | --- |")
        for late_by in (0, 5, 10, 20, 30):
            for within in (20, 30, 45):
                settings = ForecastLatePolicy(late_by_days=late_by, within_days=within)
                replay(generated, calendar, policy, settings, stale_after)
                s = score(generated, "forecast_late", calendar)
                print(f"| {late_by} | {within} | {s.warned} | {s.precision:.0%} | {s.recall:.0%} |")


if __name__ == "__main__":
    main()

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
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from config.policy import ForecastLatePolicy, Policy
from models.calendar import WorkingCalendar
from models.forecast import LEAD, Forecast, History, Outcome, forecast, forecast_late_warning
from models.sweep.rules import derived_rag
from models.vocab import RAG, Status

LEAD_RULE = "forecast_late, lead"  # the area lead's step: still forecast late 10 working days later
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


# A variant of the rule: its settings, and a further condition on the day's forecast (True: warn).
Condition = Callable[["Item", date, History, Forecast, int | None, WorkingCalendar], bool]


def replay(
    items: list[Item],
    calendar: WorkingCalendar,
    policy: Policy,
    settings: ForecastLatePolicy,
    stale_after: int | None,
    variants: Mapping[str, tuple[ForecastLatePolicy, Condition]] | None = None,
) -> None:
    """Each item's first warning day by each rule, from its start (or first update) to its due date."""
    rules = {"forecast_late": (settings, _always), **(variants or {})}
    for item in items:
        item.warned = {}
        first = item.start or item.updates[0][0]
        for day in working_days(calendar, first, item.due):
            if item.finished is not None and item.finished <= day:
                break
            seen = [u for u in item.updates if u[0] <= day]
            history = History(tuple((u[0], u[1]) for u in seen), item.start)
            if any(name not in item.warned for name in (*rules, LEAD_RULE)):
                outcome = forecast(history, calendar, day, item.due, stale_after)
                for name, (rule_settings, condition) in rules.items():
                    if (
                        name not in item.warned
                        and isinstance(outcome, Forecast)
                        and forecast_late_warning(outcome, item.due, day, calendar, rule_settings)
                        and condition(item, day, history, outcome, stale_after, calendar)
                    ):
                        item.warned[name] = day
                told = item.warned.get("forecast_late")
                if LEAD_RULE not in item.warned and told is not None and told < day:
                    steps = forecast_late_warning(outcome, item.due, day, calendar, settings, told)
                    if any(w.step == LEAD for w in steps):
                        item.warned[LEAD_RULE] = day
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


def _always(*_: object) -> bool:
    return True


def _late(outcome: Outcome, settings: ForecastLatePolicy) -> bool:
    return isinstance(outcome, Forecast) and outcome.late_by > settings.late_by_days


def _variants() -> dict[str, tuple[ForecastLatePolicy, Condition]]:
    """The changes to the rule tried against the late rushes' false alarms (issue 20, point 4): each warns
    when the policy's rule does and its own condition holds, or with other settings."""
    base = ForecastLatePolicy()

    def optimistic_late(
        item: Item, day: date, h: History, f: Forecast, stale: int | None, c: WorkingCalendar
    ) -> bool:
        return c.count_between(item.due, f.optimistic) > base.late_by_days

    def points(n: int) -> Condition:
        return lambda item, day, h, f, stale, c: f.points >= n

    def span(n: int) -> Condition:
        return lambda item, day, h, f, stale, c: c.count_between(f.since, day) >= n

    def recent(n: int) -> Condition:
        """The latest n updates alone (no start date) say late too: the recent pace agrees with the whole."""

        def agree(
            item: Item, day: date, h: History, f: Forecast, stale: int | None, c: WorkingCalendar
        ) -> bool:
            if len(h.updates) < n:
                return True
            return _late(forecast(History(h.updates[-n:]), c, day, item.due, stale), base)

        return agree

    def recent_days(n: int) -> Condition:
        """The updates of the last n working days (at least two) say late too."""

        def agree(
            item: Item, day: date, h: History, f: Forecast, stale: int | None, c: WorkingCalendar
        ) -> bool:
            kept = tuple(u for u in h.updates if c.count_between(u[0], day) <= n) or h.updates[-1:]
            kept = h.updates[-2:] if len(kept) < 2 else kept
            return _late(forecast(History(kept), c, day, item.due, stale), base)

        return agree

    def held(item: Item, day: date, h: History, f: Forecast, stale: int | None, c: WorkingCalendar) -> bool:
        """The forecast before the latest update said late too: two updates in a row."""
        before = h.updates[-1][0] - timedelta(days=1)
        return len(h.updates) >= 2 and _late(
            forecast(History(h.updates[:-1], h.start), c, before, item.due, stale), base
        )

    def coarse(item: Item, day: date, h: History, f: Forecast, stale: int | None, c: WorkingCalendar) -> bool:
        """Late too were the latest percent 3 higher: owners report in steps of 5, so a 5% may be a 7%."""
        *earlier, (latest, percent) = h.updates
        raised = History((*earlier, (latest, min(99, percent + 3))), h.start)
        return _late(forecast(raised, c, day, item.due, stale), base)

    return {
        "optimistic end late too": (base, optimistic_late),
        "late too at the latest percent + 3": (base, coarse),
        "3 points or more": (base, points(3)),
        "4 points or more": (base, points(4)),
        "fit spans 20 working days or more": (base, span(20)),
        "latest 3 updates agree": (base, recent(3)),
        "last 20 working days' updates agree": (base, recent_days(20)),
        "late at the update before too": (base, held),
        "due within 20 (not 30)": (ForecastLatePolicy(within_days=20), _always),
        "due within 20, 3 points or more": (ForecastLatePolicy(within_days=20), points(3)),
        "3 points or more, optimistic end late too": (base, lambda *a: points(3)(*a) and optimistic_late(*a)),
    }


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


def generated_items(
    calendar: WorkingCalendar, count: int, seed: int, mix: tuple[tuple[str, float], ...] = MIX
) -> list[Item]:
    rng = random.Random(seed)
    kinds, weights = [kind for kind, _ in mix], [weight for _, weight in mix]
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


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "-"


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
    parser.add_argument("--variants", action="store_true", help="also score the variants of the rule tried")
    parser.add_argument(
        "--mix",
        default=",".join(f"{round(100 * w)}" for _, w in MIX),
        help="the generated plan's shares of steady, stalled, late rush, abandoned (percent)",
    )
    parser.add_argument(
        "--late-over", type=int, default=0, help="late: finished more than this many working days late"
    )
    args = parser.parse_args()
    calendar, policy = WorkingCalendar("ENG"), Policy()
    stale_after = args.stale_after or None
    shares = [float(x) for x in args.mix.split(",")]
    if len(shares) != len(MIX) or min(shares) < 0 or sum(shares) <= 0:
        parser.error(f"--mix {args.mix}: expected {len(MIX)} shares (steady, stalled, late rush, abandoned)")
    mix = tuple((kind, share) for (kind, _), share in zip(MIX, shares, strict=True))
    plans = {
        "demo": demo_items(calendar),
        f"generated ({args.actions}, seed {args.seed})": generated_items(
            calendar, args.actions, args.seed, mix
        ),
    }
    if args.late_over:  # the warning claims more than late_by_days late: score that claim instead
        for items in plans.values():
            for item in items:
                if item.finished is not None:
                    item.late = calendar.count_between(item.due, item.finished) > args.late_over
    print(
        "| plan | rule | items scored | late | warned | warned and late | precision | late, warned early "
        f"(>= {EARLY} working days) | early recall |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for plan, items in plans.items():
        replay(items, calendar, policy, policy.forecast_late, stale_after)
        for rule in ("forecast_late", LEAD_RULE, "derived amber"):
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
    if args.variants:
        variants = _variants()
        print("\n| rule | " + " | ".join(f"{plan}: precision | early recall" for plan in plans) + " |")
        print("| --- |" + " --- | --- |" * len(plans))
        scores: dict[str, list[Score]] = {name: [] for name in ("forecast_late", *variants, "derived amber")}
        for items in plans.values():
            replay(items, calendar, policy, policy.forecast_late, stale_after, variants)
            for name, found in scores.items():
                found.append(score(items, name, calendar))
        for name, found in scores.items():
            cells = " | ".join(
                f"{_share(s.warned_late, s.warned)} ({s.warned_late}/{s.warned}) | {_share(s.early, s.late)} "
                f"({s.early}/{s.late})"
                for s in found
            )
            print(f"| {name} | {cells} |")
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

"""Each section of a pack worked out from the pack's data, pure: the action lines with their derived RAG, the
figures by area, the exceptions, what changed since the last pack, the milestones ahead, the silent owners."""

from __future__ import annotations

from datetime import date

from config.policy import Policy
from models.calendar import WorkingCalendar
from models.forecast import Forecast, forecast
from models.reports.forecasts import progress_history
from models.reports.pack_data.facts import ActionFact, EscalationFact, MilestoneFact, PackData, PreviousPack
from models.sweep.rules import derived_rag
from models.vocab import Audience, Status, day_in_words, plural
from packs.lines import (
    ActionLine,
    AreaRegister,
    AreaSummary,
    Changes,
    Counts,
    ExceptionLine,
    LadderMove,
    MilestoneLine,
    Rebaseline,
    SilentOwner,
)


def by_area_and_ref(lines: tuple[ActionLine, ...]) -> tuple[ActionLine, ...]:
    return tuple(sorted(lines, key=lambda x: (x.area, x.ref)))


def register_by_area(data: PackData, lines: tuple[ActionLine, ...]) -> tuple[AreaRegister, ...]:
    """The register under area headings, in the areas' order; an area with no actions is left out."""
    names = {a.code: a.name for a in data.areas}
    ordered = by_area_and_ref(lines)
    codes = [a.code for a in data.areas] + sorted({x.area for x in ordered} - set(names))
    groups = (AreaRegister(c, names.get(c, c), tuple(x for x in ordered if x.area == c)) for c in codes)
    return tuple(g for g in groups if g.actions)


def top_rungs(escalations: tuple[EscalationFact, ...]) -> dict[tuple[str, date], EscalationFact]:
    """The highest open rung of each item's ladder, per due date (a re-baseline starts a new ladder)."""
    top: dict[tuple[str, date], EscalationFact] = {}
    for e in escalations:
        if e.closed_on is None:
            key = (e.ref, e.due)
            if key not in top or top[key].level < e.level:
                top[key] = e
    return top


def action_line(
    a: ActionFact,
    levels: dict[tuple[str, date], EscalationFact],
    policy: Policy,
    calendar: WorkingCalendar,
    as_of: date,
) -> ActionLine:
    ladder = levels.get((a.ref, a.current_due))
    rag = rag_of(a, policy, calendar, as_of)
    return ActionLine(
        ref=a.ref,
        title=a.title,
        area=a.area,
        owner=a.owner,
        status=a.status.value,
        # A closed action's last RAG was said while it was open (an owner's amber the week before it was
        # done): printed beside "complete" it reads as a doubt, so the pack says what closed it instead.
        owner_rag=(a.rag.value if a.rag else None) if a.status.is_open else rag,
        rag=rag,
        percent=a.percent,
        original_due=a.original_due,
        current_due=a.current_due,
        rebaselines=a.rebaseline_count,
        level=ladder.level if ladder else 1,
        start=a.start,
        last_update=a.last_update,
        commentary=a.commentary,
        commentary_on=a.commentary_on,
    )


def rag_of(a: ActionFact, policy: Policy, calendar: WorkingCalendar, as_of: date) -> str:
    if a.status in (Status.DEFERRED, Status.CANCELLED):
        return a.status.value  # not counted: no longer being delivered as planned
    last = a.last_update or a.start
    since = calendar.count_between(last, as_of) if last and last <= as_of else None
    return derived_rag(a, calendar.working_days_to_due(as_of, a.current_due), since, policy)


def previous_counts(pack: PreviousPack | None, area: str | None) -> Counts:
    if pack is None:
        return Counts()
    return Counts.of([i.rag for i in pack.items.values() if area is None or i.area == area])


def area_summaries(
    data: PackData, counted: list[ActionLine], last: PreviousPack | None
) -> tuple[AreaSummary, ...]:
    out = []
    for area in data.areas:
        counts = Counts.of([line.rag for line in counted if line.area == area.code])
        if counts.total == 0 and (last is None or previous_counts(last, area.code).total == 0):
            continue  # an area with no actions (or none left to show) adds only an empty row
        change = counts.minus(previous_counts(last, area.code)) if last else None
        out.append(AreaSummary(area.code, area.name, counts, change))
    return tuple(out)


def exception_lines(
    data: PackData, by_ref: dict[str, ActionLine], calendar: WorkingCalendar, as_of: date
) -> tuple[ExceptionLine, ...]:
    milestones = {m.ref: m for m in data.milestones}
    out = []
    for e in data.escalations:
        if e.closed_on is not None or e.level < 3:
            continue
        action, milestone = by_ref.get(e.ref), milestones.get(e.ref)
        if action is not None and action.current_due == e.due:
            out.append(
                ExceptionLine(
                    ref=e.ref,
                    kind="action",
                    title=action.title,
                    owner=action.owner,
                    why=e.reason,
                    original_due=action.original_due,
                    current_due=action.current_due,
                    rebaselines=action.rebaselines,
                    commentary=action.commentary,
                    commentary_on=action.commentary_on,
                    on_list_since=e.since,
                    working_days_on_list=calendar.count_between(e.since, as_of),
                    rag=action.rag,
                    owner_rag=action.owner_rag,
                )
            )
        elif milestone is not None and milestone.due == e.due:
            missed = milestone.due < as_of
            # Its ladder row stays as it climbed (at risk, before the date): once the date has passed
            # unmet, the line says so in the words of the sweep's MilestoneMissed notice.
            reason = (
                f"milestone {e.ref} was due on {day_in_words(milestone.due)} and was not met: reported to "
                f"{data.board}"
                if missed
                else e.reason
            )
            out.append(
                ExceptionLine(
                    ref=e.ref,
                    kind="milestone",
                    title=milestone.title,
                    owner=milestone.owner,
                    why=reason,
                    original_due=milestone.due,
                    current_due=milestone.due,
                    rebaselines=0,
                    commentary=None,
                    commentary_on=None,
                    on_list_since=e.since,
                    working_days_on_list=calendar.count_between(e.since, as_of),
                    rag="missed" if missed else "at risk",
                )
            )
    return tuple(sorted(out, key=lambda x: (x.on_list_since, x.ref)))


def changes_since(
    data: PackData, lines: tuple[ActionLine, ...], last: PreviousPack | None, as_of: date
) -> Changes:
    since = last.built_for if last else None

    def in_window(day: date | None) -> bool:
        return day is not None and (since is None or since < day) and day <= as_of

    raised = tuple(
        LadderMove(e.ref, e.level, e.since, e.reason)
        for e in sorted(data.escalations, key=lambda e: (e.since, e.ref))
        if e.level >= 2 and in_window(e.since)
    )
    closed = tuple(
        LadderMove(e.ref, e.level, e.closed_on, e.closed_reason or "")
        for e in sorted(data.escalations, key=lambda e: (e.closed_on or as_of, e.ref))
        if e.closed_on is not None and in_window(e.closed_on)
    )
    if last is None:
        return Changes(None, (), (), (), raised, closed)
    before = last.items
    ordered = by_area_and_ref(lines)
    return Changes(
        since,
        tuple(x for x in ordered if x.rag == "red" and (x.ref not in before or before[x.ref].rag != "red")),
        tuple(
            x for x in ordered if x.rag == "complete" and x.ref in before and before[x.ref].rag != "complete"
        ),
        tuple(
            Rebaseline(x.ref, x.title, before[x.ref].due, x.current_due)
            for x in ordered
            if x.ref in before and before[x.ref].due != x.current_due.isoformat()
        ),
        raised,
        closed,
    )


def dependency_forecasts(
    data: PackData, policy: Policy, calendar: WorkingCalendar, as_of: date
) -> dict[str, Forecast]:
    """The forecast finish of each open action an open milestone waits for (none when the plan turned the
    forecast_late rule off): what can put a milestone at risk before anything is red or overdue."""
    if not policy.forecast_late.enabled:
        return {}
    waited_for = {r for m in data.milestones if m.status.is_open for r in m.depends_on}
    found = {}
    for a in data.actions:
        if a.ref in waited_for and a.status.is_open:
            history = progress_history(a.reported, a.start, a.percent, a.last_update)
            outcome = forecast(history, calendar, as_of, a.current_due, policy.stale.request_after_days)
            if isinstance(outcome, Forecast):
                found[a.ref] = outcome
    return found


def milestone_line(
    m: MilestoneFact,
    by_ref: dict[str, ActionLine],
    as_of: date,
    forecasts: dict[str, Forecast] | None = None,
    calendar: WorkingCalendar | None = None,
    late_by_days: int = 5,
) -> MilestoneLine:
    """A milestone is at risk only from what still threatens it: an open dependency that is red or past its
    due date, or (with `forecasts`, by the forecast_late rule's test) forecast to finish more than
    `late_by_days` working days after the milestone's date. One completed (or deferred, or cancelled) is no
    risk, whatever its dates say."""
    slipping = tuple(
        r
        for r in m.depends_on
        if r in by_ref
        and Status(by_ref[r].status).is_open
        and (by_ref[r].rag == "red" or by_ref[r].current_due < as_of)
    )
    late = []
    if forecasts and calendar is not None and m.status.is_open and m.due >= as_of:
        for r in m.depends_on:
            found = forecasts.get(r) if r not in slipping else None
            after = calendar.count_between(m.due, found.central) if found else 0
            if after > late_by_days:
                late.append(
                    f"{r} is forecast to finish {plural(after, 'working day')} after the milestone's date"
                )
    at_risk = slipping or late
    state = "missed" if m.status.is_open and m.due < as_of else "at risk" if at_risk else "on track"
    return MilestoneLine(
        m.ref, m.title, m.due, m.owner, m.status.value, m.depends_on, slipping, state, tuple(late)
    )


def silent_owners(
    data: PackData,
    last: PreviousPack | None,
    policy: Policy,
    calendar: WorkingCalendar,
    pack_date: date,
    audience: Audience,
) -> tuple[tuple[SilentOwner, ...], date | None]:
    """Owners of open actions in the meeting's scope with no update since the previous pack's date (or, for
    a first pack, in the chase window the policy gives before a meeting)."""
    if last is not None:
        since = last.built_for
    else:
        window = policy.meetings.chase_days[0] if policy.meetings.chase_days else 10
        since = calendar.add_working_days(pack_date, -window)
    owners: dict[str, list[ActionFact]] = {}
    for a in data.actions:
        in_scope = audience is not Audience.SCRUTINY or a.area == data.theme_area
        if in_scope and a.status.is_open and (a.last_update is None or a.last_update <= since):
            owners.setdefault(a.owner_email, []).append(a)
    silent = []
    for email, actions in sorted(owners.items(), key=lambda kv: (kv[1][0].owner, kv[0])):
        dates = [a.last_update for a in actions if a.last_update]
        silent.append(
            SilentOwner(
                actions[0].owner, email, tuple(sorted(a.ref for a in actions)), max(dates, default=None)
            )
        )
    return tuple(silent), since

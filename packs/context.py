"""The content of a board pack, pure: `build_pack_context(data, previous, policy, calendar, as_of, audience)`.

No session, no clock, no files: every format (HTML, PDF, the Teams card, the Prefect artifact) renders the
same PackContext, and the golden tests check it with plain values. For a public pack the exempt items are
removed first, before anything is counted, charted or compared, so nothing downstream can reveal them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import date

from config.policy import Policy
from models.calendar import WorkingCalendar
from models.sweep.rules import derived_rag
from models.vocab import RAG_COUNTS, Audience, Status, day_in_words
from packs.as_of import AsOf
from packs.briefing import Headline, executive_summary
from packs.facts import (
    TREND_PACKS,
    ActionFact,
    EscalationFact,
    ItemSummary,
    MilestoneFact,
    PackData,
    PreviousPack,
)
from packs.policy_words import closure_in_words, escalation_in_words, rules_in_words

SECTIONS = {
    Audience.BOARD: (
        "summary",
        "figures",
        "exceptions",
        "changes",
        "milestones",
        "theme",
        "silent",
        "dead",
        "register",
        "rules",
    ),
    Audience.SCRUTINY: ("summary", "figures", "theme", "silent", "rules"),
    # Who did not update and which messages bounced name officers and addresses: not for publication.
    Audience.PUBLIC: (
        "summary",
        "figures",
        "exceptions",
        "changes",
        "milestones",
        "theme",
        "register",
        "rules",
    ),
}


@dataclass(frozen=True)
class Counts:
    red: int = 0
    amber: int = 0
    green: int = 0
    complete: int = 0

    @property
    def total(self) -> int:
        return self.red + self.amber + self.green + self.complete

    def minus(self, other: Counts) -> Counts:
        return Counts(*(getattr(self, r) - getattr(other, r) for r in RAG_COUNTS))

    @staticmethod
    def of(rags: list[str]) -> Counts:
        found = Counter(rags)
        return Counts(*(found[r] for r in RAG_COUNTS))


@dataclass(frozen=True)
class AreaSummary:
    code: str
    name: str
    counts: Counts
    change: Counts | None  # None: no earlier pack to compare with


@dataclass(frozen=True)
class TrendPoint:
    meeting_date: date
    counts: Counts


@dataclass(frozen=True)
class ActionLine:
    """An action as every section shows it."""

    ref: str
    title: str
    area: str
    owner: str
    status: str
    owner_rag: str | None  # the owner's own RAG while the action is open; once closed, what closed it
    rag: str  # derived from the policy
    percent: int
    original_due: date
    current_due: date
    rebaselines: int
    level: int
    start: date | None
    last_update: date | None
    commentary: str | None
    commentary_on: date | None


@dataclass(frozen=True)
class ExceptionLine:
    ref: str
    kind: str
    title: str
    owner: str
    why: str
    original_due: date
    current_due: date
    rebaselines: int
    commentary: str | None
    commentary_on: date | None
    on_list_since: date
    working_days_on_list: int
    rag: str  # derived; a milestone's is "missed" or "at risk"
    owner_rag: str | None = None  # an action's owner's own RAG, printed beside the derived one


@dataclass(frozen=True)
class Rebaseline:
    ref: str
    title: str
    was: str
    now: date


@dataclass(frozen=True)
class LadderMove:
    ref: str
    level: int
    on: date
    reason: str


@dataclass(frozen=True)
class Changes:
    since: date | None  # the previous pack's date; None for a board's first pack
    newly_red: tuple[ActionLine, ...]
    newly_complete: tuple[ActionLine, ...]
    rebaselined: tuple[Rebaseline, ...]
    raised: tuple[LadderMove, ...]
    closed: tuple[LadderMove, ...]


@dataclass(frozen=True)
class MilestoneLine:
    ref: str
    title: str
    due: date
    owner: str
    status: str
    depends_on: tuple[str, ...]
    slipping: tuple[str, ...]  # open dependencies that are red or overdue: what makes it at risk
    state: str = "on track"  # "missed" once its date has passed unmet, "at risk", or "on track"


@dataclass(frozen=True)
class AreaRegister:
    """One improvement area's actions, under the area's heading in the register."""

    code: str
    name: str
    actions: tuple[ActionLine, ...]


@dataclass(frozen=True)
class SilentOwner:
    owner: str
    email: str
    refs: tuple[str, ...]
    last_update: date | None


@dataclass(frozen=True)
class DeadLine:
    kind: str
    recipient: str
    refs: str
    error: str


@dataclass(frozen=True)
class PackContext:
    plan: str
    organisation: str | None
    board: str
    meeting_date: date
    audience: str
    pack_date: date
    built_on: date
    head_seq: int
    head_hash: str
    policy_version: str
    sections: tuple[str, ...]
    withheld: int
    total: Counts
    total_change: Counts | None
    areas: tuple[AreaSummary, ...]
    trend: tuple[TrendPoint, ...]
    exceptions: tuple[ExceptionLine, ...]
    changes: Changes
    milestones_ahead: tuple[MilestoneLine, ...]
    milestones_missed: tuple[MilestoneLine, ...]
    milestones_until: date
    theme_code: str | None
    theme_name: str | None
    theme_actions: tuple[ActionLine, ...]
    silent: tuple[SilentOwner, ...]
    silent_since: date | None
    dead: tuple[DeadLine, ...]
    register: tuple[AreaRegister, ...]
    rules: tuple[tuple[str, str], ...]
    items: tuple[ItemSummary, ...]  # stored with the pack for the next one's comparisons
    headlines: tuple[Headline, ...] = ()  # the summary in words, page 1 after the cover
    data_as_of: AsOf | None = None  # the moment the data speaks for (packs.as_of), stated on the cover

    def has(self, section: str) -> bool:
        return section in self.sections

    @property
    def title(self) -> str:
        return f"{self.board}: {self.meeting_date.day} {self.meeting_date:%B %Y}"


def withhold_exempt(data: PackData, policy: Policy) -> tuple[PackData, int]:
    """The public view of the data, the one place a public pack is cut down: exempt actions gone with every
    trace of them (milestone dependencies, their escalations, dead notices naming them), and every
    escalation's reason said again from the public data alone, since the sweep's stored reason names
    whatever it saw ("... and A-01, A-02 are overdue or red"). The count withheld is all that is said."""
    exempt = {a.ref for a in data.actions if a.exempt}
    actions = tuple(a for a in data.actions if not a.exempt)
    milestones = tuple(
        replace(m, depends_on=tuple(r for r in m.depends_on if r not in exempt)) for m in data.milestones
    )
    due_now = {a.ref: a.current_due for a in actions if a.status.is_open} | {
        m.ref: m.due for m in milestones if m.status.is_open
    }
    escalations = tuple(
        replace(
            e,
            reason=escalation_in_words(e.rule, e.ref, e.due, e.level, data.board, policy),
            closed_reason=closure_in_words(e.ref, e.due, due_now.get(e.ref)) if e.closed_on else None,
        )
        for e in data.escalations
        if e.ref not in exempt
    )
    return (
        replace(
            data,
            actions=actions,
            milestones=milestones,
            escalations=escalations,
            dead_notices=tuple(d for d in data.dead_notices if not exempt & set(d.refs.split())),
        ),
        len(exempt),
    )


def build_pack_context(
    data: PackData,
    previous: tuple[PreviousPack, ...],
    policy: Policy,
    calendar: WorkingCalendar,
    as_of: date,
    pack_date: date,
    audience: Audience,
) -> PackContext:
    withheld = 0
    if audience is Audience.PUBLIC:
        data, withheld = withhold_exempt(data, policy)
    levels = _levels(data.escalations)
    lines = tuple(_line(a, levels, policy, calendar, as_of) for a in data.actions)
    by_ref = {line.ref: line for line in lines}
    last = previous[-1] if previous else None
    counted = [line for line in lines if line.rag in RAG_COUNTS]
    total = Counts.of([line.rag for line in counted])
    items = tuple(
        ItemSummary(line.ref, line.area, line.rag, line.status, line.current_due.isoformat(), line.level)
        for line in sorted(lines, key=lambda x: x.ref)
    )
    until = data.next_meeting or calendar.add_working_days(data.meeting_date, 20)
    silent, silent_since = _silent(data, last, policy, calendar, pack_date, audience)
    theme = {a.code: a.name for a in data.areas}.get(data.theme_area or "")
    context = PackContext(
        plan=data.plan,
        organisation=data.organisation,
        board=data.board,
        meeting_date=data.meeting_date,
        audience=audience.value,
        pack_date=pack_date,
        built_on=as_of,
        head_seq=data.head_seq,
        head_hash=data.head_hash,
        policy_version=policy.version,
        sections=SECTIONS[audience],
        withheld=withheld,
        total=total,
        total_change=total.minus(_previous_counts(last, None)) if last else None,
        areas=_areas(data, counted, last),
        trend=(
            *(TrendPoint(p.meeting_date, _previous_counts(p, None)) for p in previous[-(TREND_PACKS - 1) :]),
            TrendPoint(data.meeting_date, total),
        ),
        exceptions=_exceptions(data, by_ref, calendar, as_of),
        changes=_changes(data, lines, last, as_of),
        milestones_ahead=tuple(
            _milestone(m, by_ref, as_of)
            for m in data.milestones
            if m.status.is_open and as_of <= m.due <= until
        ),
        milestones_missed=tuple(
            _milestone(m, by_ref, as_of) for m in data.milestones if m.status.is_open and m.due < as_of
        ),
        milestones_until=until,
        theme_code=data.theme_area if theme else None,
        theme_name=theme,
        theme_actions=tuple(line for line in _sorted(lines) if line.area == data.theme_area),
        silent=silent if "silent" in SECTIONS[audience] else (),
        silent_since=silent_since,
        dead=tuple(DeadLine(d.kind, d.recipient, d.refs, d.error) for d in data.dead_notices)
        if "dead" in SECTIONS[audience]
        else (),
        register=_register(data, lines),
        rules=rules_in_words(policy, calendar.nation),
        items=items,
    )
    return replace(context, headlines=executive_summary(context))


def _sorted(lines: tuple[ActionLine, ...]) -> tuple[ActionLine, ...]:
    return tuple(sorted(lines, key=lambda x: (x.area, x.ref)))


def _register(data: PackData, lines: tuple[ActionLine, ...]) -> tuple[AreaRegister, ...]:
    """The register under area headings, in the areas' order; an area with no actions is left out."""
    names = {a.code: a.name for a in data.areas}
    ordered = _sorted(lines)
    codes = [a.code for a in data.areas] + sorted({x.area for x in ordered} - set(names))
    groups = (AreaRegister(c, names.get(c, c), tuple(x for x in ordered if x.area == c)) for c in codes)
    return tuple(g for g in groups if g.actions)


def _levels(escalations: tuple[EscalationFact, ...]) -> dict[tuple[str, date], EscalationFact]:
    """The highest open rung of each item's ladder, per due date (a re-baseline starts a new ladder)."""
    top: dict[tuple[str, date], EscalationFact] = {}
    for e in escalations:
        if e.closed_on is None:
            key = (e.ref, e.due)
            if key not in top or top[key].level < e.level:
                top[key] = e
    return top


def _line(
    a: ActionFact,
    levels: dict[tuple[str, date], EscalationFact],
    policy: Policy,
    calendar: WorkingCalendar,
    as_of: date,
) -> ActionLine:
    ladder = levels.get((a.ref, a.current_due))
    rag = _rag(a, policy, calendar, as_of)
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


def _rag(a: ActionFact, policy: Policy, calendar: WorkingCalendar, as_of: date) -> str:
    if a.status in (Status.DEFERRED, Status.CANCELLED):
        return a.status.value  # not counted: no longer being delivered as planned
    last = a.last_update or a.start
    since = calendar.count_between(last, as_of) if last and last <= as_of else None
    return derived_rag(a, calendar.working_days_to_due(as_of, a.current_due), since, policy)


def _previous_counts(pack: PreviousPack | None, area: str | None) -> Counts:
    if pack is None:
        return Counts()
    return Counts.of([i.rag for i in pack.items.values() if area is None or i.area == area])


def _areas(data: PackData, counted: list[ActionLine], last: PreviousPack | None) -> tuple[AreaSummary, ...]:
    out = []
    for area in data.areas:
        counts = Counts.of([line.rag for line in counted if line.area == area.code])
        if counts.total == 0 and (last is None or _previous_counts(last, area.code).total == 0):
            continue  # an area with no actions (or none left to show) adds only an empty row
        change = counts.minus(_previous_counts(last, area.code)) if last else None
        out.append(AreaSummary(area.code, area.name, counts, change))
    return tuple(out)


def _exceptions(
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
                    e.ref,
                    "action",
                    action.title,
                    action.owner,
                    e.reason,
                    action.original_due,
                    action.current_due,
                    action.rebaselines,
                    action.commentary,
                    action.commentary_on,
                    e.since,
                    calendar.count_between(e.since, as_of),
                    action.rag,
                    action.owner_rag,
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
                    e.ref,
                    "milestone",
                    milestone.title,
                    milestone.owner,
                    reason,
                    milestone.due,
                    milestone.due,
                    0,
                    None,
                    None,
                    e.since,
                    calendar.count_between(e.since, as_of),
                    "missed" if missed else "at risk",
                )
            )
    return tuple(sorted(out, key=lambda x: (x.on_list_since, x.ref)))


def _changes(
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
    ordered = _sorted(lines)
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


def _milestone(m: MilestoneFact, by_ref: dict[str, ActionLine], as_of: date) -> MilestoneLine:
    """A milestone is at risk only from what still threatens it: an open dependency that is red or past its
    due date. One completed (or deferred, or cancelled) is no risk, whatever its dates say."""
    slipping = tuple(
        r
        for r in m.depends_on
        if r in by_ref
        and Status(by_ref[r].status).is_open
        and (by_ref[r].rag == "red" or by_ref[r].current_due < as_of)
    )
    state = "missed" if m.status.is_open and m.due < as_of else "at risk" if slipping else "on track"
    return MilestoneLine(m.ref, m.title, m.due, m.owner, m.status.value, m.depends_on, slipping, state)


def _silent(
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

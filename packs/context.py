"""The content of a board pack, pure (no session, clock or files): every format renders the same PackContext,
and a public pack loses its exempt items before anything is counted, charted or compared."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

from config.policy import Policy
from models.calendar import WorkingCalendar
from models.reports.pack_data.facts import TREND_PACKS, DeadNoticeFact, ItemSummary, PackData, PreviousPack
from models.reports.pack_data.moment import AsOf
from models.sweep.words import closure_in_words, escalation_in_words, rules_in_words
from models.vocab import RAG_COUNTS, Audience
from packs.briefing import Headline, executive_summary
from packs.forecast_lines import ForecastLine, forecast_lines
from packs.lines import (
    ActionLine,
    AreaRegister,
    AreaSummary,
    Changes,
    Counts,
    ExceptionLine,
    MilestoneLine,
    SilentOwner,
    TrendPoint,
)
from packs.sections import (
    action_line,
    area_summaries,
    by_area_and_ref,
    changes_since,
    dependency_forecasts,
    exception_lines,
    milestone_line,
    previous_counts,
    register_by_area,
    silent_owners,
    top_rungs,
)

SECTIONS = {
    Audience.BOARD: (
        "summary",
        "figures",
        "forecast",
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
        "forecast",
        "exceptions",
        "changes",
        "milestones",
        "theme",
        "register",
        "rules",
    ),
}


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
    dead: tuple[DeadNoticeFact, ...]
    register: tuple[AreaRegister, ...]
    rules: tuple[tuple[str, str], ...]
    items: tuple[ItemSummary, ...]  # stored with the pack for the next one's comparisons
    headlines: tuple[Headline, ...] = ()  # the summary in words, page 1 after the cover
    data_as_of: AsOf | None = None  # the moment the data speaks for, stated on the cover
    # The secretariat's words (the console's review): printed at the head of the summary and under each
    # exception; kept on the pack row, so a rebuild in place prints them again.
    covering_summary: str | None = None
    commentary: tuple[tuple[str, str], ...] = ()  # (exception ref, words), in the exceptions' order
    forecast_late: tuple[ForecastLine, ...] = ()  # open actions forecast to finish late, latest first
    forecast_days: int = (
        5  # ... by more than this many working days (the policy's forecast_late.late_by_days)
    )

    def commentary_on(self, ref: str) -> str | None:
        return next((words for r, words in self.commentary if r == ref), None)

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
    # A plan that turned the forecast-late rule off does not want its forecasts in the pack either.
    sections = tuple(n for n in SECTIONS[audience] if n != "forecast" or policy.forecast_late.enabled)
    levels = top_rungs(data.escalations)
    lines = tuple(action_line(a, levels, policy, calendar, as_of) for a in data.actions)
    by_ref = {line.ref: line for line in lines}
    last = previous[-1] if previous else None
    counted = [line for line in lines if line.rag in RAG_COUNTS]
    total = Counts.of([line.rag for line in counted])
    items = tuple(
        ItemSummary(line.ref, line.area, line.rag, line.status, line.current_due.isoformat(), line.level)
        for line in sorted(lines, key=lambda x: x.ref)
    )
    until = data.next_meeting or calendar.add_working_days(data.meeting_date, 20)
    waits = dependency_forecasts(data, policy, calendar, as_of)  # what a milestone ahead waits for
    silent, silent_since = silent_owners(data, last, policy, calendar, pack_date, audience)
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
        sections=sections,
        withheld=withheld,
        total=total,
        total_change=total.minus(previous_counts(last, None)) if last else None,
        areas=area_summaries(data, counted, last),
        trend=(
            *(TrendPoint(p.meeting_date, previous_counts(p, None)) for p in previous[-(TREND_PACKS - 1) :]),
            TrendPoint(data.meeting_date, total),
        ),
        exceptions=exception_lines(data, by_ref, calendar, as_of),
        forecast_late=forecast_lines(data, policy, calendar, as_of) if "forecast" in sections else (),
        forecast_days=policy.forecast_late.late_by_days,
        changes=changes_since(data, lines, last, as_of),
        milestones_ahead=tuple(
            milestone_line(m, by_ref, as_of, waits, calendar, policy.forecast_late.late_by_days)
            for m in data.milestones
            if m.status.is_open and as_of <= m.due <= until
        ),
        milestones_missed=tuple(
            milestone_line(m, by_ref, as_of) for m in data.milestones if m.status.is_open and m.due < as_of
        ),
        milestones_until=until,
        theme_code=data.theme_area if theme else None,
        theme_name=theme,
        theme_actions=tuple(line for line in by_area_and_ref(lines) if line.area == data.theme_area),
        silent=silent if "silent" in SECTIONS[audience] else (),
        silent_since=silent_since,
        dead=data.dead_notices if "dead" in SECTIONS[audience] else (),
        register=register_by_area(data, lines),
        rules=rules_in_words(policy, calendar.nation),
        items=items,
    )
    return replace(context, headlines=executive_summary(context))


def with_words(context: PackContext, summary: str | None, commentary: Mapping[str, str]) -> PackContext:
    """The context with the secretariat's words; commentary on a ref no longer among the exceptions (a
    correction built from changed data) is not printed."""
    kept = tuple((e.ref, commentary[e.ref]) for e in context.exceptions if commentary.get(e.ref))
    return replace(context, covering_summary=summary or None, commentary=kept)

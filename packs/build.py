"""Building a pack: load (one read), decide the content (pure), render with no transaction open (WeasyPrint
takes seconds), then store files, row and `PackBuilt` in one write; `due_packs`: what the daily run owes.

The data is the plan as it stood at the pack's moment (`models.reports.pack_data.moment`), so building later
gives the same pack. A sent pack is never overwritten: a different build becomes a new version.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from config.policy import Policy
from models.board_packs import Pack
from models.calendar import WorkingCalendar
from models.columns import key_of, utcnow
from models.db import read_session, unit_of_work
from models.ledger.chain import record
from models.meetings import Board, Meeting
from models.plan import Plan
from models.reports.pack_data.loading import load_pack_data, load_previous_packs
from models.reports.pack_data.moment import AsOf, default_as_of
from models.sweep.run import calendar_for
from models.vocab import Audience
from packs import charts
from packs.context import PackContext, build_pack_context, with_words
from packs.files import (
    Rendered,
    Restored,
    restorable,
    restore_files,
    same_files,
    sha256_of,
    slug,
    stem_of,
    write_files,
)
from packs.records import built_event, summary_of
from packs.render import Charts, render_html, render_pdf
from packs.schedule import is_due, pack_date
from packs.word import render_docx
from packs.word_body import WordCharts
from packs.word_cover import CoverFacts
from packs.word_source import WordSource, word_source
from packs.word_template import TemplateBroken

ACTOR = "system:packs"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuiltPack:
    pack_id: int
    plan: str
    board: str
    meeting_date: date
    audience: str
    built_for: date
    files: tuple[dict[str, Any], ...]
    context: PackContext
    state: str  # "built", "rebuilt", "unchanged" or "new version" (the one before was sent)
    restored: tuple[str, ...] = ()  # files rewritten because the disk no longer held what was built
    unrestorable: tuple[
        str, ...
    ] = ()  # missing or changed files this build cannot give again (left as found)
    copies: tuple[Path, ...] = ()  # an unchanged pack's files also written to the folder asked for
    version: int = 1
    supersedes: int | None = None  # the sent pack this version follows, kept as it was
    as_of: AsOf | None = None
    word_problem: str | None = None  # why no .docx was built (the board's template could not be filled)

    def path(self, suffix: str) -> Path:
        return Path(next(f["path"] for f in self.files if f["name"].endswith(suffix)))


def render(context: PackContext, pack_days: int, word: WordSource | None = None) -> Rendered:
    """HTML, PDF and Word from the one context. A Word template that cannot be filled costs the .docx
    alone: the PDF and HTML are built, and the problem travels with them (`word_problem`) to be recorded."""
    word = word or WordSource(CoverFacts())
    pictures = Charts(charts.rag_by_area(context), charts.trend(context))
    html = render_html(context, pictures, pack_days, word.facts.exempt_paragraph)
    pdf = render_pdf(html, context.built_on)
    try:
        docx = render_docx(
            context,
            WordCharts(charts.rag_by_area_png(context), charts.trend_png(context)),
            word.facts,
            word.template,
            word.template_name,
        )
    except TemplateBroken as exc:
        return Rendered(context, html, pdf, None, str(exc))
    except Exception as exc:  # the Word file is one of three: whatever stops it, the PDF and HTML still go
        log.exception(
            "The Word file of the %s pack for %s could not be built", context.audience, context.title
        )
        return Rendered(
            context, html, pdf, None, f"the Word file could not be built ({type(exc).__name__}: {exc})"
        )
    return Rendered(context, html, pdf, docx)


def build_pack(
    engine: Engine,
    meeting_id: int,
    audience: Audience,
    policy: Policy,
    as_of: date,
    out_dir: Path,
    *,
    actor: str = ACTOR,
    now: datetime | None = None,
    data_as_of: AsOf | None = None,
    into: bool = False,
    force: bool = False,
    new_version: bool = False,
) -> BuiltPack:
    """Build the pack of a meeting for an audience on day `as_of` (at `now` when known): its data speaks as
    of `data_as_of`, by default the end of its pack date. Files go to a folder per plan under `out_dir`, or
    into `out_dir` itself when `into`. An unsent pack is rebuilt in place (an approved one whose files change
    is a draft again); a sent one is kept as it was and followed by a new version, unless the new build is
    byte for byte the same and no `new_version` (a correction) is asked for; the new version supersedes the
    sent one when it is sent (`PackSuperseded`, packs.publish). The secretariat's words on the
    latest version are printed, and carried into a new version."""
    with read_session(engine) as session:
        meeting, board, plan = _meeting(session, meeting_id)
        plan_policy = policy.for_plan(plan.name)
        calendar = calendar_for(plan, plan_policy)
        day = pack_date(meeting.date, calendar, plan_policy.meetings.pack_days)
        moment = data_as_of or _issued_moment(session, meeting_id, audience, plan.timezone)
        moment = moment or default_as_of(day, plan.timezone, as_of, now)
        data = load_pack_data(session, plan, board, meeting, moment)
        previous = load_previous_packs(session, board, meeting, audience)
        words = _words(session, meeting_id, audience)
        word = word_source(session, board, meeting)
    context = build_pack_context(data, previous, plan_policy, calendar, moment.day, day, audience)
    context = with_words(replace(context, data_as_of=moment), *words)
    rendered = render(context, plan_policy.meetings.pack_days, word)
    wanted = {suffix: sha256_of(data) for suffix, data in rendered.data().items()}
    folder = out_dir if into else out_dir / slug(plan.name)
    restored = Restored()
    copies: tuple[Path, ...] = ()
    with unit_of_work(engine) as session:
        # Held to the end: a pack sent (or approved) meanwhile is seen as such, never rebuilt in place.
        latest = session.exec(
            select(Pack)
            .where(Pack.meeting_id == meeting_id, Pack.audience == audience)
            .order_by(col(Pack.version).desc())
            .with_for_update()
        ).first()
        sent = latest is not None and latest.published_at is not None
        if (
            latest is not None
            and same_files(latest.files, wanted, sent, board.wants_word)
            and not (sent and new_version)
        ):
            files, state, pack = latest.files, "unchanged", latest
            restored = restore_files(session, plan.name, latest, rendered, actor)
            if folder.resolve() != Path(files[0]["path"]).parent.resolve():
                stem = stem_of(meeting, board, audience, latest.version)
                # Only the files recorded: a .docx this build renders differently is not the pack's.
                same = restorable(latest.files, rendered)
                copies = tuple(
                    Path(f["path"]) for f in write_files(folder, stem, same, own=set(), force=force)
                )
        else:
            withdrawn = None
            if latest is None or sent:
                pack = Pack(
                    plan_id=key_of(plan),
                    meeting_id=meeting_id,
                    audience=audience,
                    built_for=day,
                    ledger_seq=0,
                    ledger_hash="",
                    version=latest.version + 1 if latest else 1,
                    supersedes_id=latest.id if latest else None,
                )
                state, before, own = ("new version" if sent else "built"), None, set()
                pack.covering_summary = context.covering_summary
                pack.commentary = dict(context.commentary)
            else:
                pack, state = latest, "rebuilt"
                before = [dict(f) for f in latest.files]
                own = {f["path"] for f in latest.files}
                if pack.approved_at is not None:  # approved were other files: they must be approved again
                    withdrawn = f"approved by {pack.approved_by}, but its files changed since"
                    pack.approved_at, pack.approved_by = None, None
            stem = stem_of(meeting, board, audience, pack.version)
            files = write_files(folder, stem, rendered, own=own, force=force)
            pack.built_at, pack.built_for, pack.data_as_of = now or utcnow(), day, moment.until
            pack.ledger_seq, pack.ledger_hash = context.head_seq, context.head_hash
            problem = {"word_problem": rendered.word_problem} if rendered.word_problem else {}
            pack.files, pack.summary = files, summary_of(context) | problem
            pack.published_at = None
            session.add(pack)
            session.flush()
            record(
                session,
                built_event(plan.name, board.name, meeting.date, pack, context, before, actor, withdrawn),
            )
    return BuiltPack(
        pack_id=key_of(pack),
        plan=plan.name,
        board=board.name,
        meeting_date=meeting.date,
        audience=audience.value,
        built_for=day,
        files=tuple(files),
        context=context,
        state=state,
        restored=restored.rewritten,
        unrestorable=restored.unrestorable,
        copies=copies,
        version=pack.version,
        supersedes=pack.supersedes_id,
        as_of=moment,
        word_problem=rendered.word_problem,
    )


def _issued_moment(session: Session, meeting_id: int, audience: Audience, timezone: str) -> AsOf | None:
    """Building a SENT pack again speaks for the moment the sent version spoke for (the pack flow builds and
    sends it on the morning of the pack date, before that day ends), so a rebuild from the same record is the
    same pack, and a new version only when the record of that moment changed; `--as-of` chooses another
    moment. A draft not yet sent follows the pack date's rule; a moment chosen by hand is no default."""
    latest = session.exec(
        select(Pack)
        .where(Pack.meeting_id == meeting_id, Pack.audience == audience)
        .order_by(col(Pack.version).desc())
    ).first()
    if latest is None or latest.published_at is None or latest.data_as_of is None:
        return None
    if latest.summary.get("as_of_chosen"):
        return None
    return AsOf(latest.data_as_of, timezone)


def _words(session: Session, meeting_id: int, audience: Audience) -> tuple[str | None, dict[str, str]]:
    latest = session.exec(
        select(Pack)
        .where(Pack.meeting_id == meeting_id, Pack.audience == audience)
        .order_by(col(Pack.version).desc())
    ).first()
    return (latest.covering_summary, dict(latest.commentary or {})) if latest else (None, {})


def _meeting(session: Session, meeting_id: int) -> tuple[Meeting, Board, Plan]:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise LookupError(f"meeting {meeting_id} vanished")  # a caller passes ids it has just read
    board = session.get(Board, meeting.board_id)
    plan = session.get(Plan, board.plan_id) if board else None
    if board is None or plan is None:
        raise LookupError(f"meeting {meeting_id} has no board or plan")
    return meeting, board, plan


@dataclass(frozen=True)
class DuePack:
    meeting_id: int
    audience: Audience
    plan: str
    board: str
    meeting_date: date
    pack_date: date


def due_packs(session: Session, plan: Plan, policy: Policy, as_of: date) -> list[DuePack]:
    plan_policy = policy.for_plan(plan.name)
    calendar: WorkingCalendar = calendar_for(plan, plan_policy)
    clear = plan_policy.meetings.pack_days
    built = {
        (m, a)
        for m, a in session.exec(
            select(col(Pack.meeting_id), col(Pack.audience)).where(Pack.plan_id == plan.id)
        )
    }
    rows = session.exec(
        select(Meeting, Board)
        .where(col(Meeting.board_id) == col(Board.id), Board.plan_id == plan.id, col(Meeting.date) >= as_of)
        .order_by(col(Meeting.date), col(Board.name))
    ).all()
    return [
        DuePack(key_of(m), m.audience, plan.name, b.name, m.date, pack_date(m.date, calendar, clear))
        for m, b in rows
        if (m.id, m.audience) not in built and is_due(m.date, as_of, calendar, clear)
    ]


def build_due_packs(
    engine: Engine,
    policy: Policy,
    as_of: date,
    out_dir: Path,
    *,
    plan_name: str | None = None,
    actor: str = ACTOR,
    now: datetime | None = None,
) -> list[BuiltPack]:
    """Every pack owed today, for every plan (or one): nothing on a day that is not a working day of the
    plan's nation, since packs are issued on working days only."""
    from models.plans.lookup import plans_named

    with read_session(engine) as session:
        owed = []
        for plan in plans_named(session, plan_name):
            if calendar_for(plan, policy.for_plan(plan.name)).is_working_day(as_of):
                owed += due_packs(session, plan, policy, as_of)
    return [
        build_pack(engine, d.meeting_id, d.audience, policy, as_of, out_dir, actor=actor, now=now)
        for d in owed
    ]

"""A council's own Word template: checked against the demo's December board meeting (every tag it does not
know listed, with the paragraph), and stored for a board as bytes with its SHA-256 and a `PackTemplateSet`
event in the same transaction. A template that fails the check is refused and nothing is stored.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from config.policy import Policy
from models.board_packs import PackTemplate
from models.columns import key_of
from models.db import unit_of_work
from models.ledger.chain import Event, record
from models.ledger.kinds import EventKind
from models.meetings import Board
from models.plan import Plan
from models.plans.meetings import find_board
from models.plans.spec import PlanSpec
from packs.context import PackContext
from packs.files import sha256_of
from packs.word_template import TemplateBroken, problems_in


@dataclass(frozen=True)
class TemplateStored:
    board: str
    plan: str
    sha256: str
    replaced: str | None  # the SHA-256 of the template it replaces


def set_template(
    engine: Engine,
    board_name: str,
    file_name: str,
    data: bytes,
    actor: str,
    now: datetime,
    plan_name: str | None = None,
) -> TemplateStored:
    refuse_broken(data, file_name)  # refused before anything is written
    with unit_of_work(engine) as session:
        board, plan = find_board(session, board_name, plan_name)
        return store_template(session, board, plan, file_name, data, actor, now)


# A name is shown in the ledger, the CLI and every pack's record: a longer one is a slip, not a file name.
MAX_NAME = 1_000


def name_problem(name: str) -> str | None:
    """What is wrong with a template's file name for every door (`pack template set`, the workbook's cell):
    a control or invisible formatting character (a zero-width space, a right-to-left override) makes two
    names that print alike differ, or one print as another; None when the name is fine."""
    if len(name) > MAX_NAME:
        return f"a file name of at most {MAX_NAME:,} characters ({len(name):,})"
    hidden = [c for c in name if unicodedata.category(c) in ("Cc", "Cf")]
    if hidden:
        shown = ", ".join(f"U+{ord(c):04X}" for c in dict.fromkeys(hidden))
        return f"a file name without control or invisible characters ({shown})"
    return None


def refuse_broken(data: bytes, file_name: str) -> None:
    """The one check every door runs before it stores a template (the CLI's `set`, the workbook import)."""
    wrong = name_problem(file_name)
    if wrong:
        raise TemplateBroken(ascii(file_name[:80]), [f"it needs {wrong}"])
    problems = problems_in(data, file_name)
    if problems:
        raise TemplateBroken(file_name, problems)


def store_template(
    session: Session, board: Board, plan: Plan, file_name: str, data: bytes, actor: str, now: datetime
) -> TemplateStored:
    """Store a template `refuse_broken` passed for this board (a row of the caller's session, found by
    the caller: the workbook import knows its plan by id, not by a name another plan may share folded),
    with its event, in the caller's transaction."""
    sha = sha256_of(data)
    held = session.get(PackTemplate, key_of(board))
    replaced = held.sha256 if held else None
    if held is None:
        held = PackTemplate(board_id=key_of(board), name=file_name, content=data, sha256=sha, set_by=actor)
    held.name, held.content, held.sha256, held.set_at, held.set_by = file_name, data, sha, now, actor
    session.add(held)
    event = {
        "board": board.name,
        "name": file_name,
        "sha256": sha,
        "bytes": len(data),
        "replaced": replaced,
    }
    record(session, Event(EventKind.PACK_TEMPLATE_SET, actor, plan.name, None, event))
    return TemplateStored(board.name, plan.name, sha, replaced)


def check_against(data: bytes, file_name: str, policy: Policy, plan: PlanSpec) -> list[str]:
    """The template's problems (unknown tags, broken Jinja), and when it has none, the problems of filling
    it with `plan`'s December board pack (the CLI passes the demo's), in a database of its own in memory."""
    problems = problems_in(data, file_name)
    if problems:
        return problems
    from packs.word import render_docx

    context = _december_context(policy, plan)
    from packs import charts
    from packs.word_body import WordCharts
    from packs.word_cover import CoverFacts

    pictures = WordCharts(charts.rag_by_area_png(context), charts.trend_png(context))
    try:
        render_docx(context, pictures, CoverFacts("6", "Lead Officer", "Cabinet Member", "paragraph 3"), data)
    except TemplateBroken as exc:
        return exc.problems
    return []


def _december_context(policy: Policy, spec: PlanSpec) -> PackContext:
    from sqlalchemy.pool import StaticPool
    from sqlmodel import SQLModel

    import models.tables  # noqa: F401  (every table on the metadata)
    from models.db import make_engine, read_session
    from models.meetings import Board, Meeting
    from models.plan import Plan
    from models.plans.importer import import_plan
    from models.reports.pack_data.loading import load_pack_data
    from models.reports.pack_data.moment import default_as_of
    from models.sweep.run import calendar_for
    from packs.context import build_pack_context
    from packs.schedule import pack_date

    engine = make_engine("sqlite://", poolclass=StaticPool)
    SQLModel.metadata.create_all(engine)
    with unit_of_work(engine) as session:
        import_plan(session, spec, actor="system:template-check")
    with read_session(engine) as session:
        rows = session.exec(
            select(Meeting, Board, Plan)
            .where(col(Meeting.board_id) == col(Board.id), col(Board.plan_id) == col(Plan.id))
            .order_by(col(Meeting.date))
        ).all()
        # The December board meeting, as the demo builds its pack for; the last meeting if the plan moves.
        meeting, board, plan = next((r for r in rows if r[0].date.month == 12), rows[-1])
        plan_policy = policy.for_plan(plan.name)
        calendar = calendar_for(plan, plan_policy)
        day = pack_date(meeting.date, calendar, plan_policy.meetings.pack_days)
        moment = default_as_of(day, plan.timezone, day, None)
        data = load_pack_data(session, plan, board, meeting, moment)
    context = build_pack_context(data, (), plan_policy, calendar, moment.day, day, meeting.audience)
    engine.dispose()
    return replace(context, data_as_of=moment)

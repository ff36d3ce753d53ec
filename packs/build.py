"""Building a pack: load (one read), decide the content (pure), render (no transaction open: WeasyPrint takes
seconds), then store the files, the pack row and its `PackBuilt` event in one write transaction.

`due_packs` says which packs the daily run owes: every meeting whose pack date has come, up to the meeting
itself, with no pack yet for its audience.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from config.policy import Policy
from models.board_packs import Pack, on_disk
from models.calendar import WorkingCalendar
from models.columns import key_of, utcnow
from models.db import read_session, unit_of_work
from models.files import write_bytes
from models.ledger import Event, record
from models.meetings import Board, Meeting
from models.plan import Plan
from models.sweep import calendar_for
from models.vocab import Audience
from packs import charts
from packs.context import PackContext, build_pack_context
from packs.loading import load_pack_data, load_previous_packs
from packs.render import Charts, render_html, render_pdf
from packs.schedule import is_due, pack_date

ACTOR = "system:packs"


@dataclass(frozen=True)
class Rendered:
    context: PackContext
    html: str
    pdf: bytes


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
    state: str  # "built", "rebuilt" or "unchanged"
    restored: tuple[str, ...] = ()  # files rewritten because the disk no longer held what was built
    copies: tuple[Path, ...] = ()  # an unchanged pack's files also written to the folder asked for

    def path(self, suffix: str) -> Path:
        return Path(next(f["path"] for f in self.files if f["name"].endswith(suffix)))


def render(context: PackContext, pack_days: int) -> Rendered:
    html = render_html(context, Charts(charts.rag_by_area(context), charts.trend(context)), pack_days)
    return Rendered(context, html, render_pdf(html, context.built_on))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "pack"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write(folder: Path, stem: str, rendered: Rendered) -> list[dict[str, Any]]:
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for suffix, data in ((".pdf", rendered.pdf), (".html", rendered.html.encode("utf-8"))):
        path = folder / f"{stem}{suffix}"
        write_bytes(path, data)  # a reader never sees half a pack
        files.append(
            {"name": path.name, "path": str(path.resolve()), "sha256": _sha(data), "bytes": len(data)}
        )
    return files


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
) -> BuiltPack:
    with read_session(engine) as session:
        meeting, board, plan = _meeting(session, meeting_id)
        plan_policy = policy.for_plan(plan.name)
        calendar = calendar_for(plan, plan_policy)
        day = pack_date(meeting.date, calendar, plan_policy.meetings.pack_days)
        data = load_pack_data(session, plan, board, meeting, day)
        previous = load_previous_packs(session, board, meeting, audience)
    # A pack speaks as of its own date, however late it is built (a rebuild gives the same pack); built early,
    # it is a preview as of the day it is built.
    as_of = min(as_of, day)
    context = build_pack_context(data, previous, plan_policy, calendar, as_of, day, audience)
    rendered = render(context, plan_policy.meetings.pack_days)
    stem = f"{meeting.date.isoformat()}-{_slug(board.name)}-{audience.value}"
    wanted = {".pdf": _sha(rendered.pdf), ".html": _sha(rendered.html.encode("utf-8"))}
    restored: tuple[str, ...] = ()
    copies: tuple[Path, ...] = ()
    with unit_of_work(engine) as session:
        existing = session.exec(
            select(Pack).where(Pack.meeting_id == meeting_id, Pack.audience == audience)
        ).first()
        if existing is not None and _hashes(existing.files) == wanted:
            files, state, pack = existing.files, "unchanged", existing
            restored = _restore(session, plan.name, existing, rendered, actor)
            folder = out_dir / _slug(plan.name)
            if folder.resolve() != Path(files[0]["path"]).parent.resolve():
                copies = tuple(Path(f["path"]) for f in _write(folder, stem, rendered))
        else:
            files = _write(out_dir / _slug(plan.name), stem, rendered)
            state = "built" if existing is None else "rebuilt"
            pack = existing or Pack(
                plan_id=key_of(plan),
                meeting_id=meeting_id,
                audience=audience,
                built_for=day,
                ledger_seq=0,
                ledger_hash="",
            )
            before = [dict(f) for f in existing.files] if existing else None
            pack.built_at, pack.built_for = now or utcnow(), day
            pack.ledger_seq, pack.ledger_hash = context.head_seq, context.head_hash
            pack.files, pack.summary = files, _summary(context)
            pack.published_at = None
            session.add(pack)
            session.flush()
            record(session, _event(plan.name, board.name, meeting.date, pack, context, before, actor))
    return BuiltPack(
        key_of(pack),
        plan.name,
        board.name,
        meeting.date,
        audience.value,
        day,
        tuple(files),
        context,
        state,
        restored,
        copies,
    )


def _restore(session: Session, plan: str, pack: Pack, rendered: Rendered, actor: str) -> tuple[str, ...]:
    """Rewrite, where the pack's record says, each file that is missing or no longer the one built (the
    same data renders the same bytes), with a `PackFilesRestored` event naming what the disk held."""
    data = {".pdf": rendered.pdf, ".html": rendered.html.encode("utf-8")}
    found = [(f, on_disk(f)) for f in pack.files]
    damaged = [(f, state) for f, state in found if state != "intact"]
    for f, _ in damaged:
        write_bytes(Path(f["path"]), data[Path(f["name"]).suffix])
    if damaged:
        files = [{"name": f["name"], "sha256": f["sha256"], "was": state} for f, state in damaged]
        record(session, Event("PackFilesRestored", actor, plan, None, {"pack_id": pack.id, "files": files}))
    return tuple(f["name"] for f, _ in damaged)


def _hashes(files: list[dict[str, Any]]) -> dict[str, str]:
    return {Path(f["name"]).suffix: f["sha256"] for f in files}


def _summary(context: PackContext) -> dict[str, Any]:
    return {
        "items": {i.ref: i.as_json() for i in context.items},
        "counts": {r: getattr(context.total, r) for r in ("red", "amber", "green", "complete")},
        "exceptions": len(context.exceptions),
        "withheld": context.withheld,
        "title": context.title,
    }


def _event(
    plan: str,
    board: str,
    meeting: date,
    pack: Pack,
    context: PackContext,
    before: list[dict[str, Any]] | None,
    actor: str,
) -> Event:
    data: dict[str, Any] = {
        "pack_id": pack.id,
        "board": board,
        "meeting": meeting.isoformat(),
        "audience": pack.audience.value,
        "built_for": pack.built_for.isoformat(),
        "built_on": context.built_on.isoformat(),
        "files": [{k: f[k] for k in ("name", "sha256", "bytes")} for f in pack.files],
        "built_from": {"seq": context.head_seq, "hash": context.head_hash},
        "policy": context.policy_version,
        "counts": pack.summary["counts"],
        "exceptions": pack.summary["exceptions"],
        "withheld": context.withheld,
    }
    if before is not None:
        data["before"] = [{k: f[k] for k in ("name", "sha256")} for f in before]
    return Event("PackBuilt", actor, plan, None, data)


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
) -> list[BuiltPack]:
    """Every pack owed today, for every plan (or one): nothing on a day that is not a working day of the
    plan's nation, since packs are issued on working days only."""
    from models.lookup import plans_named

    with read_session(engine) as session:
        owed = []
        for plan in plans_named(session, plan_name):
            if calendar_for(plan, policy.for_plan(plan.name)).is_working_day(as_of):
                owed += due_packs(session, plan, policy, as_of)
    return [build_pack(engine, d.meeting_id, d.audience, policy, as_of, out_dir, actor=actor) for d in owed]

"""What the board secretariat does to a pack (the console's writes, the CLI's approve and send): write the
covering summary and the commentary on exceptions, approve, send, correct. Each checks the pack's state
(`packs.review`) and writes its change with its ledger event in one transaction; the files are rendered
again, in place, with no transaction open (WeasyPrint takes seconds), whenever the words they print are no
longer the row's, so an approved or sent pack's files always carry its words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from config.policy import Policy
from models.board_packs import Pack, on_disk
from models.db import read_session, unit_of_work
from models.errors import UnknownItem
from models.ledger.chain import Event, record
from models.ledger.kinds import EventKind
from models.meetings import Board, Meeting
from models.plan import Plan
from models.reports.pack_data.moment import AsOf
from packs.build import BuiltPack, build_pack
from packs.publish import Published, publish
from packs.records import approved_event
from packs.review import (
    PackNotEditable,
    PackState,
    changed_refs,
    checked_words,
    may_approve,
    may_correct,
    may_send,
    may_write_words,
    state_of,
    words_digest,
)


@dataclass(frozen=True)
class Place:
    plan: Plan
    board: Board
    meeting: Meeting


def place_of(session: Session, pack: Pack) -> Place:
    meeting = session.get(Meeting, pack.meeting_id)
    board = session.get(Board, meeting.board_id) if meeting else None
    plan = session.get(Plan, pack.plan_id)
    if meeting is None or board is None or plan is None:
        raise UnknownItem("meeting of pack", str(pack.id))
    return Place(plan, board, meeting)


def _pack(session: Session, pack_id: int) -> Pack:
    pack = session.get(Pack, pack_id)
    if pack is None:
        raise UnknownItem("pack", str(pack_id))
    return pack


def locked_pack(session: Session, pack_id: int) -> Pack:
    """The pack's row, held until the transaction ends: its state is read and changed as one step, so a
    pack being sent meanwhile is never written to (SQLite's writers are one at a time already)."""
    pack = session.exec(select(Pack).where(Pack.id == pack_id).with_for_update()).first()
    if pack is None:
        raise UnknownItem("pack", str(pack_id))
    return pack


def state(pack: Pack) -> PackState:
    return state_of(pack.approved_at, pack.published_at)


def exception_refs(pack: Pack) -> list[str]:
    return [str(e["ref"]) for e in pack.summary.get("exception_list", [])]


def files_carry_words(pack: Pack) -> bool:
    """The files print the row's words and are still the ones recorded."""
    digest = words_digest(pack.covering_summary, pack.commentary or {})
    return pack.summary.get("words") == digest and all(on_disk(f) == "intact" for f in pack.files)


def write_words(
    engine: Engine,
    pack_id: int,
    by: str,
    summary: str | None,
    commentary: Mapping[str, str],
    policy: Policy,
    now: datetime,
) -> bool:
    """Store the words (InvalidValue, UnknownException, PackNotEditable refuse them, changing nothing) with
    `PackCommentaryWritten`, then render the files again. `summary` None and a ref not in `commentary` keep
    what is stored (an empty text clears it). An approved pack whose words change is a draft again. False
    when nothing changed."""
    with unit_of_work(engine) as session:
        pack = locked_pack(session, pack_id)
        was = state(pack)
        may_write_words(was)
        refs_now = exception_refs(pack)
        # Stored words on an item no longer among the exceptions (a rebuild from changed data) are not
        # printed: they lapse here; words posted on such an item are refused.
        stored = {r: v for r, v in (pack.commentary or {}).items() if r in refs_now}
        kept = pack.covering_summary or "" if summary is None else summary
        words = checked_words(kept, stored | dict(commentary), refs_now)
        refs = changed_refs(pack.commentary or {}, words.commentary)
        summary_changed = (pack.covering_summary or None) != words.summary
        if not refs and not summary_changed:
            return False
        place = place_of(session, pack)
        data: dict[str, Any] = {
            **_about(pack, place),
            "refs": refs,
            "commentary": {r: words.commentary.get(r) for r in refs},
            "lengths": {r: len(words.commentary.get(r) or "") for r in refs},
        }
        if summary_changed:
            data["covering_summary"] = words.summary
            data["covering_summary_length"] = len(words.summary or "")
        if was is PackState.APPROVED:
            data["returned_to_draft"] = f"approved by {pack.approved_by}; its words changed since"
            pack.approved_at, pack.approved_by = None, None
        pack.covering_summary, pack.commentary = words.summary, words.commentary
        session.add(pack)
        record(session, Event(EventKind.PACK_COMMENTARY_WRITTEN, by, place.plan.name, None, data))
    render_again(engine, pack_id, policy, by, now)
    return True


def approve(engine: Engine, pack_id: int, by: str, policy: Policy, now: datetime) -> None:
    """Approve a draft, its files first made to carry its words (`PackApproved` names the files)."""
    with read_session(engine) as session:
        pack = _pack(session, pack_id)
        may_approve(state(pack))
        ready = files_carry_words(pack)
    if not ready:
        render_again(engine, pack_id, policy, by, now)
    with unit_of_work(engine) as session:
        pack = locked_pack(session, pack_id)
        may_approve(state(pack))
        if not files_carry_words(pack):  # the words changed again while the files were rendered
            raise PackNotEditable("The words changed while this pack was being approved: read it again.")
        place = place_of(session, pack)
        pack.approved_at, pack.approved_by = now, by
        session.add(pack)
        record(session, approved_event(place.plan.name, place.board.name, place.meeting.date, pack, by, None))


def send(engine: Engine, pack_id: int, by: str, now: datetime) -> Published:
    """Send an approved pack (its notices go with the next delivery run)."""
    with read_session(engine) as session:
        may_send(state(_pack(session, pack_id)))
    return publish(engine, pack_id, actor=by, now=now)


def correct(engine: Engine, pack_id: int, by: str, policy: Policy, now: datetime) -> BuiltPack:
    """A sent pack's correction: a new draft version (its words to start from), beside the sent files."""
    with read_session(engine) as session:
        pack = _pack(session, pack_id)
        newer = session.exec(
            select(Pack.id).where(
                Pack.meeting_id == pack.meeting_id,
                Pack.audience == pack.audience,
                col(Pack.version) > pack.version,
            )
        ).first()
        may_correct(state(pack), newer is None)
    return _build_beside(engine, pack, policy, by, now, new_version=True)


def render_again(engine: Engine, pack_id: int, policy: Policy, by: str, now: datetime) -> BuiltPack:
    """The unsent pack rendered in place with its words, its data still that of the moment it was built."""
    with read_session(engine) as session:
        pack = _pack(session, pack_id)
        if state(pack) is PackState.SENT:
            raise PackNotEditable("This pack has been sent: its files are never rewritten.")
    return _build_beside(engine, pack, policy, by, now, new_version=False)


def _build_beside(
    engine: Engine, pack: Pack, policy: Policy, by: str, now: datetime, *, new_version: bool
) -> BuiltPack:
    with read_session(engine) as session:
        timezone = place_of(session, pack).plan.timezone
    moment = (
        AsOf(pack.data_as_of, timezone, bool(pack.summary.get("as_of_chosen")))
        if pack.data_as_of is not None
        else None
    )
    folder = Path(pack.files[0]["path"]).parent
    return build_pack(
        engine,
        pack.meeting_id,
        pack.audience,
        policy,
        moment.day if moment else pack.built_for,
        folder,
        actor=by,
        now=now,
        data_as_of=moment,
        into=True,
        new_version=new_version,
    )


def _about(pack: Pack, place: Place) -> dict[str, Any]:
    return {
        "pack_id": pack.id,
        "board": place.board.name,
        "meeting": place.meeting.date.isoformat(),
        "audience": pack.audience.value,
        "version": pack.version,
    }

"""Sending a pack: one outbox notice per recipient and channel, written with `PackPublished` in one
transaction (with `PackApproved` when it goes unapproved by the secretariat, and `PackSuperseded` when it is
a new version of a pack sent before); the dedupe key (pack, PDF hash, recipient, channel) makes publishing
twice add nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.board_packs import Pack
from models.columns import utcnow
from models.db import unit_of_work
from models.errors import UnknownItem
from models.ledger.chain import Event, record
from models.ledger.kinds import EventKind
from models.meetings import Board, BoardMember, Meeting
from models.outbox import PACK_PUBLISHED, Channel, Notice, channels_for, existing_keys
from models.people import Person
from models.plan import Plan
from packs.records import approved_event, superseded_event
from packs.review import PackState, may_send, state_of

ACTOR = "system:packs"


@dataclass(frozen=True)
class Published:
    pack_id: int
    recipients: tuple[str, ...]
    queued: int  # new notices; 0 when this pack was already published


def recipients(session: Session, board: Board) -> list[str]:
    ids = {board.secretariat_id} | ({board.chair_id} if board.chair_id else set())
    ids |= set(session.exec(select(BoardMember.person_id).where(BoardMember.board_id == board.id)))
    return sorted(session.exec(select(Person.email).where(col(Person.id).in_(ids))))


def publish(
    engine: Engine,
    pack_id: int,
    *,
    actor: str = ACTOR,
    now: datetime | None = None,
    approval: str | None = None,
) -> Published:
    """Send an approved pack. A draft goes only with an `approval` (why it is sent unapproved by the
    secretariat: an operator's approve-and-send, the plan's policy), recorded as `PackApproved` in the same
    transaction; without one, a draft is refused (PackNotEditable). A pack already sent adds nothing."""
    moment = now or utcnow()
    with unit_of_work(engine) as session:
        # Held to the end: the secretariat's words or approval cannot change a pack while it is sent.
        pack = session.exec(select(Pack).where(Pack.id == pack_id).with_for_update()).first()
        if pack is None:
            raise UnknownItem("pack", str(pack_id))
        state = state_of(pack.approved_at, pack.published_at)
        if state is PackState.DRAFT and approval is None:
            may_send(state)
        meeting = session.get(Meeting, pack.meeting_id)
        board = session.get(Board, meeting.board_id) if meeting else None
        plan = session.get(Plan, pack.plan_id)
        if meeting is None or board is None or plan is None:
            raise UnknownItem("meeting of pack", str(pack_id))
        pdf = next(f for f in pack.files if f["name"].endswith(".pdf"))
        # The .docx rides with the PDF when the board asks for Word and the build made one.
        word = (
            next((f for f in pack.files if f["name"].endswith(".docx")), None) if board.wants_word else None
        )
        payload = json.dumps(_payload(pack, board, meeting.date.isoformat(), pdf, word), sort_keys=True)
        people = recipients(session, board)
        rows = [(email, channel) for email in people for channel in channels_for(teams=False)]
        # The board's own channel, not a person: no mailbox, Teams when it has a Workflows URL.
        rows += [(board.name, channel) for channel in channels_for(email=False, teams=bool(board.teams_url))]
        keys = {r: f"pack|{pack_id}|{pdf['sha256'][:16]}|{r[0]}|{r[1].value}" for r in rows}
        already = existing_keys(session, list(keys.values()))
        new = [r for r in rows if keys[r] not in already]
        if new and state is PackState.DRAFT:
            pack.approved_at, pack.approved_by = moment, actor
            record(session, approved_event(plan.name, board.name, meeting.date, pack, actor, approval))
        if new:
            session.execute(
                sa.insert(Notice.__table__),  # type: ignore[attr-defined]
                [
                    {
                        "dedupe_key": keys[(recipient, channel)],
                        "plan": plan.name,
                        "recipient": recipient,
                        "channel": channel,
                        "kind": PACK_PUBLISHED,
                        "item_refs": "",
                        "payload": payload,
                        "urgency": 4,
                        "created_at": moment,
                        "not_before": moment,
                        "attempts": 0,
                        "status": "pending",
                    }
                    for recipient, channel in new
                ],
            )
            pack.published_at = moment
            session.add(pack)
            session.flush()
            replaced = session.get(Pack, pack.supersedes_id) if pack.supersedes_id is not None else None
            if replaced is not None:  # a correction replaces the sent version once it goes to the board
                record(session, superseded_event(plan.name, board.name, meeting.date, replaced, pack, actor))
            record(
                session,
                Event(
                    EventKind.PACK_PUBLISHED,
                    actor,
                    plan.name,
                    None,
                    {
                        "pack_id": pack_id,
                        "board": board.name,
                        "meeting": meeting.date.isoformat(),
                        "audience": pack.audience.value,
                        "pdf_sha256": pdf["sha256"],
                        "recipients": [r for r, c in new if c is Channel.EMAIL],
                        "teams_channel": any(c is Channel.TEAMS for _, c in new),
                        "approved_by": pack.approved_by,
                        **({"reason": approval} if approval else {}),
                    },
                ),
            )
    return Published(pack_id, tuple(people), len(new))


def _payload(
    pack: Pack, board: Board, meeting: str, pdf: dict[str, Any], word: dict[str, Any] | None = None
) -> dict[str, Any]:
    summary = pack.summary
    attached = {"docx": word["path"], "docx_sha256": word["sha256"]} if word else {}
    return attached | {
        "pack_id": pack.id,
        "board": board.name,
        "meeting": meeting,
        "audience": pack.audience.value,
        "built_for": pack.built_for.isoformat(),
        "title": summary.get("title", board.name),
        "counts": summary.get("counts", {}),
        "exceptions": summary.get("exceptions", 0),
        "withheld": summary.get("withheld", 0),
        "pdf": pdf["path"],
        "pdf_name": Path(pdf["path"]).name,
        "pdf_sha256": pdf["sha256"],
        "ledger": f"{pack.ledger_seq}:{pack.ledger_hash}",
    }


def pack_notices(engine: Engine, pack_ids: list[int]) -> list[int]:
    """The ids of the notices that send these packs (their dedupe keys start `pack|ID|`, as written above),
    whatever their state: the dispatcher still delivers only those that are due."""
    if not pack_ids:
        return []
    keys = [col(Notice.dedupe_key).startswith(f"pack|{pack_id}|") for pack_id in pack_ids]
    with Session(engine) as session:
        return [i for i in session.exec(select(Notice.id).where(sa.or_(*keys))) if i is not None]

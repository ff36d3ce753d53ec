"""Telling the board's secretariat a draft pack waits for their review: one email notice (the dispatcher
renders it: `notifications.pack_mail`) with a link to the pack's page in the console, written with
`PackReadyForReview` in one transaction; its dedupe key makes telling twice add nothing."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine

from models.board_packs import Pack
from models.db import unit_of_work
from models.errors import UnknownItem
from models.ledger.chain import Event, record
from models.ledger.kinds import EventKind
from models.outbox import Channel, Notice, existing_keys
from models.people import Person
from packs.secretariat import place_of

ACTOR = "system:packs"


def review_path(plan_id: int, board_id: int, pack_id: int) -> str:
    return f"/console/plans/{plan_id}/boards/{board_id}/packs/{pack_id}"


def tell_secretariat(
    engine: Engine,
    pack_id: int,
    base_url: str,
    now: datetime,
    *,
    send_by: datetime | None = None,
    actor: str = ACTOR,
) -> int:
    """Queue the message (1), or nothing when it was queued before (0). `send_by`: when the plan's policy
    sends the pack anyway if it is still unsent."""
    with unit_of_work(engine) as session:
        pack = session.get(Pack, pack_id)
        if pack is None:
            raise UnknownItem("pack", str(pack_id))
        place = place_of(session, pack)
        person = session.get(Person, place.board.secretariat_id)
        if person is None:
            raise UnknownItem("secretariat of board", place.board.name)
        assert place.plan.id is not None and place.board.id is not None  # rows read from the database
        url = base_url.rstrip("/") + review_path(place.plan.id, place.board.id, pack_id)
        key = f"pack-review|{pack_id}|{person.email}"
        if existing_keys(session, [key]):
            return 0
        payload: dict[str, Any] = {
            "pack_id": pack_id,
            "board": place.board.name,
            "meeting": place.meeting.date.isoformat(),
            "audience": pack.audience.value,
            "built_for": pack.built_for.isoformat(),
            "version": pack.version,
            "title": pack.summary.get("title", place.board.name),
            "exceptions": pack.summary.get("exceptions", 0),
            "url": url,
            "recipient_name": person.name,
            "send_by": send_by.isoformat() if send_by else None,
        }
        session.add(
            Notice(
                dedupe_key=key,
                plan=place.plan.name,
                recipient=person.email,
                channel=Channel.EMAIL,
                kind=EventKind.PACK_READY_FOR_REVIEW.value,
                payload=json.dumps(payload, sort_keys=True),
                urgency=4,
                created_at=now,
                not_before=now,
            )
        )
        told = {
            k: payload[k] for k in ("pack_id", "board", "meeting", "audience", "version", "url", "send_by")
        }
        told["to"] = person.email
        record(session, Event(EventKind.PACK_READY_FOR_REVIEW, actor, place.plan.name, None, told))
    return 1

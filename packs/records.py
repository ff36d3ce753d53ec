"""What a build records: the per-item summary stored with the pack row (the next pack compares with it), and
the `PackBuilt` and `PackSuperseded` events the ledger keeps of it."""

from __future__ import annotations

from datetime import date
from typing import Any

from models.board_packs import Pack
from models.ledger.chain import Event
from models.ledger.kinds import EventKind
from packs.context import PackContext
from packs.review import words_digest


def summary_of(context: PackContext) -> dict[str, Any]:
    return {
        "items": {i.ref: i.as_json() for i in context.items},
        "counts": {r: getattr(context.total, r) for r in ("red", "amber", "green", "complete")},
        "exceptions": len(context.exceptions),
        "withheld": context.withheld,
        "title": context.title,
        "as_of_chosen": bool(context.data_as_of and context.data_as_of.chosen),
        # What the secretariat writes commentary on (the console's review page), and which words the files
        # print (`packs.review.words_digest`).
        "exception_list": [
            {"ref": e.ref, "title": e.title, "why": e.why}
            for e in (context.exceptions if context.has("exceptions") else ())
        ],
        "words": words_digest(context.covering_summary, dict(context.commentary)),
    }


def built_event(
    plan: str,
    board: str,
    meeting: date,
    pack: Pack,
    context: PackContext,
    before: list[dict[str, Any]] | None,
    actor: str,
    withdrawn: str | None = None,
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
        "version": pack.version,
        "data_as_of": pack.data_as_of.isoformat() if pack.data_as_of else None,
        "as_of_chosen": pack.summary.get("as_of_chosen", False),
    }
    if pack.supersedes_id is not None:
        data["supersedes"] = pack.supersedes_id
    if before is not None:
        data["before"] = [{k: f[k] for k in ("name", "sha256")} for f in before]
    if context.covering_summary or context.commentary:
        data["words"] = pack.summary["words"]
    if withdrawn:
        data["approval_withdrawn"] = withdrawn
    if pack.summary.get("word_problem"):  # no .docx this time, and why: never silent
        data["word_problem"] = pack.summary["word_problem"]
    return Event(EventKind.PACK_BUILT, actor, plan, None, data)


def superseded_event(plan: str, board: str, meeting: date, old: Pack, new: Pack, actor: str) -> Event:
    """The sent pack stays as it was (row, files, sent record); this says which version, now sent too,
    follows it."""
    data = {
        "pack_id": old.id,
        "version": old.version,
        "by_pack_id": new.id,
        "by_version": new.version,
        "board": board,
        "meeting": meeting.isoformat(),
        "audience": old.audience.value,
        "sent_at": old.published_at.isoformat() if old.published_at else None,
        "files": [{k: f[k] for k in ("name", "sha256")} for f in old.files],
    }
    return Event(EventKind.PACK_SUPERSEDED, actor, plan, None, data)


def approved_event(plan: str, board: str, meeting: date, pack: Pack, actor: str, reason: str | None) -> Event:
    """Approved: these files (their SHA-256), with these words, by `actor`; `reason` when it was not the
    secretariat's own approval (an operator's approve-and-send, the plan's policy)."""
    data: dict[str, Any] = {
        "pack_id": pack.id,
        "board": board,
        "meeting": meeting.isoformat(),
        "audience": pack.audience.value,
        "version": pack.version,
        "files": [{k: f[k] for k in ("name", "sha256")} for f in pack.files],
        "words": pack.summary.get("words"),
    }
    if reason:
        data["reason"] = reason
    return Event(EventKind.PACK_APPROVED, actor, plan, None, data)

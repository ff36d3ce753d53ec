"""Owners' updates: appended to the history, applied to the item, recorded in the ledger, together."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlparse

from sqlmodel import Session

from models.calendar import local_date
from models.columns import utcnow
from models.errors import BadInput, InvalidValue
from models.ledger import Event, record
from models.lookup import find_item, find_person
from models.plan import Action, Milestone, Update
from models.plan_spec import UpdateSpec
from models.vocab import RAG, Status

MAX_NOTE = 10_000


def _check(spec: UpdateSpec, item: Action | Milestone) -> None:
    if all(v is None for v in (spec.status, spec.rag, spec.percent, spec.note, spec.evidence_url)):
        raise BadInput(
            "Nothing to update: give at least one of --status, --rag, --percent, --note, --evidence."
        )
    if isinstance(item, Milestone) and (spec.rag is not None or spec.percent is not None):
        raise BadInput(f"{item.ref} is a milestone: it takes a status and a note, not a RAG or a percent.")
    if spec.evidence_url is not None:
        url = urlparse(spec.evidence_url)
        if url.scheme not in ("http", "https") or not url.netloc:
            raise InvalidValue("evidence link", spec.evidence_url, "an http:// or https:// address")
    if spec.note is not None and len(spec.note) > MAX_NOTE:
        raise InvalidValue("note", spec.note[:40] + "...", f"at most {MAX_NOTE} characters")


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Status | RAG) else value


def apply_update(session: Session, spec: UpdateSpec, *, plan_name: str | None = None) -> Update:
    plan, item = find_item(session, spec.ref, plan_name)
    author = find_person(session, spec.by, plan)
    _check(spec, item)
    at: datetime = spec.at or utcnow()

    wanted: dict[str, Any] = {"status": spec.status}
    if isinstance(item, Action):
        wanted |= {"rag": spec.rag, "percent": spec.percent}
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name, value in wanted.items():
        if value is not None and getattr(item, name) != value:
            before[name], after[name] = _plain(getattr(item, name)), _plain(value)
            setattr(item, name, value)
    item.last_update_on = local_date(at, plan.timezone)
    if isinstance(item, Action) and spec.rag is not None:
        item.consecutive_reds = item.consecutive_reds + 1 if spec.rag is RAG.RED else 0

    update = Update(
        plan_id=plan.id,  # type: ignore[arg-type]
        action_id=item.id if isinstance(item, Action) else None,
        milestone_id=item.id if isinstance(item, Milestone) else None,
        author_id=author.id,  # type: ignore[arg-type]
        at=at,
        status=spec.status,
        rag=spec.rag if isinstance(item, Action) else None,
        percent=spec.percent if isinstance(item, Action) else None,
        commentary=spec.note,
        evidence_url=spec.evidence_url,
    )
    session.add(item)
    session.add(update)
    session.flush()
    kind = "ActionUpdated" if isinstance(item, Action) else "MilestoneUpdated"
    record(
        session,
        Event(
            kind=kind,
            actor=author.email,
            plan=plan.name,
            ref=item.ref,
            data={
                "update_id": update.id,
                "reported_at": at.isoformat(),
                "before": before,
                "after": after,
                "commentary": spec.note,
                "evidence_url": spec.evidence_url,
            },
        ),
    )
    return update

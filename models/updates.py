"""Owners' updates: appended to the history, applied to the item, recorded in the ledger, together."""

from __future__ import annotations

from dataclasses import replace
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
from models.text_rules import code, email_address, free_text, token
from models.vocab import RAG, Status, within_window

MAX_NOTE = 10_000


def checked(spec: UpdateSpec) -> UpdateSpec:
    """The update as it will be stored, by the rules every door applies (models.text_rules): whatever
    the workbook import refuses in a note, an update refuses too, so no export ever meets it."""
    evidence = spec.evidence_url
    if evidence is not None:
        evidence = token(evidence, "evidence link", "one web address").strip()
        if any(c.isspace() for c in evidence):
            raise InvalidValue("evidence link", spec.evidence_url, "one web address, without spaces")
    if spec.at is not None:
        within_window(spec.at.date(), "time of the update", spec.at.isoformat())
    return replace(
        spec,
        ref=code(spec.ref, "ref"),
        by=email_address(spec.by, "email of the person reporting"),
        note=free_text(spec.note, "note", MAX_NOTE) if spec.note is not None else None,
        evidence_url=evidence,
    )


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


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Status | RAG) else value


def apply_update(session: Session, spec: UpdateSpec, *, plan_name: str | None = None) -> Update:
    spec = checked(spec)
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

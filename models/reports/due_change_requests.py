"""A plan's requests to move a due date as the console lists them: the open ones, each with its item as it
stands now and, when it can no longer be accepted, why (`models.plans.due_decisions.why_not_accept`), then
the decided ones, newest first. People are named as the plan's People sheet names them. A fixed handful of
queries, whatever the number of requests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from models.console_records import DueChangeRequest
from models.people import Person, organisation_key
from models.plan import Action, Milestone, Plan
from models.plans.due_decisions import OPEN, ItemNow, why_not_accept
from models.vocab import ItemKind

DECIDED_SHOWN = 100  # the newest decisions; the ledger keeps every one


@dataclass(frozen=True)
class RequestLine:
    id: int
    ref: str
    title: str  # "" when the item is no longer in the plan
    owner: str
    from_due: date
    to_due: date
    reason: str
    asked_by: str
    on_behalf_of: str | None
    asked_at: datetime
    status: str
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None
    blocked: str | None  # why an open request cannot be accepted now; None when it can


def requests_of(session: Session, plan: Plan) -> tuple[list[RequestLine], list[RequestLine]]:
    """(open, oldest first; decided, newest first and at most DECIDED_SHOWN)."""
    base = select(DueChangeRequest).where(DueChangeRequest.plan_id == plan.id)
    opened = list(
        session.exec(base.where(DueChangeRequest.status == OPEN).order_by(col(DueChangeRequest.id)))
    )
    decided = list(
        session.exec(
            base.where(DueChangeRequest.status != OPEN)
            .order_by(col(DueChangeRequest.decided_at).desc(), col(DueChangeRequest.id).desc())
            .limit(DECIDED_SHOWN)
        )
    )
    rows = opened + decided
    refs = {r.item_ref for r in rows}
    in_plan = (Action.plan_id == plan.id, col(Action.ref).in_(refs))
    actions = {a.ref: a for a in session.exec(select(Action).where(*in_plan))}
    in_plan = (Milestone.plan_id == plan.id, col(Milestone.ref).in_(refs))
    milestones = {m.ref: m for m in session.exec(select(Milestone).where(*in_plan))}
    organisation = organisation_key(plan.name, plan.organisation)
    people = list(session.exec(select(Person).where(Person.organisation == organisation)))
    names_by_id = {p.id: p.name for p in people}
    names = {p.email: p.name for p in people}

    def line(request: DueChangeRequest) -> RequestLine:
        found = (actions if request.item_kind == ItemKind.ACTION.value else milestones).get(request.item_ref)
        item = None
        if found is not None:
            due = found.current_due if isinstance(found, Action) else found.due
            item = ItemNow(found.ref, found.status, due)
        return RequestLine(
            id=request.id or 0,
            ref=request.item_ref,
            title=found.title if found is not None else "",
            owner=names_by_id.get(found.owner_id, "") if found is not None else "",
            from_due=request.from_due,
            to_due=request.to_due,
            reason=request.reason,
            asked_by=names.get(request.requested_by, request.requested_by),
            on_behalf_of=_named(names, request.on_behalf_of),
            asked_at=request.requested_at,
            status=request.status,
            decided_by=_named(names, request.decided_by),
            decided_at=request.decided_at,
            decision_reason=request.decision_reason,
            blocked=why_not_accept(request, item) if request.status == OPEN else None,
        )

    return [line(r) for r in opened], [line(r) for r in decided]


def _named(names: dict[str, str], email: str | None) -> str | None:
    return names.get(email, email) if email else None

"""Owners' updates: appended to the history, applied to the item, recorded in the ledger, together. Every
door (command line, web form) calls `apply_update`, so who may update and what may be said hold at all."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from typing import Any
from urllib.parse import urlparse

from sqlmodel import Session, SQLModel, col, select

from models.calendar import local_date
from models.columns import utcnow
from models.errors import BadInput, InvalidValue, UnknownItem
from models.ledger.chain import Event, record
from models.ledger.kinds import EventKind
from models.meetings import Board
from models.people import Person
from models.plan import Action, Area, Milestone, Plan, Update
from models.plans.lookup import find_item, find_person
from models.plans.progress_rules import contradictions, rag_left, settled
from models.plans.spec import UpdateSpec
from models.plans.text_rules import code, email_address, free_text, token
from models.vocab import RAG, Status, within_window

# The two rules every door keeps:
# - Who may update an item: its owner, the owner's deputy, the owner's manager, the lead of its area (or its
#   accountable lead), and the secretariat of the plan's boards. An update is a person's report, so the
#   author is always a person (`system:` actors cannot post one; an operator acting for an owner posts as
#   the board secretariat, under their own address).
# - What an update may say: nothing that contradicts itself or the item (complete but red, complete at 10%,
#   not started at 40%, 100% while not started). What follows from it is applied with it: completing without
#   a percent makes it 100% (and an amber or red item green), and a percent reported on an item not started
#   yet starts it.

MAX_NOTE = 10_000

# The command line's flags, as a form names the same fields (the web says "RAG red", not "--rag red").
_FLAG_WORDS = {
    "--status": "status",
    "--rag": "RAG",
    "--percent": "percent",
    "--note": "note",
    "--evidence": "evidence link",
}


class FieldError(BadInput):
    """A refusal about one field of an update. The message is the command line's, word for word; `field`
    names the form's field it is about (status, rag, percent, note, evidence) and `plain` says it without
    the command line's flags, for a page."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field
        plain = re.sub(r"--[a-z]+", lambda m: _FLAG_WORDS.get(m.group(0), m.group(0)), message)
        plain = re.sub(r"^Contradictory update of [^:]+: ", "", plain)
        self.plain = plain[:1].upper() + plain[1:]


def checked(spec: UpdateSpec) -> UpdateSpec:
    """The update as it will be stored, by the rules every door applies (models.plans.text_rules): whatever
    the workbook import refuses in a note, an update refuses too, so no export ever meets it."""
    evidence = spec.evidence_url
    if evidence is not None:
        evidence = token(evidence, "evidence link", "one web address").strip()
        if any(c.isspace() for c in evidence):
            raise InvalidValue("evidence link", spec.evidence_url, "one web address, without spaces")
    if spec.at is not None:
        within_window(spec.at.date(), "time of the update", spec.at.isoformat())
    by = spec.by.strip()
    if not by.casefold().startswith("system:"):  # refused once the item is known, naming who may
        by = email_address(spec.by, "email of the person reporting")
    return replace(
        spec,
        ref=code(spec.ref, "ref"),
        by=by,
        note=free_text(spec.note, "note", MAX_NOTE) if spec.note is not None else None,
        evidence_url=evidence,
    )


def _check(spec: UpdateSpec, item: Action | Milestone) -> None:
    if all(v is None for v in (spec.status, spec.rag, spec.percent, spec.note, spec.evidence_url)):
        raise FieldError(
            "Nothing to update: give at least one of --status, --rag, --percent, --note, --evidence.",
            "status",
        )
    if isinstance(item, Milestone) and (spec.rag is not None or spec.percent is not None):
        raise FieldError(
            f"{item.ref} is a milestone: it takes a status and a note, not a RAG or a percent.",
            "rag" if spec.rag is not None else "percent",
        )
    if spec.evidence_url is not None:
        url = urlparse(spec.evidence_url)
        if url.scheme not in ("http", "https") or not url.netloc:
            raise InvalidValue("evidence link", spec.evidence_url, "an http:// or https:// address")


def _consistent(spec: UpdateSpec, item: Action | Milestone) -> UpdateSpec:
    """The update, refused when it contradicts itself or the item it would leave behind, by the rules every
    door applies (plans.progress_rules), so no door lets through what another refuses."""
    # Only what the update says is judged (an item that arrived inconsistent can still take a note); a status
    # said with no percent is judged with the item's.
    if not isinstance(item, Action):
        return spec
    given = spec.status is not None
    status, percent = settled(spec.status, spec.percent, was=item.status, was_percent=item.percent)
    said = f"--status {status.value}" if given else f"{item.ref} is {status.value}"
    if not given and status is Status.NOT_STARTED and percent == 100:
        # finishing is a claim of its own, with its consequences: say it
        raise FieldError(
            f"Contradictory update of {item.ref}: {said}, but --percent 100: an item 100% done is "
            "complete (give --status complete, which also makes it 100%).",
            "percent",
        )
    judged = percent if percent is not None or not given else item.percent
    for wrong in contradictions(status, spec.rag, judged):
        if wrong.field == "rag":
            shown, hint = f"--rag {wrong.value}", "give green, or leave --rag out"
        elif status.is_done:
            shown, hint = f"--percent {wrong.value}", "leave --percent out, or give 100"
        else:
            shown = (
                f"--percent {wrong.value}" if spec.percent is not None else f"it is {wrong.value}% complete"
            )
            hint = "give --status in progress, or --percent 0"
        reopen = "; if the work is not finished, say so with --status in progress" if status.is_done else ""
        raise FieldError(
            f"Contradictory update of {item.ref}: {said}, but {shown}: {wrong.why} ({hint}){reopen}.",
            wrong.field if wrong.field == "rag" or spec.percent is not None else "status",
        )
    rag = rag_left(status, spec.rag, was_rag=item.rag) if given else spec.rag
    return replace(
        spec, status=spec.status or (status if status is not item.status else None), rag=rag, percent=percent
    )


def entitled_people(session: Session, plan: Plan, item: Action | Milestone) -> dict[str, list[str]]:
    """Who may update the item, by address, with the capacities they may do it in: the people who answer
    for it (owner, deputy, manager, area or accountable lead) and the secretariat of the plan's boards."""
    people: dict[str, list[str]] = {}

    def add(person_id: int | None, role: str) -> None:
        person = session.get(Person, person_id) if person_id is not None else None
        if person is not None:
            people.setdefault(person.email, []).append(role)

    owner = session.get(Person, item.owner_id)
    add(item.owner_id, "its owner")
    if owner is not None:
        add(owner.deputy_id, "the owner's deputy")
        add(owner.manager_id, "the owner's manager")
    if isinstance(item, Action):
        area = session.get(Area, item.area_id)
        add(area.lead_id if area else None, "the area lead")
        add(item.lead_id, "its accountable lead")
    boards = select(Board.secretariat_id).where(Board.plan_id == plan.id).order_by(col(Board.id))
    for secretariat in dict.fromkeys(session.exec(boards)):
        add(secretariat, "the board secretariat")
    return people


def _entitled(session: Session, plan: Plan, item: Action | Milestone, by: str) -> Person | None:
    """Refuses anyone but the people who answer for the item, naming who may; the owner, when it is the
    owner who reports (most do: found without asking who else may)."""
    owner = session.get(Person, item.owner_id)
    if owner is not None and owner.email == by:
        return owner
    people = entitled_people(session, plan, item)
    if by in people:
        return None
    who = ", ".join(f"{email} ({' and '.join(roles)})" for email, roles in people.items())
    if by.casefold().startswith("system:"):
        why = f"An update is a person's report, so --by takes a person's email, not {by!r}"
    else:
        why = f"{by} may not update {item.ref}"
        try:
            find_person(session, by, plan)
        except UnknownItem:
            why += f" (no person of plan {plan.name!r} has that address)"
    raise BadInput(f"{why}. Who may update {item.ref}: {who}.")


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Status | RAG) else value


def _plain_day(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def apply_update(
    session: Session,
    spec: UpdateSpec,
    *,
    plan_name: str | None = None,
    channel: str = "cli",
    on_behalf_of: str | None = None,
    found: tuple[Plan, Action | Milestone] | None = None,
    kept_with: Callable[[Update], SQLModel] | None = None,
) -> Update:
    """The one way an update is made, whatever the door (`channel`: "cli", "web"); `on_behalf_of` names the
    away owner a deputy reports for, kept with the event. `found`: the plan and item, when the door has
    already read them in this session (the web's link names them), so they are not looked up again.
    `kept_with`: a row of the door's own that names the update (the web's taken form), written before the
    ledger's lock is taken rather than while it is held: every writer of every plan queues on that lock."""
    spec = checked(spec)
    plan, item = found if found is not None else find_item(session, spec.ref, plan_name)
    _check(spec, item)
    author = _entitled(session, plan, item, spec.by) or find_person(session, spec.by, plan)
    spec = _consistent(spec, item)
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
    # The date it replaces goes in "before" (a pack rebuilt as of an earlier moment puts it back); its new
    # value is the update's own day, so "after" lists only what the owner reported.
    day = local_date(at, plan.timezone)
    if item.last_update_on != day:
        before["last_update_on"] = _plain_day(item.last_update_on)
    item.last_update_on = day
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
    if kept_with is not None:
        session.add(kept_with(update))  # the ledger's own flush writes it, before its lock
    kind = EventKind.ACTION_UPDATED if isinstance(item, Action) else EventKind.MILESTONE_UPDATED
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
                "channel": channel,
                **({"on_behalf_of": on_behalf_of} if on_behalf_of else {}),
            },
        ),
    )
    return update

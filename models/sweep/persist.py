"""Persisting one plan's decisions: outbox notices, escalation rows and ledger events, written in the
sweep's one transaction per plan, after checking which decisions an earlier run already made."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from itertools import repeat
from operator import itemgetter
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.escalations import Escalation
from models.ledger.chain import Event, decode_data, record_many
from models.ledger.kinds import EventKind
from models.outbox import Notice, channel_key, channels_for, existing_keys
from models.sweep.encoding import encoded
from models.sweep.rules import Decision
from models.sweep.snapshot import Snapshot

# Names this product's per-plan sweep locks among PostgreSQL's advisory locks (the ledger has its own).
SWEEP_LOCK_CLASS = 0x535750  # "SWP"


def lock_plan(session: Session, plan_id: int) -> None:
    """Two sweeps of one plan never write at once: the second waits here, then finds the first's notices
    and adds nothing. On SQLite the writing transaction's BEGIN IMMEDIATE already serialises writers."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            sa.text("SELECT pg_advisory_xact_lock(:k, :plan)"), {"k": SWEEP_LOCK_CLASS, "plan": plan_id}
        )


# Decisions the rules make once: raising an escalation (the item then stands at that level, so the ladder
# does not decide it again) and closing one.
ONCE_KINDS = (EventKind.ESCALATED_TO_LEAD, EventKind.ESCALATED_TO_BOARD, EventKind.ESCALATION_CLOSED)
# The start of a ledger body's data when its first key is "as_of" (see `made_today`).
_AS_OF_FIRST = b'\n{"as_of":'
_PLAN_REF, _ODD = itemgetter(0, 1), itemgetter(2)
_ONCE_SQL = "(" + ", ".join(f"'{kind.value}'" for kind in ONCE_KINDS) + ")"  # our own constants only


@dataclass(frozen=True)
class MadeToday:
    """The escalations raised or closed on one day, as the ledger and the ladders recorded them, read once
    per sweep for every plan (as the recent notice keys are): `made_once_earlier` then needs no query."""

    events: Counter[tuple[str, str]]  # (plan, ref): the day's events of ONCE_KINDS
    closed: dict[int, set[str]]  # plan id: the refs whose ladder closed on the day


def made_today(session: Session, as_of: date, plan: str | None = None) -> MadeToday:
    """Read through the ledger's index on kind, the day matched where the bodies lie: reading every event of
    each plan out to decode its JSON made a second sweep cost 2x the bare scan more (bench/README.md).
    The only newline in a body ends its header (header fields refuse one; JSON escapes its own), and
    canonical JSON sorts its keys, so a body whose data begins `{"as_of":"<day>"` carries that day (the
    value's closing quote is unescaped: it ends there). A body whose data does not begin with "as_of" (none
    the sweep writes) is read out and decoded."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    mark, position = ("?", "instr(body, ?)") if sqlite else ("%s", "position(%s in body)")
    day = f'\n{{"as_of":{json.dumps(as_of.isoformat())}'.encode()
    # Plain tuples from the driver's cursor, as the snapshot's biggest reads: a first sweep of 100,000
    # actions leaves some 46,000 of these events, and typed rows cost more than the read.
    sql = (
        f"SELECT plan, ref, {position} = 0 FROM audit_event WHERE kind IN {_ONCE_SQL} "
        f"AND ({position} > 0 OR {position} = 0)" + (f" AND plan = {mark}" if plan is not None else "")
    )
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(sql, (_AS_OF_FIRST, day, _AS_OF_FIRST) + ((plan,) if plan is not None else ()))
        rows = cursor.fetchall()
    finally:
        cursor.close()
    events = Counter(map(_PLAN_REF, rows))  # counted in C: one row per event
    if any(map(_ODD, rows)):
        odd = [row for row in rows if row[2]]
        events.subtract(map(_PLAN_REF, odd))
        bodies = session.execute(
            sa.text(
                f"SELECT plan, ref, body FROM audit_event WHERE kind IN {_ONCE_SQL} "
                f"AND {position.replace(mark, ':key')} = 0"
                + (" AND plan = :plan" if plan is not None else "")
            ),
            {"key": _AS_OF_FIRST, "plan": plan},
        )
        for event_plan, ref, body in bodies:
            if decode_data(bytes(body)).get("as_of") == as_of.isoformat():
                events[(event_plan, ref)] += 1
    closed: dict[int, set[str]] = {}
    query = select(Escalation.plan_id, Escalation.item_ref).where(Escalation.closed_on == as_of)
    for plan_id, ref in session.exec(query):
        closed.setdefault(plan_id, set()).add(ref)
    return MadeToday(events, closed)


def made_once_earlier(made: MadeToday, plan_id: int, snapshot: Snapshot, as_of: date) -> int:
    """How many escalations an earlier run raised or closed on this very day: they are today's decisions
    too, so a rerun counts them as already made instead of forgetting them ("4 new", then "0 new" out of 2
    fewer). Read from the ledger, where each decision is one event carrying its day."""
    refs = {ref for ref, ladder in snapshot.ladders.items() if ladder.since == as_of}
    refs.update(made.closed.get(plan_id, ()))
    return sum(map(made.events.get, zip(repeat(snapshot.plan), refs), repeat(0)))  # in C: 46,000 refs


def unmade(session: Session, decisions: list[Decision]) -> list[Decision]:
    keys = [d.dedupe_key for d in decisions]  # a property that formats the key: formatted once each
    made = existing_keys(session, [key for key, d in zip(keys, decisions, strict=True) if d.recipient])
    return [d for key, d in zip(keys, decisions, strict=True) if key not in made]


def persist(
    session: Session,
    plan_id: int,
    snapshot: Snapshot,
    new: list[Decision],
    policy_version: str,
    actor: str,
    as_of: date,
    timezone: str,
) -> int:
    notices: list[dict[str, Any]] = []
    # Owed from the sweep's own morning (07:00 on the day swept, in the plan's time zone), whatever the
    # wall clock says.
    due_from = datetime.combine(as_of, time(7, 0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)
    raised: dict[tuple[str, int], tuple[Decision, dict[str, Any]]] = {}
    events = []
    for d in new:
        # Both worked out on each reading: once here for the event, the notice and the ladder.
        facts, dedupe_key = d.facts, d.dedupe_key
        data = {
            "rule": d.rule,
            "step": d.step,
            "recipient": d.recipient or None,
            "on_behalf_of": d.on_behalf_of,
            "level": d.level,
            "reason": d.reason,
            "roles": list(d.roles),
            "policy": policy_version,
            "as_of": as_of.isoformat(),
            "facts": facts,
            "dedupe_key": dedupe_key,
        }
        data_json, payload = encoded(d, facts, dedupe_key, policy_version, as_of)
        events.append(Event(d.kind, actor, d.plan, d.ref, data, data_json))
        if d.kind == EventKind.ESCALATION_CLOSED:
            continue
        ladder = snapshot.ladders.get(d.ref)  # a missed milestone already at the board climbs no higher
        # A forecast_late warning to the lead is news, not an escalation: the item stays where it stands.
        climbs = d.level > 1 and d.kind != EventKind.FORECAST_LATE_WARNED
        if climbs and not (ladder and ladder.due == d.due and ladder.level >= d.level):
            raised.setdefault((d.ref, d.level), (d, facts))
        if payload is None:  # no recipient
            continue
        person = snapshot.people.get(d.recipient)
        for channel in channels_for(teams=bool(person and person.has_teams)):
            key = channel_key(dedupe_key, channel)
            notices.append(
                {
                    "dedupe_key": key,
                    "plan": d.plan,
                    "recipient": d.recipient,
                    "on_behalf_of": d.on_behalf_of,
                    "channel": channel,
                    "kind": d.kind,
                    "item_refs": d.ref,
                    "payload": payload,
                    "not_before": due_from,
                    "urgency": d.urgency,
                }
            )
    closing = {(d.ref, d.due) for d in new if d.kind == EventKind.ESCALATION_CLOSED}
    if closing:
        open_rows = session.exec(
            select(Escalation).where(Escalation.plan_id == plan_id, col(Escalation.closed_on).is_(None))
        ).all()
        reasons = {(d.ref, d.due): d.reason for d in new if d.kind == EventKind.ESCALATION_CLOSED}
        for row in open_rows:
            if (row.item_ref, row.due) in closing:
                row.closed_on, row.closed_reason = as_of, reasons[(row.item_ref, row.due)][:200]
    # Rows, not objects: a first sweep raises thousands of ladders, and building and flushing an ORM object
    # for each cost more than writing it (bench/README.md, the first sweep against its floor).
    ladders = [
        {
            "plan_id": plan_id,
            "item_kind": str(facts.get("kind", "action")),
            "item_ref": ref,
            "due": d.due,
            "level": level,
            "rule": d.rule,
            "reason": d.reason[:1000],
            "since": as_of,
        }
        for (ref, level), (d, facts) in raised.items()
    ]
    if ladders:
        session.execute(sa.insert(Escalation.__table__), ladders)  # type: ignore[attr-defined]
    if notices:
        session.execute(sa.insert(Notice.__table__), notices)  # type: ignore[attr-defined]
    session.flush()
    record_many(session, events)
    return len(notices)


def notice_payload(d: Decision, facts: dict[str, Any] | None = None) -> str:
    """What a notice carries for the digest that will tell its recipient: the decision's reason, rule and
    facts, as JSON (the one format the dispatcher and the tests read)."""
    return json.dumps(
        {
            "reason": d.reason,
            "rule": d.rule,
            "level": d.level,
            "ref": d.ref,
            "on_behalf_of": d.on_behalf_of,
            "roles": list(d.roles),
            "told_as": d.told_as,
            **(d.facts if facts is None else facts),
        },
        sort_keys=True,
        default=str,
    )

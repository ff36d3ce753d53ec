"""The sweep's `forecast_late` rule: an open action forecast (models.forecast) to finish more than
`late_by_days` working days after a due date that is within `within_days` working days is told to its owner
once per due date, and to the level-2 lead if it is still forecast late `lead_after_days` working days later.

What it reads is loaded per batch of plans with the snapshot, in two statements: the percent updates of the
open actions due within the window only (up to the plan's calendar's working day one past it, in SQL; the
exact working-day test here), and the forecast_late notices made within reach of the window (when the owner
was first told, and which keys are made already). The decisions themselves are pure (`forecast_late`), as
every rule's. An item is forecast only when something new could come of it: its owner's warning not made
(and not waiting out a quiet period), or the lead's step due and not made.

Choices:
- The owner's step keeps the due-soon reminder's quiet period (`reminders.quiet_after_update_days`): an
  owner who has just updated is not chased; the warning waits, and comes if the forecast is still late.
  The lead's step has none: the owner's update is what it is about.
- The lead is whoever the ladder's level 2 goes to (`level_two`: the owner's manager, else the area lead),
  or their deputy while they are away. The warning is no escalation: it raises no ladder (persist), so the
  ladder's own level-2 step still comes if the action goes overdue.
- Once made, a warning stands until its due date passes or moves: a later sweep that finds it counts it
  among the day's decisions without forecasting again (what a second sweep of a day mostly does).
- A step is made for ref|due by any warning of that step that was not cancelled, whoever received it: the
  owner's deputy while they were away, the lead before a change of manager. Keyed on today's receiver, the
  owner would be told again the day they came back. A cancelled one counts for nothing (neither made nor
  the start of the lead's clock): `cancel_pending` cancels the old owner's on a reassignment, and the new
  owner is warned. A dead one still counts: it was made, and the lead's words claim no more than that.
- No lead step when the lead's receiver is the owner's (an owner who is the area lead, with no manager):
  they would be told again what they were told as the owner.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session

from config.policy import Policy
from models.calendar import WorkingCalendar
from models.forecast import LEAD, OWNER, RULE, History, forecast, forecast_late_warning
from models.ledger.kinds import EventKind
from models.outbox import FORECAST_LATE, Notice, NoticeStatus
from models.sweep.decision import Decision
from models.sweep.facts import Context, Facts, decision_for, level_two, owner_role
from models.sweep.facts import _lead_in_words as lead_in_words  # the ladder's own words for level 2
from models.sweep.views import ItemView
from models.vocab import ItemKind, Status, day_in_words

_OPEN_SQL = "(" + ", ".join(f"'{s.value}'" for s in Status if s.is_open) + ")"


class ForecastWindow(NamedTuple):
    """What a batch of plans reads for the rule: `as_of`, and per plan id (the plans whose policy has the
    rule on) the plan's name and time zone, the first day an owner's warning that still matters can have
    been made, and the last day a due date within the window can fall on."""

    as_of: date
    plans: Mapping[int, tuple[str, str, date, date]]


def window_for(
    as_of: date, plans: Sequence[tuple[int, str, str, Policy, WorkingCalendar]]
) -> ForecastWindow | None:
    """From (plan id, name, time zone, the plan's policy, its calendar); None when no plan has the rule on.
    One working day wider each way than the rule needs (the exact test is the rule's): a due date within
    `within_days` working days comes before the next working day, and its owner was told no earlier than
    `within_days` working days before it, so no earlier than that many before `as_of`."""
    wanted = {}
    for plan_id, name, zone, policy, calendar in plans:
        if policy.forecast_late.enabled:
            reach = policy.forecast_late.within_days + 1
            wanted[plan_id] = (
                name,
                zone,
                calendar.add_working_days(as_of, -reach),
                calendar.add_working_days(as_of, reach),
            )
    return ForecastWindow(as_of, wanted) if wanted else None


class ForecastInputs(NamedTuple):
    histories: dict[int, dict[str, list[tuple[date, int]]]]  # plan id -> ref -> (day, percent), in order
    # plan id -> "ref|due" -> the day the owner's step was first made, and that decision's key; and the key
    # of a lead's step made. Of the notices not cancelled only (module docstring).
    told: dict[int, dict[str, tuple[date, str]]]
    leads: dict[int, dict[str, str]]


def load_forecast_inputs(session: Session, window: ForecastWindow) -> ForecastInputs:
    ids = sorted(window.plans)
    as_of, last = window.as_of, max(due_by for *_, due_by in window.plans.values())
    histories: dict[int, dict[str, list[tuple[date, int]]]] = {plan_id: {} for plan_id in ids}
    # Only integers, our own constants and ISO dates are written into this statement, never a user's text.
    sql = (
        'SELECT a.plan_id, a.ref, a.current_due, u.at, u.percent FROM "update" u '
        "JOIN action a ON a.id = u.action_id "
        f"WHERE a.plan_id IN ({', '.join(str(int(i)) for i in ids)}) AND a.status IN {_OPEN_SQL} "
        f"AND a.current_due >= '{as_of.isoformat()}' AND a.current_due <= '{last.isoformat()}' "
        "AND u.percent IS NOT NULL ORDER BY u.at, u.id"
    )
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(sql)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    days, plans, local = _Days(), window.plans, _LocalDays()
    zones = {plan_id: zone for plan_id, (_, zone, *_) in plans.items()}
    for plan_id, ref, due, at, percent in rows:
        if days[due] <= plans[plan_id][3]:
            # The day in the plan's zone, as `status` and `show` read it (models.reports.forecasts); text
            # (SQLite) by its minute, which many updates share.
            day = local[zones[plan_id], at[:16] if type(at) is str else at]
            histories[plan_id].setdefault(ref, []).append((day, percent))
    told, leads = _told(session, window, local)
    return ForecastInputs(histories, told, leads)


def _told(
    session: Session, window: ForecastWindow, local: _LocalDays
) -> tuple[dict[int, dict[str, tuple[date, str]]], dict[int, dict[str, str]]]:
    """The rule's notices that can still matter (`window_for`: an earlier one is of a past due date), in
    one statement: owed from 07:00 on the day swept, in the plan's zone, or, once a failure has moved that
    on, from `due_at`; a day early for the zones ahead of UTC. Cancelled ones count for nothing, and a key
    not of the rule's shape is skipped (it cannot be one of its steps)."""
    N = Notice.__table__.c  # type: ignore[attr-defined]
    by_name = {name: (plan_id, zone) for plan_id, (name, zone, *_) in window.plans.items()}
    first = min(told_from for _, _, told_from, _ in window.plans.values())
    since = datetime.combine(first - timedelta(days=1), time(0, 0), tzinfo=UTC)
    told: dict[int, dict[str, tuple[date, str]]] = {plan_id: {} for plan_id in window.plans}
    leads: dict[int, dict[str, str]] = {plan_id: {} for plan_id in window.plans}
    query = sa.select(N.plan, N.dedupe_key, sa.func.coalesce(N.due_at, N.not_before)).where(
        FORECAST_LATE,
        N.plan.in_(list(by_name)),
        N.not_before >= since,
        N.status != NoticeStatus.CANCELLED.value,
    )  # through ix_notice_forecast_late: the warnings alone
    # The driver's own values, as `recent_keys` reads them: typed rows cost more than the read.
    result = session.connection().execute(query)
    try:
        rows = result.cursor.fetchall()
    finally:
        result.close()
    for plan, key, first_due in rows:
        parts = key[len(plan) + 1 :].split("|")
        if len(parts) < 5 or parts[2] != RULE or parts[3] not in (OWNER, LEAD):
            continue  # not a key this rule wrote (say, edited by hand): it made none of its steps
        ref, due, _, step, recipient = parts[:5]
        plan_id, zone = by_name[plan]
        slot, made = f"{ref}|{due}", f"{plan}|{ref}|{due}|{RULE}|{step}|{recipient}"  # less the channel
        if step == LEAD:
            leads[plan_id][slot] = made
            continue
        day = local[zone, first_due[:16] if type(first_due) is str else first_due]
        mine = told[plan_id]
        if slot not in mine or day < mine[slot][0]:
            mine[slot] = (day, made)
    return told, leads


class _LocalDays(dict[tuple[str, Any], date]):
    """The day in a time zone of an instant stored in UTC: a datetime on PostgreSQL, or SQLite's text (no
    offset) cut to its minute (no zone's offset has seconds, and many updates share a minute), each
    converted once."""

    def __missing__(self, key: tuple[str, Any]) -> date:
        zone, value = key
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        found = self[key] = moment.astimezone(ZoneInfo(zone)).date()
        return found


class _Days(dict[Any, date]):
    """Dates from raw column values (ISO text on SQLite, dates on PostgreSQL), each converted once."""

    def __missing__(self, value: Any) -> date:
        found = self[value] = value if isinstance(value, date) else date.fromisoformat(value)
        return found


def forecast_late(context: Context, facts: Mapping[str, Facts]) -> list[Decision]:
    """Today's forecast_late decisions of one plan, less those made on an earlier run (their keys go to
    `context.found`)."""
    policy = context.policy
    settings = policy.forecast_late
    if not settings.enabled:
        return []
    snapshot, calendar, today, known, found = (
        context.snapshot,
        context.calendar,
        context.today,
        context.known,
        context.found,
    )
    histories, told, leads = snapshot.histories, snapshot.forecast_told, snapshot.forecast_leads
    within, stale_after = settings.within_days, policy.stale.request_after_days
    quiet_days = policy.reminders.quiet_after_update_days
    out: list[Decision] = []
    action, lead_after = ItemKind.ACTION, settings.lead_after_days
    for fact in facts.values():
        # Most items are far off, overdue or milestones: out before anything else is asked.
        if not 0 <= fact.to_due <= within or fact.item.kind is not action or not fact.item.owner:
            continue
        item = fact.item
        reported = histories.get(item.ref, ())
        if not reported:
            if item.last_update is None or not item.percent:
                continue  # no percent reported: no forecast, nothing to say
            reported = ((item.last_update, item.percent),)  # arrived mid-flight: the workbook's word
        due = context.iso[item.due]
        slot = f"{item.ref}|{due}"
        prefix = f"{snapshot.plan}|{slot}|{RULE}|"
        to_owner = _receiver(context, item.owner)
        # Made by any warning of the step not cancelled, whoever received it (module docstring); else by
        # today's receiver's key among the day's (a cancelled one too: its key cannot be written again).
        owner_told = told.get(slot)
        told_on, owner_key = owner_told or (None, prefix + OWNER + "|" + to_owner)
        owner_made = owner_told is not None or owner_key in known
        lead_due = told_on is not None and calendar.count_between(told_on, today) >= lead_after
        since = fact.since_update
        quiet = since is not None and since <= quiet_days and item.last_update is not None
        if not lead_due and (owner_made or quiet):
            # Nothing new can come of a forecast today: the owner's step made on an earlier run (it stands:
            # module docstring) or waiting while they have just updated, and the lead's not due.
            if owner_made:
                found.add(owner_key)
            continue
        lead = level_two(item, snapshot)[0]
        to_lead = _receiver(context, lead) if lead else None
        if to_lead == to_owner:
            lead = to_lead = None  # the owner is their own lead: what they were told as the owner stands
        lead_key = leads.get(slot) or (prefix + LEAD + "|" + to_lead if to_lead else "")
        lead_made = slot in leads or lead_key in known
        if owner_made and lead_due and (not lead or lead_made):
            found.add(owner_key)
            if lead_made:
                found.add(lead_key)
            continue
        outcome = forecast(History(tuple(reported), item.start), calendar, today, item.due, stale_after)
        warnings = forecast_late_warning(
            outcome, item.due, today, calendar, settings, told_on, to_owner == item.owner
        )
        if owner_made:
            found.add(owner_key)  # it stands, whether or not it is still forecast late today
        for warning in warnings:
            if warning.step == OWNER:
                if not owner_made and not quiet:  # not while the owner has just updated (due-soon's rule)
                    said = {**warning.facts, **_then(context, item, lead_after, lead)}
                    out += _decision(context, fact, warning.reason, said, OWNER, item.owner, 1)
            elif lead and not lead_made:
                out += _decision(context, fact, warning.reason, warning.facts, LEAD, lead, 2)
    return out


def _then(context: Context, item: ItemView, after: int, lead: str | None) -> dict[str, str]:
    """The owner's next step, if nothing changes (it is still forecast late): who hears, and when. Only
    when that day is on or before the due date (the lead's step comes no later); otherwise, or when the
    owner is their own lead, the ladder's next step stands, worded as every reminder's."""
    if not lead:
        return {}
    who = lead_in_words(item, _receiver(context, item.owner), context.snapshot)
    told_on = context.after[(context.today, after)]
    if who == "you" or told_on > item.due:
        return {}
    return {"next_step": f"{who} is told on {day_in_words(told_on)}"}


def _receiver(context: Context, who: str) -> str:
    """Who receives what is meant for `who` today: their deputy while they are away (as `decision_for`)."""
    person = context.snapshot.people.get(who)
    if person and person.away_from and person.deputy and person.is_away(context.today):
        return person.deputy
    return who


def _decision(
    context: Context, fact: Facts, reason: str, facts: dict[str, Any], step: str, who: str, level: int
) -> list[Decision]:
    item = fact.item
    role = owner_role(item) if step == OWNER else _lead_role(item, context)
    # Made at level 1 so that its next step reads as the ladder's from where the item stands, then marked
    # with the warning's level (2: to the lead), which raises no ladder (persist).
    made = decision_for(
        context,
        fact,
        RULE,
        step,
        EventKind.FORECAST_LATE_WARNED,
        who,
        role,
        lambda: reason,
        urgency=1,  # as a due-soon reminder: news ahead of the date, not a breach
        **facts,
    )
    return [d._replace(level=level) for d in made]


def _lead_role(item: ItemView, context: Context) -> str:
    return "the owner's manager" if level_two(item, context.snapshot)[1] else "the area lead"

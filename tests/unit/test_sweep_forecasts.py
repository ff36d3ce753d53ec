"""The sweep's forecast_late rule (issue 20) on plain values: the owner once per due date, the lead 10 working
days later, never for a closed, overdue or on-time action, not when the policy (or the plan's) turns it off,
the owner's deputy while they are away, and a re-baselined due date warns again."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date, timedelta

from config.policy import Policy, load_policy
from models.calendar import WorkingCalendar
from models.ledger.kinds import EventKind
from models.sweep.forecasts import window_for
from models.sweep.rules import Decision, decide
from models.sweep.snapshot import ItemView, LadderView, PersonView, Snapshot
from models.vocab import ItemKind, Status

D = date.fromisoformat
POLICY = load_policy()
ENG = WorkingCalendar("ENG")
OWNER, MANAGER, LEAD, DEPUTY = (f"{n}@example.org" for n in ("owner", "manager", "lead", "deputy"))
# 10% on 4 October, then 5% a fortnight: 0.5% a working day since the start, months after 15 December.
HISTORY = ((D("2017-10-04"), 10), (D("2017-10-18"), 15), (D("2017-11-01"), 20), (D("2017-11-15"), 25))
DUE = "2017-12-15"
FIRST = "2017-11-20"  # Monday: 19 working days before the due date, 3 after the latest update
LEAD_DAY = "2017-12-04"  # 10 working days after FIRST


def action(due: str = DUE, **kw: object) -> ItemView:
    base: dict[str, object] = dict(
        kind=ItemKind.ACTION,
        ref="TAP-12",
        title="Recruit permanent social workers",
        owner=OWNER,
        due=D(due),
        status=Status.IN_PROGRESS,
        area="CP",
        original_due=D(due),
        percent=25,
        last_update=D("2017-11-15"),
        start=D("2017-09-04"),
    )
    base.update(kw)
    return ItemView(**base)  # type: ignore[arg-type]


def snapshot(item: ItemView, history=HISTORY, told=None, keys=frozenset(), people=None) -> Snapshot:
    """`keys`: the rule's warnings made and not cancelled, as `load_forecast_inputs` reads them; `told`,
    the day the owner's step was first made ("ref|due" -> day), as the notices' days give it."""
    everyone = {
        OWNER: PersonView(OWNER, "Owner", manager=MANAGER, deputy=DEPUTY),
        MANAGER: PersonView(MANAGER, "Manager"),
        DEPUTY: PersonView(DEPUTY, "Deputy"),
        LEAD: PersonView(LEAD, "Lead"),
    }
    everyone.update(people or {})
    return Snapshot(
        "Plan",
        "ENG",
        (item,),
        everyone,
        {"CP": LEAD},
        histories={item.ref: history} if history else {},
        forecast_told=_told(told or {}, keys),
        forecast_leads={_slot(k): k for k in keys if k.split("|")[4] == "lead"},
    )


def _slot(key: str) -> str:
    return "|".join(key.split("|")[1:3])


def _told(told: dict[str, date], keys: Iterable[str]) -> dict[str, tuple[date, str]]:
    owners = {_slot(k): k for k in sorted(keys) if k.split("|")[4] == "owner"}
    return {slot: (day, owners[slot]) for slot, day in told.items() if slot in owners}


def warned(
    snap: Snapshot, day: str, policy: Policy = POLICY, known=frozenset(), found=None
) -> list[Decision]:
    return [d for d in decide(snap, policy, ENG, D(day), known, found) if d.rule == "forecast_late"]


def test_the_owner_is_warned_with_the_forecast_in_words() -> None:
    [d] = warned(snapshot(action()), FIRST)
    assert (d.step, d.recipient, d.level, d.kind, d.urgency) == (
        "owner",
        OWNER,
        1,
        EventKind.FORECAST_LATE_WARNED,
        1,
    )
    assert d.reason.startswith(
        "forecast to finish late: at 0.5% a working day since Monday 4 September 2017 you would finish "
        "around Friday 22 June 2018, 128 working days late (range: "
    )
    assert d.dedupe_key == f"Plan|TAP-12|{DUE}|forecast_late|owner|{OWNER}"
    facts = d.facts
    assert (facts["forecast"], facts["forecast_late_by"]) == ("2018-06-22", 128)
    assert facts["working_days_to_due"] == 19
    assert facts["owner"] == OWNER and facts["due"] == DUE


def test_once_per_due_date_a_second_run_finds_it_made() -> None:
    [d] = warned(snapshot(action()), FIRST)
    found: set[str] = set()
    # The keys as the sweep knows them: among the recent notices, or read with the rule's own inputs.
    assert warned(snapshot(action()), FIRST, known={d.dedupe_key}, found=found) == []
    assert found == {d.dedupe_key}
    later = snapshot(action(), told={f"TAP-12|{DUE}": D(FIRST)}, keys={d.dedupe_key})
    assert warned(later, "2017-11-27") == []


def test_the_lead_is_told_if_still_late_ten_working_days_after_the_owner() -> None:
    owner_key = f"Plan|TAP-12|{DUE}|forecast_late|owner|{OWNER}"
    told = {f"TAP-12|{DUE}": D(FIRST)}
    assert warned(snapshot(action(), told=told, keys={owner_key}), "2017-12-01") == []  # 9 working days
    [d] = warned(snapshot(action(), told=told, keys={owner_key}), LEAD_DAY)
    assert (d.step, d.recipient, d.level, d.roles) == ("lead", MANAGER, 2, ("the owner's manager",))
    # Not "after the owner was told": a dead notice starts the lead's clock too. In the third person: the
    # lead would finish nothing.
    assert d.reason.startswith(
        "still forecast to finish late 10 working days after the owner's warning: at 0.5% a working day "
        "since Monday 4 September 2017 it would finish around Friday 22 June 2018"
    )
    # With no manager, the area lead (the ladder's level 2).
    alone = {OWNER: PersonView(OWNER, "Owner")}
    [d] = warned(snapshot(action(), told=told, keys={owner_key}, people=alone), LEAD_DAY)
    assert (d.recipient, d.roles) == (LEAD, ("the area lead",))
    # Once: its key made, nothing more.
    made = {owner_key, f"Plan|TAP-12|{DUE}|forecast_late|lead|{MANAGER}"}
    assert warned(snapshot(action(), told=told, keys=made), "2017-12-05") == []


def test_no_lead_warning_once_it_is_no_longer_forecast_late() -> None:
    owner_key = f"Plan|TAP-12|{DUE}|forecast_late|owner|{OWNER}"
    # The percents as the owner has since corrected them (an update of an update): on pace for the date.
    on_pace = ((D("2017-10-04"), 40), (D("2017-10-18"), 55), (D("2017-11-01"), 70), (D("2017-11-15"), 85))
    snap = snapshot(action(percent=85), history=on_pace, told={f"TAP-12|{DUE}": D(FIRST)}, keys={owner_key})
    assert warned(snap, LEAD_DAY) == []
    assert len(warned(dataclasses.replace(snap, histories={"TAP-12": HISTORY}), LEAD_DAY)) == 1


def test_off_in_the_policy_and_for_one_plan() -> None:
    off = Policy.model_validate({"forecast_late": {"enabled": False}})
    assert warned(snapshot(action()), FIRST, off) == []
    per_plan = Policy.model_validate({"plans": {"Plan": {"forecast_late": {"enabled": False}}}})
    assert warned(snapshot(action()), FIRST, per_plan.for_plan("Plan")) == []
    assert len(warned(snapshot(action()), FIRST, per_plan.for_plan("Other plan"))) == 1


def test_never_for_a_done_overdue_on_time_or_far_off_action() -> None:
    assert warned(snapshot(action(status=Status.COMPLETE)), FIRST) == []
    assert warned(snapshot(action(due="2017-11-17")), FIRST) == []  # overdue: the overdue notices take over
    steady = ((D("2017-10-02"), 40), (D("2017-11-15"), 90))
    assert warned(snapshot(action(percent=90), history=steady), FIRST) == []
    # 31 working days ahead: outside `within_days` (30).
    assert warned(snapshot(action(due="2018-01-05")), FIRST) == []
    assert len(warned(snapshot(action(due="2018-01-04")), FIRST)) == 1


def test_no_history_no_warning_but_a_workbook_percent_is_a_point() -> None:
    assert warned(snapshot(action(percent=0, last_update=None), history=()), FIRST) == []
    # Arrived mid-flight: 25% on 15 November from a start on 4 September, and no Update rows.
    [d] = warned(snapshot(action(), history=()), FIRST)
    assert d.facts["forecast_points"] == 2


def test_an_owner_who_just_updated_is_not_chased() -> None:
    assert warned(snapshot(action()), "2017-11-17") == []  # 2 working days since 15 November: quiet
    assert len(warned(snapshot(action()), FIRST)) == 1


def test_the_deputy_while_the_owner_is_away() -> None:
    away = {
        OWNER: PersonView(
            OWNER, "Owner", manager=MANAGER, deputy=DEPUTY, away_from=D("2017-11-13"), away_to=D("2017-11-24")
        )
    }
    [d] = warned(snapshot(action(), people=away), FIRST)
    assert (d.recipient, d.on_behalf_of, d.step) == (DEPUTY, OWNER, "owner")
    assert d.dedupe_key.endswith(f"|forecast_late|owner|{DEPUTY}")


def test_a_re_baselined_due_date_warns_again() -> None:
    old_key = f"Plan|TAP-12|{DUE}|forecast_late|owner|{OWNER}"
    told = {f"TAP-12|{DUE}": D(FIRST)}
    moved = action(due="2017-12-22", rebaseline_count=1)
    [d] = warned(snapshot(moved, told=told, keys={old_key}), "2017-11-27", known={old_key})
    assert (d.step, d.due) == ("owner", D("2017-12-22"))
    # And the lead waits 10 working days from this new warning, not the old one.
    told["TAP-12|2017-12-22"] = D("2017-11-27")
    assert [w.step for w in warned(snapshot(moved, told=told, keys={old_key, d.dedupe_key}), LEAD_DAY)] == []


def test_a_lead_warning_is_no_escalation_and_leaves_the_ladder_alone() -> None:
    """The decisions only: that persisting the lead's warning (level 2) raises no ladder is persist's
    guard, which tests/integration/test_sweep_forecast_late.py checks through the real sweep."""
    owner_key = f"Plan|TAP-12|{DUE}|forecast_late|owner|{OWNER}"
    snap = dataclasses.replace(
        snapshot(action(), told={f"TAP-12|{DUE}": D(FIRST)}, keys={owner_key}),
        ladders={"TAP-12": LadderView(1, D(DUE), D(FIRST))},
    )
    decisions = decide(snap, POLICY, ENG, D(LEAD_DAY))
    assert {d.rule for d in decisions} >= {"forecast_late"}
    assert not [d for d in decisions if d.kind in (EventKind.ESCALATED_TO_LEAD, EventKind.ESCALATED_TO_BOARD)]
    # Its next step is the ladder's, from where the item stands (level 1).
    [d] = [d for d in decisions if d.rule == "forecast_late"]
    assert d.facts["next_step"].startswith("escalates to you on ")


def test_the_window_read_holds_every_due_date_and_warning_that_can_matter() -> None:
    within = POLICY.forecast_late.within_days
    for day in map(D, ("2017-11-20", "2017-12-01", "2017-12-22", "2018-03-26")):  # Christmas, Easter
        window = window_for(day, [(1, "Plan", "Europe/London", POLICY, ENG)])
        assert window is not None
        [(_, _, told_from, due_by)] = window.plans.values()
        ahead = [day + timedelta(days=n) for n in range(120)]
        last = max(d for d in ahead if ENG.working_days_to_due(day, d) <= within)
        assert last <= due_by and ENG.working_days_to_due(day, due_by) <= within + 1
        # An owner told about a due date on or after `day` was told at most `within` working days before it.
        assert ENG.add_working_days(day, -within) >= told_from
    off = Policy.model_validate({"forecast_late": {"enabled": False}})
    assert window_for(D("2017-11-20"), [(1, "Plan", "Europe/London", off, ENG)]) is None


OWNER_KEY = f"Plan|TAP-12|{DUE}|forecast_late|owner|{OWNER}"
TOLD = {f"TAP-12|{DUE}": D(FIRST)}


def _away(who: str, start: str, end: str, **kw: object) -> PersonView:
    return PersonView(who, who.split("@")[0].title(), away_from=D(start), away_to=D(end), **kw)  # type: ignore[arg-type]


def test_the_owner_s_step_made_by_anyone_is_made_for_all() -> None:
    # Told on FIRST, then away with a deputy: the deputy is not told it again.
    away = {OWNER: _away(OWNER, "2017-11-27", "2017-12-08", manager=MANAGER, deputy=DEPUTY)}
    found: set[str] = set()
    snap = snapshot(action(), told=TOLD, keys={OWNER_KEY}, people=away)
    assert warned(snap, "2017-11-28", found=found) == []
    assert found == {OWNER_KEY}  # the warning made stands among the day's decisions
    # Their deputy told while they were away: back, the owner is not told it again.
    deputy_key = f"Plan|TAP-12|{DUE}|forecast_late|owner|{DEPUTY}"
    assert warned(snapshot(action(), told=TOLD, keys={deputy_key}), "2017-11-28") == []
    # And the lead's clock runs from the deputy's warning.
    [d] = warned(snapshot(action(), told=TOLD, keys={deputy_key}), LEAD_DAY)
    assert (d.step, d.recipient) == ("lead", MANAGER)


def test_the_lead_s_step_made_by_anyone_is_made_for_all() -> None:
    lead_key = f"Plan|TAP-12|{DUE}|forecast_late|lead|{MANAGER}"
    # The manager away the day after they were told: their deputy is not told it again.
    away = {MANAGER: _away(MANAGER, "2017-12-05", "2017-12-06", deputy=LEAD)}
    assert warned(snapshot(action(), told=TOLD, keys={OWNER_KEY, lead_key}, people=away), "2017-12-05") == []
    # A new manager: the lead's step was made.
    moved = {OWNER: PersonView(OWNER, "Owner", manager=DEPUTY)}
    assert warned(snapshot(action(), told=TOLD, keys={OWNER_KEY, lead_key}, people=moved), "2017-12-05") == []


def test_a_reassigned_item_warns_its_new_owner_and_the_lead_waits_for_it() -> None:
    # The old owner's warning was cancelled on the reassignment: it is not among the warnings made, so it
    # neither makes the step nor starts the lead's clock.
    new = action(owner=DEPUTY, last_update=D("2017-11-01"))
    [d] = warned(snapshot(new), LEAD_DAY)
    assert (d.step, d.recipient) == ("owner", DEPUTY)


def test_the_owner_is_promised_the_lead_only_on_or_before_the_due_date() -> None:
    [d] = warned(snapshot(action()), FIRST)
    assert d.facts["next_step"] == "your manager, Manager, is told on Monday 4 December 2017"
    # Due in 4 working days: the lead's step would come after it, so never; the ladder's next step stands.
    [d] = warned(snapshot(action(due="2017-11-24")), FIRST)
    assert "is told on" not in d.facts["next_step"]
    assert d.facts["next_step"].startswith("escalates to ")
    # On the due date itself, the lead's step still comes: promised.
    [d] = warned(snapshot(action(due="2017-12-04")), FIRST)
    assert d.facts["next_step"] == "your manager, Manager, is told on Monday 4 December 2017"


def test_an_owner_who_is_their_own_lead_gets_no_lead_step() -> None:
    # No manager, and the area lead: level 2 is the owner.
    key = f"Plan|TAP-12|{DUE}|forecast_late|owner|{LEAD}"
    found: set[str] = set()
    assert warned(snapshot(action(owner=LEAD), told=TOLD, keys={key}), LEAD_DAY, found=found) == []
    assert found == {key}


def test_a_deputy_reads_the_owner_s_warning_in_the_third_person() -> None:
    away = {OWNER: _away(OWNER, "2017-11-13", "2017-11-24", manager=MANAGER, deputy=DEPUTY)}
    [d] = warned(snapshot(action(), people=away), FIRST)
    assert "since Monday 4 September 2017 it would finish around Friday 22 June 2018" in d.reason


def test_a_made_warning_counts_on_the_lead_s_day_when_no_longer_late() -> None:
    on_pace = ((D("2017-10-04"), 40), (D("2017-10-18"), 55), (D("2017-11-01"), 70), (D("2017-11-15"), 85))
    found: set[str] = set()
    snap = snapshot(action(percent=85), history=on_pace, told=TOLD, keys={OWNER_KEY})
    assert warned(snap, LEAD_DAY, found=found) == []
    assert found == {OWNER_KEY}

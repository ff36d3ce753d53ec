"""The sweep's rules on plain values: every rule and definition, across weekends, bank holidays and the
clock changes. No database, no clock (freezegun only shows the rules never read it)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest
from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st

from config.policy import Policy, load_policy
from models.calendar import WorkingCalendar, local_date
from models.sweep.rules import Decision, decide, derived_rag
from models.sweep.snapshot import ItemView, LadderView, MeetingView, PersonView, Snapshot
from models.vocab import RAG, Audience, ItemKind, Status, day_in_words

D = date.fromisoformat
POLICY = load_policy()
ENG = WorkingCalendar("ENG")
OWNER, MANAGER, LEAD, DEPUTY, SEC = (
    f"{n}@example.org" for n in ("owner", "manager", "lead", "deputy", "sec")
)


def action(ref: str = "TAP-07", due: str = "2017-10-20", **kw) -> ItemView:
    base = dict(
        kind=ItemKind.ACTION,
        ref=ref,
        title="Decide on care proceedings",
        owner=OWNER,
        due=D(due),
        status=Status.IN_PROGRESS,
        area="CP",
        original_due=D(due),
        percent=40,
        last_update=None,
        start=None,
    )
    base.update(kw)
    return ItemView(**base)  # type: ignore[arg-type]


def snapshot(*items: ItemView, ladders=None, meetings=(), people=None) -> Snapshot:
    everyone = {
        OWNER: PersonView(OWNER, "Owner", manager=MANAGER, deputy=DEPUTY),
        MANAGER: PersonView(MANAGER, "Manager"),
        DEPUTY: PersonView(DEPUTY, "Deputy"),
        SEC: PersonView(SEC, "Secretariat"),
        LEAD: PersonView(LEAD, "Lead"),
    }
    everyone.update(people or {})
    return Snapshot(
        "Plan",
        "ENG",
        tuple(items),
        everyone,
        {"CP": LEAD},
        ladders or {},
        tuple(meetings),
        "Improvement Board",
        SEC,
    )


def run(snap: Snapshot, day: str, policy: Policy = POLICY, calendar: WorkingCalendar = ENG) -> list[Decision]:
    return decide(snap, policy, calendar, D(day))


def rules(decisions: list[Decision]) -> set[tuple[str, str, str]]:
    return {(d.rule, d.step, d.recipient) for d in decisions}


# --- due soon ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        ("2017-10-05", None),  # 11 working days before
        ("2017-10-06", "10"),  # 10 working days before (Friday 20 October due)
        ("2017-10-16", "10"),  # a catch-up: step 10 is still the latest that applies at 4 days
        ("2017-10-17", "3"),
        ("2017-10-19", "3"),  # 1 day before: the 3-day step still the latest
        ("2017-10-20", "0"),  # the due date itself
    ],
)
def test_due_soon_steps(today: str, expected: str | None) -> None:
    found = {d.step for d in run(snapshot(action()), today) if d.rule == "due_soon"}
    assert found == ({expected} if expected else set())


def test_due_soon_across_the_clocks_going_back() -> None:
    # Due Monday 30 October 2017; the clocks went back on Sunday 29 October.
    item = action(due="2017-10-30")
    assert {d.step for d in run(snapshot(item), "2017-10-25") if d.rule == "due_soon"} == {"3"}
    assert {d.step for d in run(snapshot(item), "2017-10-30") if d.rule == "due_soon"} == {"0"}


def test_due_on_a_saturday() -> None:
    item = action(due="2017-09-30")
    assert {d.step for d in run(snapshot(item), "2017-09-29") if d.rule == "due_soon"} == {"0"}
    overdue = [d for d in run(snapshot(item), "2017-10-02") if d.rule == "overdue"]
    assert [(d.step, d.facts["working_days_overdue"]) for d in overdue] == [("0", 1)]


def test_over_christmas_and_new_year() -> None:
    item = action(due="2018-01-02")
    # From Friday 22 December 2017: 27, 28, 29 December and 2 January are the working days ahead.
    assert run(snapshot(item), "2017-12-22")[0].facts["working_days_to_due"] == 4
    assert run(snapshot(item), "2017-12-25") == []  # Christmas Day: nothing at all
    assert run(snapshot(item), "2017-12-26") == []
    assert run(snapshot(item), "2018-01-01") == []


def test_local_closure_days_from_the_policy() -> None:
    policy = Policy.model_validate({"calendar": {"closures": ["12-27", "12-28", "12-29"]}})
    calendar = WorkingCalendar("ENG", policy.calendar.dates, policy.calendar.every_year)
    assert run(snapshot(action(due="2018-01-02")), "2017-12-27", policy, calendar) == []
    assert (
        run(snapshot(action(due="2018-01-02")), "2017-12-22", policy, calendar)[0].facts[
            "working_days_to_due"
        ]
        == 1
    )


def test_scottish_and_english_bank_holidays() -> None:
    item = action(due="2017-12-01")
    scot = WorkingCalendar("SCT")
    assert run(snapshot(item), "2017-11-30", calendar=scot) == []  # St Andrew's Day in Scotland
    english = run(snapshot(item), "2017-11-30")
    assert {(d.rule, d.step) for d in english} == {("due_soon", "3")}


def test_quiet_after_a_recent_update_but_escalations_still_go() -> None:
    item = action(due="2017-10-20", last_update=D("2017-10-18"), rag=RAG.RED)
    found = rules(run(snapshot(item), "2017-10-19"))
    assert ("due_soon", "3", OWNER) not in found
    assert ("reported_red", "2", MANAGER) in found


# --- overdue and the ladder --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "overdue_step", "level"),
    [
        ("2017-10-23", "0", None),  # 1 working day overdue
        ("2017-10-27", "0", 2),  # 5: to the manager
        ("2017-10-30", "1", 2),  # 6: the second overdue notice, every 5 days
        ("2017-11-03", "1", 3),  # 10: to the Improvement Board
    ],
)
def test_overdue_and_ladder(today: str, overdue_step: str, level: int | None) -> None:
    decisions = run(snapshot(action()), today)
    assert {d.step for d in decisions if d.rule == "overdue"} == {overdue_step}
    levels = {d.level for d in decisions if d.kind.startswith("Escalated")}
    assert levels == ({level} if level else set())
    if level == 2:
        assert {d.recipient for d in decisions if d.level == 2} == {MANAGER}
    if level == 3:
        board = [d for d in decisions if d.level == 3]
        assert {d.recipient for d in board} == {SEC} and "Improvement Board" in board[0].reason


def test_area_lead_when_there_is_no_manager() -> None:
    people = {OWNER: PersonView(OWNER, "Owner")}
    decisions = run(snapshot(action(), people=people), "2017-10-27")
    assert {d.recipient for d in decisions if d.level == 2} == {LEAD}


def test_red_twice_goes_to_the_board() -> None:
    decisions = run(snapshot(action(due="2017-12-20", rag=RAG.RED, consecutive_reds=2)), "2017-10-02")
    assert {(d.rule, d.level) for d in decisions if d.level > 1} == {("red_twice", 3)}


def test_ladder_only_climbs_and_resets_with_a_new_due_date() -> None:
    at_board = {"TAP-07": LadderView(3, D("2017-10-20"), D("2017-11-03"))}
    assert not [
        d for d in run(snapshot(action(), ladders=at_board), "2017-11-06") if d.kind.startswith("Escalated")
    ]
    rebaselined = action(due="2017-12-15")
    decisions = run(snapshot(rebaselined, ladders=at_board), "2017-11-06")
    closed = [d for d in decisions if d.kind == "EscalationClosed"]
    assert len(closed) == 1 and "re-baselined" in closed[0].reason
    assert not [d for d in decisions if d.kind.startswith("Escalated")]


def test_closed_items_produce_nothing_but_close_their_ladder() -> None:
    for status in (Status.COMPLETE, Status.CLOSED, Status.DEFERRED, Status.CANCELLED):
        ladder = {"TAP-07": LadderView(2, D("2017-10-20"), D("2017-10-27"))}
        decisions = run(snapshot(action(status=status), ladders=ladder), "2017-11-03")
        assert [d.kind for d in decisions] == ["EscalationClosed"]


def test_away_owner_deputy_is_told_on_their_behalf() -> None:
    away = {
        OWNER: PersonView(
            OWNER, "Owner", manager=MANAGER, deputy=DEPUTY, away_from=D("2017-10-16"), away_to=D("2017-10-20")
        )
    }
    decisions = run(snapshot(action(), people=away), "2017-10-17")
    reminder = next(d for d in decisions if d.rule == "due_soon")
    assert (reminder.recipient, reminder.on_behalf_of) == (DEPUTY, OWNER)
    assert reminder.facts["owner"] == OWNER  # the owner stays accountable


# --- stale updates, milestones, meetings -------------------------------------------------------------


def test_stale_updates_request_then_lead() -> None:
    item = action(due="2018-03-30", last_update=D("2017-09-04"))
    at_20 = ENG.add_working_days(D("2017-09-04"), 20)
    assert ("stale_update", "0", OWNER) in rules(run(snapshot(item), at_20.isoformat()))
    at_25 = ENG.add_working_days(D("2017-09-04"), 25)
    assert ("stale_update", "1", OWNER) in rules(run(snapshot(item), at_25.isoformat()))
    at_40 = ENG.add_working_days(D("2017-09-04"), 40)
    assert ("stale_lead", "2", MANAGER) in rules(run(snapshot(item), at_40.isoformat()))


def test_milestone_at_risk_and_missed() -> None:
    slipping = action(ref="TAP-01", due="2017-10-02")
    milestone = ItemView(
        ItemKind.MILESTONE,
        "MS-07",
        "Plan to Ofsted",
        LEAD,
        D("2017-10-20"),
        Status.NOT_STARTED,
        depends_on=("TAP-01",),
    )
    at_risk = run(snapshot(slipping, milestone), "2017-10-05")
    found = {(d.rule, d.recipient) for d in at_risk if d.ref == "MS-07" and d.level == 3}
    assert found == {("milestone_at_risk", SEC), ("milestone_at_risk", LEAD)}
    missed = run(snapshot(slipping, milestone), "2017-10-23")
    assert {d.rule for d in missed if d.ref == "MS-07" and d.level == 3} == {"milestone_missed"}


def milestone(due: str = "2017-12-22", owner: str = LEAD, **kw) -> ItemView:
    base = dict(
        kind=ItemKind.MILESTONE,
        ref="MS-07",
        title="Plan to Ofsted",
        owner=owner,
        due=D(due),
        status=Status.NOT_STARTED,
        original_due=D(due),
    )
    return ItemView(**{**base, **kw})


def missed_notices(decisions: list[Decision]) -> set[tuple[str, str]]:
    return {(d.kind, d.recipient) for d in decisions if d.ref == "MS-07" and d.rule == "milestone_missed"}


# (due date, days swept, the first working day after the date: the only day it is told)
MISSED_DAYS = [
    ("2017-12-08", ["2017-12-08", "2017-12-09", "2017-12-10"], "2017-12-11", "ENG"),  # a Friday: weekend
    ("2017-12-22", ["2017-12-25", "2017-12-26", "2017-12-27"], "2017-12-27", "ENG"),  # Christmas, Boxing Day
    ("2017-12-29", ["2018-01-01", "2018-01-02"], "2018-01-03", "SCT"),  # Scotland: 1 and 2 January
    ("2017-12-29", ["2018-01-01"], "2018-01-02", "ENG"),  # England: 1 January only
    (
        "2018-03-16",
        ["2018-03-17", "2018-03-19"],
        "2018-03-20",
        "NIR",
    ),  # St Patrick's: Saturday, so Monday off
    ("2018-03-16", [], "2018-03-19", "ENG"),  # the same date in England: Monday
]


@pytest.mark.parametrize(("due", "before", "told_on", "nation"), MISSED_DAYS)
def test_a_milestone_at_the_board_as_at_risk_is_told_missed_on_the_first_working_day_after(
    due: str, before: list[str], told_on: str, nation: str
) -> None:
    calendar = WorkingCalendar(nation)
    # Already at level 3 as at risk: the ladder has nothing higher, and on main nothing more was ever said.
    at_board = {"MS-07": LadderView(3, D(due), D("2017-11-20"))}
    snap = snapshot(
        action(ref="TAP-01", due="2017-11-01"), milestone(due, depends_on=("TAP-01",)), ladders=at_board
    )
    quiet_days = [day for day in before if day < told_on]
    for day in [due, *quiet_days]:
        assert missed_notices(run(snap, day, calendar=calendar)) == set(), day
    decisions = run(snap, told_on, calendar=calendar)
    assert missed_notices(decisions) == {("MilestoneMissed", SEC), ("MilestoneMissed", LEAD)}
    [told] = [d for d in decisions if d.kind == "MilestoneMissed" and d.recipient == LEAD]
    assert told.level == 3 and told.urgency == 5
    assert told.reason == (
        f"milestone MS-07 was due on {day_in_words(D(due))} and was not met: reported to Improvement Board"
    )
    assert (
        told.facts["next_step"]
        == "it stays on Improvement Board's exceptions list until it is met or re-baselined"
    )
    # Once: the next day's sweep (or any later one) finds the same keys already made.
    made = {d.dedupe_key for d in decisions}
    later = calendar.add_working_days(D(told_on), 1).isoformat()
    assert missed_notices(decide(snap, POLICY, calendar, D(later), made)) == set()
    # Not met, but no longer open (done or closed): nothing.
    done = snapshot(milestone(due, status=Status.COMPLETE), ladders=at_board)
    assert missed_notices(run(done, told_on, calendar=calendar)) == set()


def test_a_missed_milestone_caught_up_after_a_missed_sweep_and_told_to_the_deputy_of_an_away_owner() -> None:
    away = {LEAD: PersonView(LEAD, "Lead", deputy=DEPUTY, away_from=D("2017-12-01"), away_to=D("2018-01-31"))}
    snap = snapshot(milestone("2017-12-08"), people=away)
    decisions = run(snap, "2017-12-13")  # the service was down on Monday and Tuesday
    assert missed_notices(decisions) == {("MilestoneMissed", SEC), ("MilestoneMissed", DEPUTY)}
    [deputy] = [d for d in decisions if d.recipient == DEPUTY and d.kind == "MilestoneMissed"]
    assert deputy.on_behalf_of == LEAD
    assert deputy.facts["owner_name"] == "Lead" and deputy.facts["covering"] == "Deputy"
    assert not [d for d in decisions if d.kind == "EscalatedToBoard"]  # one notice of the fact, not two


def test_what_happens_next_is_right_for_the_reader_and_the_level() -> None:
    named = {
        OWNER: PersonView(OWNER, "Alex Smith", manager=MANAGER),
        MANAGER: PersonView(MANAGER, "Sam Jones"),
    }
    item = action(due="2017-10-20")
    # Level 1, due soon: the owner reads their manager's name.
    [reminder] = run(snapshot(item, people=named), "2017-10-17")
    assert reminder.facts["next_step"] == "escalates to your manager, Sam Jones, on Friday 27 October 2017"
    # Level 2, to the manager: the next rung is the board, not the manager themselves.
    to_manager = [d for d in run(snapshot(item, people=named), "2017-10-27") if d.kind == "EscalatedToLead"]
    [lead] = to_manager
    assert lead.recipient == MANAGER
    assert lead.facts["next_step"] == "escalates to Improvement Board on Friday 3 November 2017"
    assert "owner's manager" not in lead.facts["next_step"]
    # A reminder to the owner of an item already at level 2 also names the board as the next step.
    at_two = {"TAP-07": LadderView(2, D("2017-10-20"), D("2017-10-16"))}
    red = action(due="2017-10-20", rag=RAG.RED)
    [soon] = run(snapshot(red, people=named, ladders=at_two), "2017-10-17")
    assert soon.facts["next_step"] == "escalates to Improvement Board on Friday 3 November 2017"
    # The manager who covers for the owner reads that it escalates to them.
    away = {
        **named,
        OWNER: named[OWNER]._replace(deputy=MANAGER, away_from=D("2017-10-16"), away_to=D("2017-10-31")),
    }
    [covering] = run(snapshot(item, people=away), "2017-10-17")
    assert covering.recipient == MANAGER
    assert covering.facts["next_step"] == "escalates to you on Friday 27 October 2017"
    # The area lead, when the owner has no manager.
    alone = {OWNER: PersonView(OWNER, "Alex Smith"), LEAD: PersonView(LEAD, "Kim Lee")}
    [to_owner] = run(snapshot(item, people=alone), "2017-10-17")
    assert to_owner.facts["next_step"] == "escalates to the area lead, Kim Lee, on Friday 27 October 2017"


def test_what_happens_next_for_a_milestone_at_the_board_does_not_send_it_there_again() -> None:
    slipping = action(ref="TAP-01", due="2017-11-01")
    snap = snapshot(slipping, milestone("2017-12-08", depends_on=("TAP-01",)))
    [at_risk] = [d for d in run(snap, "2017-11-20") if d.recipient == LEAD and d.ref == "MS-07"]
    assert at_risk.kind == "EscalatedToBoard"
    assert at_risk.facts["next_step"] == (
        "it stays on Improvement Board's exceptions list; if it is not met by Friday 8 December 2017, "
        "Improvement Board and its owner are told on Monday 11 December 2017 that it was missed"
    )
    at_board = {"MS-07": LadderView(3, D("2017-12-08"), D("2017-11-20"))}
    snap = snapshot(slipping, milestone("2017-12-08", depends_on=("TAP-01",)), ladders=at_board)
    [soon] = [d for d in run(snap, "2017-12-05") if d.ref == "MS-07"]
    assert soon.rule == "due_soon" and "goes to" not in soon.facts["next_step"]
    assert soon.facts["next_step"].startswith("it stays on Improvement Board's exceptions list")
    [ahead] = [d for d in run(snapshot(milestone("2017-12-08")), "2017-11-24") if d.ref == "MS-07"]
    assert ahead.facts["next_step"] == (
        "if it is not met by Friday 8 December 2017, Improvement Board and its owner are told on "
        "Monday 11 December 2017"
    )


def test_a_milestone_is_at_risk_only_from_the_dependencies_that_slip() -> None:
    # TAP-04 is complete (a closed item is not in the sweep's open items, or is, with a closed status),
    # TAP-02 is on track, TAP-05 is overdue and TAP-09 is reported red.
    items = (
        action(ref="TAP-04", due="2017-10-13", status=Status.COMPLETE),
        action(ref="TAP-02", due="2018-01-31"),
        action(ref="TAP-05", due="2017-11-14"),
        action(ref="TAP-09", due="2018-01-31", rag=RAG.RED),
    )
    ms = milestone("2017-12-08", depends_on=("TAP-02", "TAP-04", "TAP-05", "TAP-09"))
    decisions = [d for d in run(snapshot(*items, ms), "2017-11-20") if d.ref == "MS-07"]
    at_risk = [d for d in decisions if d.rule == "milestone_at_risk"]
    assert {d.recipient for d in at_risk} == {SEC, LEAD}
    assert at_risk[0].reason == (
        "milestone MS-07 is due in 14 working days and at risk from TAP-05 (4 working days overdue) and "
        "TAP-09 (reported red): escalated to Improvement Board"
    )
    assert at_risk[0].facts["at_risk_from"] == ["TAP-05 (4 working days overdue)", "TAP-09 (reported red)"]
    on_track = [d for d in run(snapshot(items[1], ms), "2017-11-27") if d.ref == "MS-07"]
    assert [d.facts["at_risk_from"] for d in on_track] == [[]]


def test_escalations_name_the_owner_and_the_deputy_covering() -> None:
    away = {OWNER: PersonView(OWNER, "Alex Smith", manager=MANAGER, deputy=DEPUTY,
                              away_from=D("2017-10-23"), away_to=D("2017-11-03"))}  # fmt: skip
    [lead] = [d for d in run(snapshot(action(), people=away), "2017-10-27") if d.kind == "EscalatedToLead"]
    facts = lead.facts
    assert (facts["owner_name"], facts["covering"], facts["recipient_name"]) == (
        "Alex Smith",
        "Deputy",
        "Manager",
    )
    [back] = [
        d for d in run(snapshot(action(), people=away), "2017-11-06") if d.kind == "OverdueNoticeQueued"
    ]
    assert back.recipient == OWNER and back.facts["covering"] is None


def test_meeting_chase_for_silent_owners_in_scope() -> None:
    silent = action(ref="TAP-01", due="2018-03-30", last_update=D("2017-09-04"), area="CP")
    recent = action(ref="TAP-02", due="2018-03-30", last_update=D("2017-09-26"), area="CP")
    other = action(ref="TAP-03", due="2018-03-30", last_update=D("2017-09-04"), area="LAC")
    meetings = [MeetingView("Scrutiny", D("2017-10-17"), Audience.SCRUTINY, "CP")]
    ten_before = ENG.add_working_days(D("2017-10-17"), -10)
    chased = [
        d
        for d in run(snapshot(silent, recent, other, meetings=meetings), ten_before.isoformat())
        if d.rule.startswith("meeting_chase")
    ]
    assert [(d.ref, d.step) for d in chased] == [("TAP-01", "10")]
    seven_before = ENG.add_working_days(D("2017-10-17"), -7)
    chased = [
        d
        for d in run(snapshot(silent, recent, other, meetings=meetings), seven_before.isoformat())
        if d.rule.startswith("meeting_chase")
    ]
    assert [(d.ref, d.step) for d in chased] == [("TAP-01", "7")]


@pytest.mark.parametrize(
    ("item", "today", "expected"),
    [
        (action(due="2017-10-20"), "2017-10-23", "red"),  # overdue
        (action(due="2018-01-20", rag=RAG.RED), "2017-10-02", "red"),  # reported red
        (action(due="2017-10-10", percent=30), "2017-10-02", "amber"),  # soon and under half done
        (action(due="2017-10-10", percent=80), "2017-10-02", "green"),
        (action(due="2018-01-20", rebaseline_count=1), "2017-10-02", "amber"),  # re-baselined
        (action(due="2018-01-20", last_update=D("2017-09-01")), "2017-10-02", "amber"),  # stale
        (action(due="2018-01-20", rag=RAG.AMBER), "2017-10-02", "amber"),
        (action(due="2018-01-20", last_update=D("2017-09-29")), "2017-10-02", "green"),
        (action(due="2017-10-01", status=Status.COMPLETE), "2017-10-02", "complete"),
    ],
)
def test_derived_rag(item: ItemView, today: str, expected: str) -> None:
    to_due = ENG.working_days_to_due(D(today), item.due)
    last = item.last_update
    since = ENG.count_between(last, D(today)) if last else None
    assert derived_rag(item, to_due, since, POLICY) == expected


# --- properties --------------------------------------------------------------------------------------

days = st.dates(min_value=date(2017, 1, 1), max_value=date(2019, 12, 31))
items = st.builds(
    action,
    ref=st.sampled_from(["TAP-01", "TAP-02", "TAP-03"]),
    due=days.map(date.isoformat),
    rag=st.sampled_from([None, RAG.RED, RAG.AMBER, RAG.GREEN]),
    consecutive_reds=st.integers(0, 3),
    last_update=st.one_of(st.none(), days),
    percent=st.integers(0, 100),
)


@given(st.lists(items, min_size=1, max_size=3, unique_by=lambda i: i.ref), days)
def test_nothing_is_decided_on_a_non_working_day(its: list[ItemView], day: date) -> None:
    decisions = decide(snapshot(*its), POLICY, ENG, day)
    if not ENG.is_working_day(day):
        assert decisions == []
    assert len({d.dedupe_key for d in decisions}) == len(decisions)  # one decision per key, ever


@settings(max_examples=60)
@given(
    st.lists(items, min_size=1, max_size=3, unique_by=lambda i: i.ref),
    st.lists(days, min_size=1, max_size=40),
)
def test_any_sequence_of_sweeps_keeps_the_dedupe_key_and_the_ladder_climbs(
    its: list[ItemView], sweep_days: list[date]
) -> None:
    """A fake store plays the database's part: decided keys, and the ladder each escalation raises."""
    decided: set[str] = set()
    ladders: dict[str, LadderView] = {}
    levels: dict[tuple[str, date], list[int]] = {}
    for day in sorted(sweep_days):
        new = [
            d
            for d in decide(snapshot(*its, ladders=ladders), POLICY, ENG, day)
            if d.dedupe_key not in decided
        ]
        again = [
            d
            for d in decide(snapshot(*its, ladders=ladders), POLICY, ENG, day)
            if d.dedupe_key not in decided
        ]
        assert {d.dedupe_key for d in new} == {d.dedupe_key for d in again}  # deterministic
        for d in new:
            decided.add(d.dedupe_key)
            if d.kind.startswith("Escalated"):
                ladders[d.ref] = LadderView(d.level, d.due, day)
                levels.setdefault((d.ref, d.due), []).append(d.level)
    for climbed in levels.values():
        assert climbed == sorted(climbed)  # never down, without a reset


@freeze_time("2017-10-29T00:30:00+00:00")
def test_rules_never_read_the_clock() -> None:
    # Under a frozen clock (01:30 BST on the night the clocks go back) the rules answer for the day they
    # are given, not for the frozen "now".
    assert local_date(datetime.now(UTC)) == D("2017-10-29")
    decisions = run(snapshot(action(due="2017-10-30")), "2017-10-27")
    assert {(d.rule, d.step) for d in decisions} == {("due_soon", "3")}
    assert decisions[0].facts["working_days_to_due"] == 1


def test_a_new_due_date_starts_new_keys() -> None:
    first = run(snapshot(action()), "2017-10-20")
    moved = run(snapshot(action()._replace(due=D("2017-11-20"))), "2017-11-20")
    assert {d.dedupe_key for d in first}.isdisjoint({d.dedupe_key for d in moved})
    assert moved and all("|2017-11-20|" in d.dedupe_key for d in moved)


def test_decisions_already_made_are_left_out() -> None:
    snap = snapshot(action(due="2017-10-20"), action("TAP-08", due="2017-10-13"))
    everything = run(snap, "2017-10-16")
    assert len(everything) >= 2
    made = {everything[0].dedupe_key}
    rest = decide(snap, POLICY, ENG, D("2017-10-16"), made)
    assert [d.dedupe_key for d in rest] == [d.dedupe_key for d in everything[1:]]
    assert decide(snap, POLICY, ENG, D("2017-10-16"), {d.dedupe_key for d in everything}) == []


def test_a_plan_without_a_secretariat_is_told_of_a_missed_milestone_once() -> None:
    # With no board secretariat the owner alone is told; nothing without a recipient is decided, which no
    # notice could dedupe and so every sweep would decide (and record) again.
    at_board = {"MS-07": LadderView(3, D("2017-11-30"), D("2017-11-20"))}
    snap = dataclasses.replace(
        snapshot(milestone("2017-11-30", depends_on=("TAP-01",)), ladders=at_board), board_secretariat=None
    )
    decisions = run(snap, "2017-12-01")
    assert missed_notices(decisions) == {("MilestoneMissed", LEAD)}
    assert all(d.recipient for d in decisions if d.kind == "MilestoneMissed")


def test_one_calendar_swept_for_other_days_in_turn_counts_from_each_day() -> None:
    """The working days from today are kept per calendar for the last day swept (the plans of one nation
    share them): sweeping another day with the same calendar counts from that day, as a new calendar does."""
    snap = snapshot(action(due="2017-10-20"))
    shared = WorkingCalendar("ENG")

    def seen(decisions: list[Decision]) -> list[tuple[str, str, dict]]:
        return [(d.dedupe_key, d.reason, d.facts) for d in decisions]

    for day in ("2017-10-18", "2017-10-23", "2017-10-18"):
        fresh = seen(run(snap, day, calendar=WorkingCalendar("ENG")))
        assert fresh and seen(run(snap, day, calendar=shared)) == fresh

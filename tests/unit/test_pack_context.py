"""The pack's content, pure: a small fixture plan, a previous pack to compare with, and the golden context
(tests/unit/golden/pack_context.json). Regenerate the golden file with LINEOFSIGHT_REGOLD=1, then read the
diff before committing it."""

from __future__ import annotations

import dataclasses
import json
import os
from datetime import date
from pathlib import Path
from typing import Any

from config.policy import load_policy
from models.calendar import WorkingCalendar
from models.reports.pack_data.facts import (
    ActionFact,
    AreaFact,
    DeadNoticeFact,
    EscalationFact,
    ItemSummary,
    MilestoneFact,
    PackData,
    PreviousPack,
)
from models.vocab import RAG, Audience, Status
from packs.context import build_pack_context

GOLDEN = Path(__file__).with_name("golden") / "pack_context.json"
POLICY = load_policy()
CALENDAR = WorkingCalendar("ENG")
PACK_DAY = date(2017, 10, 30)
MEETING = date(2017, 11, 7)
SECRET = "Legal advice on the Smith case <b>exempt</b>"


def _action(ref: str, area: str, due: date, status: Status, rag: RAG | None, **kw: Any) -> ActionFact:
    fields: dict[str, Any] = {
        "ref": ref,
        "title": f"Action {ref}",
        "area": area,
        "owner": "Head of Practice",
        "owner_email": "head.practice@example.org",
        "original_due": due,
        "current_due": due,
        "status": status,
        "rag": rag,
        "start": date(2017, 9, 4),
        "last_update": date(2017, 10, 20),
    }
    fields.update(kw)
    return ActionFact(**fields)


def fixture_data() -> PackData:
    ip, done = Status.IN_PROGRESS, Status.COMPLETE
    return PackData(
        plan="Test Plan",
        organisation="Example Council",
        board="Improvement Board",
        meeting_date=MEETING,
        theme_area="A1",
        next_meeting=date(2017, 12, 5),
        areas=(AreaFact("A1", "Management oversight"), AreaFact("A2", "Workforce"), AreaFact("A3", "Empty")),
        actions=(
            # Overdue since 13 October, at level 3: an exception, newly red.
            _action(
                "ACT-1",
                "A1",
                date(2017, 10, 13),
                ip,
                RAG.AMBER,
                percent=60,
                commentary="Audits <script>alert(1)</script> delayed by sickness.",
                commentary_on=date(2017, 10, 20),
            ),
            # Re-baselined since the previous pack: amber.
            _action(
                "ACT-2",
                "A2",
                date(2017, 12, 20),
                ip,
                RAG.GREEN,
                original_due=date(2017, 10, 20),
                rebaseline_count=1,
            ),
            # Completed since the previous pack; the owner's last RAG, from before it was done, was amber.
            _action("ACT-3", "A1", date(2017, 10, 27), done, RAG.AMBER, percent=100),
            # Its owner reports green, but has not updated for 28 working days: amber, and silent.
            _action(
                "ACT-4",
                "A2",
                date(2018, 1, 31),
                ip,
                RAG.GREEN,
                percent=20,
                owner="Head of Workforce",
                owner_email="head.workforce@example.org",
                last_update=date(2017, 9, 20),
            ),
            # Exempt: red and at level 3; a public pack must not betray it in any way.
            _action(
                "EX-9",
                "A1",
                date(2017, 10, 2),
                ip,
                RAG.RED,
                title=SECRET,
                exempt=True,
                commentary="Counsel's opinion awaited",
                commentary_on=date(2017, 10, 25),
            ),
        ),
        milestones=(
            MilestoneFact(
                "MS-1",
                "Plan to the inspectorate",
                date(2017, 12, 1),
                "Director",
                Status.NOT_STARTED,
                ("ACT-1", "ACT-3", "EX-9"),  # ACT-3 is complete, its due date past: no risk any more
            ),
            MilestoneFact("MS-0", "Monitoring visit", date(2017, 10, 25), "Director", Status.NOT_STARTED),
        ),
        escalations=(
            EscalationFact(
                "ACT-1",
                2,
                date(2017, 10, 13),
                "overdue_lead",
                "ACT-1 is 5 working days overdue",
                date(2017, 10, 20),
            ),
            EscalationFact(
                "ACT-1",
                3,
                date(2017, 10, 13),
                "overdue_board",
                "ACT-1 is 10 working days overdue",
                date(2017, 10, 27),
            ),
            EscalationFact(
                "EX-9",
                3,
                date(2017, 10, 2),
                "overdue_board",
                "EX-9 is 10 working days overdue",
                date(2017, 10, 16),
            ),
            EscalationFact(
                "MS-0",
                3,
                date(2017, 10, 25),
                "milestone_missed",
                "milestone MS-0 was due on 25 October 2017 and is not met",
                date(2017, 10, 26),
            ),
            EscalationFact(
                "ACT-2",
                2,
                date(2017, 10, 20),
                "reported_red",
                "reported red",
                date(2017, 10, 2),
                date(2017, 10, 24),
                "re-baselined",
            ),
        ),
        dead_notices=(
            DeadNoticeFact("OverdueNoticeQueued", "gone@example.org", "ACT-1", "550 no such user"),
            DeadNoticeFact("OverdueNoticeQueued", "gone@example.org", "EX-9", "550 no such user"),
        ),
        head_seq=412,
        head_hash="ab" * 32,
    )


def previous_pack(audience: Audience = Audience.BOARD) -> PreviousPack:
    def item(ref: str, area: str, rag: str, status: str, due: str, level: int = 1) -> ItemSummary:
        return ItemSummary(ref, area, rag, status, due, level)

    items = [
        item("ACT-1", "A1", "amber", "in progress", "2017-10-13"),
        item("ACT-2", "A2", "amber", "in progress", "2017-10-20", 2),
        item("ACT-3", "A1", "amber", "in progress", "2017-10-27"),
        item("ACT-4", "A2", "green", "in progress", "2018-01-31"),
    ]
    if audience is Audience.BOARD:
        items.append(item("EX-9", "A1", "red", "in progress", "2017-10-02", 3))
    return PreviousPack(date(2017, 10, 3), date(2017, 9, 25), audience, {i.ref: i for i in items})


def build(audience: Audience, previous: tuple[PreviousPack, ...] | None = None):
    return build_pack_context(
        fixture_data(),
        (previous_pack(audience),) if previous is None else previous,
        POLICY,
        CALENDAR,
        PACK_DAY,
        PACK_DAY,
        audience,
    )


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(dataclasses.asdict(value), default=str))


def test_board_context_matches_the_golden_file() -> None:
    got = {a.value: _plain(build(a)) for a in Audience}
    if os.environ.get("LINEOFSIGHT_REGOLD"):
        GOLDEN.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n")
    assert got == json.loads(GOLDEN.read_text())


def test_board_pack_counts_changes_and_exceptions() -> None:
    c = build(Audience.BOARD)
    assert (c.total.red, c.total.amber, c.total.green, c.total.complete) == (2, 2, 0, 1)
    assert c.total_change is not None and c.total_change.red == 1 and c.total_change.complete == 1
    assert [e.ref for e in c.exceptions] == ["EX-9", "MS-0", "ACT-1"]
    act1 = c.exceptions[2]
    assert act1.working_days_on_list == 1 and act1.commentary and "<script>" in act1.commentary
    assert [x.ref for x in c.changes.newly_red] == ["ACT-1"]
    assert [x.ref for x in c.changes.newly_complete] == ["ACT-3"]
    assert [(r.ref, r.was, r.now) for r in c.changes.rebaselined] == [
        ("ACT-2", "2017-10-20", date(2017, 12, 20))
    ]
    assert [(m.ref, m.level) for m in c.changes.raised] == [
        ("ACT-2", 2),
        ("EX-9", 3),
        ("ACT-1", 2),
        ("MS-0", 3),
        ("ACT-1", 3),
    ]
    assert [m.ref for m in c.changes.closed] == ["ACT-2"]
    assert [m.ref for m in c.milestones_ahead] == ["MS-1"] and c.milestones_ahead[0].slipping == (
        "ACT-1",
        "EX-9",
    )
    assert [m.ref for m in c.milestones_missed] == ["MS-0"]
    assert [s.email for s in c.silent] == ["head.workforce@example.org"]
    assert [x.ref for x in c.theme_actions] == ["ACT-1", "ACT-3", "EX-9"]
    assert len(c.trend) == 2 and c.trend[-1].counts == c.total
    assert {i.ref for i in c.items} == {"ACT-1", "ACT-2", "ACT-3", "ACT-4", "EX-9"}


def test_a_first_pack_has_nothing_to_compare_with() -> None:
    c = build(Audience.BOARD, previous=())
    assert c.total_change is None and c.changes.since is None
    assert c.changes.newly_red == () and all(a.change is None for a in c.areas)
    assert len(c.trend) == 1
    # With no previous pack, silence is measured over the policy's chase window before the pack date.
    assert c.silent_since == CALENDAR.add_working_days(PACK_DAY, -POLICY.meetings.chase_days[0])


def test_public_pack_withholds_every_trace_of_exempt_items() -> None:
    c = build(Audience.PUBLIC)
    assert c.withheld == 1
    text = json.dumps(_plain(c))
    for secret in ("EX-9", "Smith", "Counsel", "gone@example.org"):
        assert secret not in text
    assert c.total.total == 4 and c.total.red == 1  # counts would otherwise reveal the red exempt item
    assert c.milestones_ahead[0].depends_on == ("ACT-1", "ACT-3")
    assert c.milestones_ahead[0].slipping == ("ACT-1",)
    assert "silent" not in c.sections and "dead" not in c.sections


def test_scrutiny_pack_is_the_summary_and_the_theme() -> None:
    c = build(Audience.SCRUTINY)
    assert c.sections == ("summary", "figures", "theme", "silent", "rules")
    assert [h.topic for h in c.headlines] == [
        "Where the plan stands",
        "Since the last pack",
        "This meeting's theme",
    ]
    assert [s.email for s in c.silent] == []  # the theme area's owners all updated


def test_rules_are_written_from_the_policy() -> None:
    strict = POLICY.model_copy(
        update={"ladder": POLICY.ladder.model_copy(update={"board_after_overdue_days": 7})}
    )
    words = dict(
        build_pack_context(fixture_data(), (), strict, CALENDAR, PACK_DAY, PACK_DAY, Audience.BOARD).rules
    )
    assert "it is 7 working days overdue" in words["Level 3: the Improvement Board"]
    assert "England" in words["Working days"]


def test_the_ladders_rules_say_or_where_any_one_reason_is_enough() -> None:
    words = dict(build(Audience.BOARD).rules)
    assert (
        "when the owner reports it red on 2 updates in a row, it is 10 working days overdue or a milestone "
        "is at risk or missed." in words["Level 3: the Improvement Board"]
    )
    assert "overdue, the owner reports it red or it has had no update" in words["Level 2: manager or lead"]
    assert (
        "still open and overdue or red (a completed one is no risk)"
        in words["Level 3: the Improvement Board"]
    )


def test_a_milestone_is_at_risk_only_from_its_open_slipping_dependencies() -> None:
    ahead = build(Audience.BOARD).milestones_ahead[0]
    # ACT-3 was due on 27 October, before the pack date, but it is complete: nothing to fear from it.
    assert ahead.depends_on == ("ACT-1", "ACT-3", "EX-9")
    assert ahead.slipping == ("ACT-1", "EX-9") and ahead.state == "at risk"


def test_a_milestone_whose_date_passed_unmet_is_marked_missed() -> None:
    c = build(Audience.BOARD)
    assert [(m.ref, m.state) for m in c.milestones_missed] == [("MS-0", "missed")]
    on_list = {e.ref: e for e in c.exceptions}
    assert on_list["MS-0"].kind == "milestone" and on_list["MS-0"].rag == "missed"


def test_a_milestone_at_the_board_as_at_risk_reads_missed_once_its_date_has_passed() -> None:
    """Issue #14 review, finding 8: its ladder row is the one from when it was at risk (it climbs no
    higher), but the exceptions line no longer says it "is due in 3 working days"."""
    at_risk = EscalationFact(
        "MS-0",
        3,
        date(2017, 10, 25),
        "milestone_at_risk",
        "milestone MS-0 is due in 3 working days and at risk from ACT-1",
        date(2017, 10, 20),
    )
    data = fixture_data()
    data = dataclasses.replace(
        data, escalations=tuple(at_risk if e.ref == "MS-0" else e for e in data.escalations)
    )
    c = build_pack_context(data, (previous_pack(),), POLICY, CALENDAR, PACK_DAY, PACK_DAY, Audience.BOARD)
    line = next(e for e in c.exceptions if e.ref == "MS-0")
    assert line.rag == "missed"
    assert line.why == (
        "milestone MS-0 was due on Wednesday 25 October 2017 and was not met: reported to Improvement Board"
    )
    # Before its date, the at-risk words stand.
    early = build_pack_context(
        data, (previous_pack(),), POLICY, CALENDAR, date(2017, 10, 23), date(2017, 10, 23), Audience.BOARD
    )
    assert next(e for e in early.exceptions if e.ref == "MS-0").why == at_risk.reason


def test_a_closed_action_shows_complete_not_its_owners_last_rag() -> None:
    c = build(Audience.BOARD)
    act3 = next(x for area in c.register for x in area.actions if x.ref == "ACT-3")
    assert (act3.rag, act3.owner_rag) == ("complete", "complete")  # the owner last said amber


def test_exceptions_carry_the_owners_rag_beside_the_derived_one() -> None:
    act1 = next(e for e in build(Audience.BOARD).exceptions if e.ref == "ACT-1")
    assert (act1.rag, act1.owner_rag) == ("red", "amber")


def test_the_register_is_grouped_under_area_headings() -> None:
    c = build(Audience.BOARD)
    assert [(a.code, a.name, [x.ref for x in a.actions]) for a in c.register] == [
        ("A1", "Management oversight", ["ACT-1", "ACT-3", "EX-9"]),
        ("A2", "Workforce", ["ACT-2", "ACT-4"]),
    ]  # A3 has no actions: no empty heading


def test_the_summary_says_in_words_where_the_plan_stands_and_what_changed() -> None:
    words = {h.topic: h for h in build(Audience.BOARD).headlines}
    assert list(words) == [
        "Where the plan stands",
        "Since the last pack",
        "Exceptions",
        "Milestones",
        "This meeting's theme",
    ]
    assert words["Where the plan stands"].text.startswith(
        "1 of 5 actions is complete (20%). Of the 4 still open, 2 are red, 2 amber and 0 green."
    )
    since = words["Since the last pack"]
    assert since.text == (
        "Since the previous pack, of Monday 25 September 2017: red up 1 to 2, amber down 1 to 2, "
        "green down 1 to 0 and complete up 1 to 1."
    )
    assert (
        "Newly red (1): ACT-1." in since.points
        and "Raised to the Board (3): ACT-1, EX-9, MS-0." in since.points
    )
    exceptions = words["Exceptions"]
    assert exceptions.text == "3 items are on the Board's exceptions list, 1 milestone and 2 actions."
    # A missed milestone matters most, then the action longest on the list.
    assert (
        exceptions.points[0] == "MS-0 Monitoring visit: was due on Wednesday 25 October 2017 and is missed."
    )
    assert (
        exceptions.points[1].startswith("EX-9 ")
        and "10 working days, since Monday 16 October 2017" in exceptions.points[1]
    )
    milestones = words["Milestones"]
    assert milestones.text == (
        "1 milestone falls due up to Tuesday 5 December 2017, 1 at risk. 1 milestone has been missed."
    )
    assert (
        "MS-1 Plan to the inspectorate: due on Friday 1 December 2017, at risk from ACT-1, EX-9."
        in milestones.points
    )


def test_a_first_packs_summary_says_there_is_nothing_to_compare() -> None:
    since = {h.topic: h for h in build(Audience.BOARD, previous=()).headlines}["Since the last pack"]
    assert (
        since.text == "This is the first pack for this board and audience: nothing to compare."
        and not since.points
    )


def test_the_public_summary_counts_only_what_can_be_published() -> None:
    words = {h.topic: h for h in build(Audience.PUBLIC).headlines}
    assert words["Where the plan stands"].text.endswith("1 exempt item is withheld.")
    assert words["Exceptions"].text == "2 items are on the Board's exceptions list, 1 milestone and 1 action."


def _with_exempt_forecast_late() -> PackData:
    """EX-9, exempt, moved to a due date ahead and reporting 5% then 10%: forecast months late."""
    data = fixture_data()
    actions = tuple(
        dataclasses.replace(
            a, current_due=date(2018, 1, 15), reported=((date(2017, 9, 4), 5), (date(2017, 10, 20), 10))
        )
        if a.ref == "EX-9"
        else a
        for a in data.actions
    )
    return dataclasses.replace(data, actions=actions)


def test_the_forecast_list_holds_open_actions_not_yet_due_forecast_late_latest_first() -> None:
    data = _with_exempt_forecast_late()
    c = build_pack_context(data, (), POLICY, CALENDAR, PACK_DAY, PACK_DAY, Audience.BOARD)
    assert c.sections.index("forecast") == c.sections.index("exceptions") - 1  # before the exceptions
    assert [f.ref for f in c.forecast_late] == ["EX-9", "ACT-4"]  # the later first
    ex9 = c.forecast_late[0]
    assert (
        ex9.percent == 10
        and ex9.since == date(2017, 9, 4)
        and ex9.late_by > POLICY.forecast_late.late_by_days
    )
    assert ex9.central > ex9.current_due and ex9.working_days_to_due == CALENDAR.working_days_to_due(
        PACK_DAY, date(2018, 1, 15)
    )
    # ACT-1 is overdue (the exceptions speak for it); ACT-3 finished early enough or has no pace.
    assert "ACT-1" not in {f.ref for f in c.forecast_late}
    public = build_pack_context(data, (), POLICY, CALENDAR, PACK_DAY, PACK_DAY, Audience.PUBLIC)
    assert [f.ref for f in public.forecast_late] == ["ACT-4"]  # the exempt action is not there to forecast


def test_a_plan_that_turns_the_forecast_off_has_no_forecast_list() -> None:
    off = POLICY.model_copy(
        update={"forecast_late": POLICY.forecast_late.model_copy(update={"enabled": False})}
    )
    c = build_pack_context(
        _with_exempt_forecast_late(), (), off, CALENDAR, PACK_DAY, PACK_DAY, Audience.BOARD
    )
    assert "forecast" not in c.sections and c.forecast_late == ()
    later = POLICY.model_copy(
        update={"forecast_late": POLICY.forecast_late.model_copy(update={"late_by_days": 200})}
    )
    assert (
        build_pack_context(
            fixture_data(), (), later, CALENDAR, PACK_DAY, PACK_DAY, Audience.BOARD
        ).forecast_late
        == ()
    )

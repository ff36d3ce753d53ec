"""A pack's moment and the plan rolled back to it, with plain values: which ledger events count at a moment,
how the cover says the moment, and each kind of later change undone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from models.errors import InvalidValue
from models.reports.pack_data.facts import ActionFact, AreaFact, MilestoneFact, PackData
from models.reports.pack_data.history import People, roll_back
from models.reports.pack_data.moment import AsOf, Recorded, default_as_of, end_of, parse_as_of, split
from models.vocab import RAG, Status

LONDON = "Europe/London"
PLAN = "Plan"
WRITTEN = datetime(2026, 12, 1, 22, 0, tzinfo=UTC)  # the demo writes 2017's history today
PACK_DAY = date(2017, 11, 27)


def event(seq: int, kind: str, data: dict | None = None, ref: str | None = None, at=WRITTEN) -> Recorded:
    return Recorded(seq, f"h{seq}", at, kind, PLAN, ref, data or {})


def test_the_default_moment_is_the_end_of_the_pack_date_however_late() -> None:
    late = default_as_of(PACK_DAY, LONDON, date(2018, 3, 1), datetime(2018, 3, 1, 9, tzinfo=UTC))
    assert late == end_of(PACK_DAY, LONDON)
    assert late.day == PACK_DAY and late.words == "end of Monday 27 November 2017"
    assert str(late) == "end of Monday 27 November 2017"


def test_built_before_its_date_ends_a_pack_speaks_as_of_the_moment_it_is_built() -> None:
    early = default_as_of(PACK_DAY, LONDON, PACK_DAY, datetime(2017, 11, 27, 6, 30, tzinfo=UTC))
    assert early.words == "06:30 on Monday 27 November 2017" and not early.chosen
    naive = default_as_of(PACK_DAY, LONDON, PACK_DAY, datetime(2017, 11, 27, 6, 30))  # the plan's local time
    assert naive == early


def test_as_of_a_date_means_its_end_and_a_time_that_moment() -> None:
    assert parse_as_of("2017-11-27", LONDON) == end_of(PACK_DAY, LONDON, chosen=True)
    chosen = parse_as_of("2017-11-30T12:00", LONDON)
    assert chosen.day == date(2017, 11, 30) and chosen.chosen
    assert str(chosen) == "12:00 on Thursday 30 November 2017 (chosen with --as-of)"
    with pytest.raises(InvalidValue, match="--as-of"):
        parse_as_of("last week", LONDON)


def test_events_with_their_own_time_count_by_it_and_the_rest_by_when_they_were_written() -> None:
    moment = end_of(PACK_DAY, LONDON)
    backdated = {"effective_at": "2017-09-01T06:00:00+01:00"}
    events = [
        event(1, "ActionAdded", backdated, ref="A-1"),  # written today as of September (the demo): counts
        event(2, "ReminderQueued", {"as_of": "2017-11-27"}),  # the sweep of the pack date: counts
        event(3, "NoticeSent"),  # written today, no time of its own: later
        event(4, "ReminderQueued", {"as_of": "2017-11-28"}),  # the next morning's sweep: later
        event(5, "ActionUpdated", {"reported_at": "2017-11-27T16:00:00+00:00"}, "A-1"),  # backdated: counts
        event(6, "ActionUpdated", {"reported_at": "2017-11-28T09:00:00+00:00"}, "A-1"),
        event(7, "ActionChanged", ref="A-1"),  # a re-import today, after the whole story: later
        event(8, "MeetingAdded", at=datetime(2017, 11, 20, tzinfo=UTC)),  # written before the moment
    ]
    cut = split(events, moment)
    assert (cut.head_seq, cut.head_hash) == (8, "h8")
    assert [e.seq for e in cut.later] == [3, 4, 6, 7]


def test_a_reimport_stays_out_of_an_old_pack_whatever_is_swept_after_it() -> None:
    """Issue #14 review, finding 5: a re-import written today, then `sweep --as-of` a past day (its
    events dated then): the import no longer counts for that day's pack by following them in the ledger."""
    moment = end_of(PACK_DAY, LONDON)
    events = [
        event(1, "PlanImported", {"created": True}, at=datetime(2017, 9, 1, tzinfo=UTC)),
        event(2, "ActionAdded", ref="A-1", at=datetime(2017, 9, 1, tzinfo=UTC)),
        event(3, "PlanImported", {"created": False}),  # today
        event(4, "ActionChanged", {"before": {"title": "Old"}}, ref="A-1"),  # today
        event(5, "ReminderQueued", {"as_of": "2017-11-27"}),  # a sweep of the pack date, run today
        event(6, "ActionUpdated", {"reported_at": "2017-11-27T10:00:00+00:00"}, "A-1"),
    ]
    cut = split(events, moment)
    assert [e.seq for e in cut.later] == [3, 4] and cut.head_seq == 6


def test_the_import_that_created_a_plan_always_counts() -> None:
    """A plan imported today, whose pack date was last week: its first import is the earliest state there
    is, so the pack shows it; what came after (a later import today, a sweep tomorrow) does not count."""
    moment = end_of(PACK_DAY, LONDON)
    today = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    fresh = [
        event(1, "PlanImported", {"created": True}, at=today),
        event(2, "PlanCreated", at=today),
        event(3, "ActionAdded", ref="A-1", at=today),
    ]
    assert split(fresh, moment).later == () and split(fresh, moment).head_seq == 3
    # Also when it says it speaks for a later moment (the demo's plan, for a pack date before its start).
    effective = {"effective_at": "2017-12-01T06:00:00+00:00"}
    backdated = [
        event(1, "PlanImported", {"created": True, **effective}, at=today),
        event(2, "PlanCreated", effective, at=today),
        event(3, "ActionAdded", effective, ref="A-1", at=today),
    ]
    assert split(backdated, moment).later == ()
    then = [*fresh, event(4, "ReminderQueued", {"as_of": "2017-11-28"}), event(5, "ActionChanged")]
    assert [e.seq for e in split(then, moment).later] == [4, 5]


def test_a_moment_before_the_days_sweep_leaves_it_out() -> None:
    before_sweep = AsOf(datetime(2017, 11, 27, 6, 0, tzinfo=ZoneInfo(LONDON)), LONDON)
    cut = split(
        [
            event(1, "PlanImported", {"created": True}),
            event(2, "OverdueNoticeQueued", {"as_of": "2017-11-27"}),
        ],
        before_sweep,
    )
    assert cut.head_seq == 1 and [e.seq for e in cut.later] == [2]


def action(ref: str, **fields) -> ActionFact:
    base = ActionFact(
        ref,
        f"Title {ref}",
        "A1",
        "Owner",
        "owner@example.org",
        date(2017, 10, 31),
        date(2017, 10, 31),
        Status.IN_PROGRESS,
        RAG.AMBER,
        40,
    )
    return ActionFact(**{**base.__dict__, **fields})


def pack_data(*actions: ActionFact, milestones: tuple[MilestoneFact, ...] = ()) -> PackData:
    return PackData(
        PLAN,
        "Council",
        "Board",
        date(2017, 12, 5),
        None,
        None,
        (AreaFact("A1", "Area one"), AreaFact("A2", "Area two")),
        actions,
        milestones,
    )


PEOPLE = People({1: ("Owner", "owner@example.org"), 2: ("New Owner", "new@example.org")})


def test_each_later_change_is_undone_with_the_values_it_recorded_before() -> None:
    now = pack_data(
        action("A-1", status=Status.COMPLETE, rag=RAG.GREEN, percent=100),
        action(
            "A-2",
            current_due=date(2018, 1, 31),
            rebaseline_count=1,
            title="New title",
            owner="New Owner",
            owner_email="new@example.org",
        ),
        action("A-3"),
        milestones=(
            MilestoneFact("MS-1", "Visit", date(2017, 12, 11), "New Owner", Status.COMPLETE, ("A-1", "A-3")),
        ),
    )
    later = [
        event(
            10,
            "ActionUpdated",
            {
                "before": {"status": "in progress", "rag": "red", "percent": 60},
                "after": {"status": "complete", "rag": "green", "percent": 100},
            },
            "A-1",
        ),
        event(
            11,
            "DueDateRebaselined",
            {"before": {"due": "2017-10-31"}, "after": {"due": "2018-01-31"}, "rebaseline_count": 1},
            "A-2",
        ),
        event(
            12,
            "ActionChanged",
            {
                "key": "A-2",
                "before": {"title": "Title A-2", "owner_email": "owner@example.org"},
                "after": {"title": "New title", "owner_email": "new@example.org"},
            },
            "A-2",
        ),
        event(13, "ActionAdded", {"key": "A-3"}, "A-3"),
        event(14, "AreaAdded", {"key": "A2"}),
        event(
            15,
            "MilestoneChanged",
            {
                "key": "MS-1",
                "before": {"depends_on": ["A-1"], "owner_id": 1},
                "after": {"depends_on": ["A-1", "A-3"], "owner_id": 2},
            },
            "MS-1",
        ),
        event(
            16,
            "MilestoneUpdated",
            {"before": {"status": "in progress"}, "after": {"status": "complete"}},
            "MS-1",
        ),
        event(17, "NoticeSent", {}, "A-1"),  # changes nothing a pack reads
    ]
    then = roll_back(now, later, PEOPLE)
    assert [a.ref for a in then.actions] == ["A-1", "A-2"] and [a.code for a in then.areas] == ["A1"]
    one, two = then.actions
    assert (one.status, one.rag, one.percent) == (Status.IN_PROGRESS, RAG.RED, 60)
    assert (two.current_due, two.rebaseline_count, two.title) == (date(2017, 10, 31), 0, "Title A-2")
    assert (two.owner, two.owner_email) == ("Owner", "owner@example.org")
    (ms,) = then.milestones
    assert (ms.status, ms.owner, ms.depends_on) == (Status.IN_PROGRESS, "Owner", ("A-1",))


def test_the_changes_of_another_plan_are_not_undone() -> None:
    now = pack_data(action("A-1", percent=100))
    other = Recorded(9, "h9", WRITTEN, "ActionUpdated", "Other plan", "A-1", {"before": {"percent": 10}})
    assert roll_back(now, [other], PEOPLE) == now

"""Each notice goes out on a working day of its own plan's nation, on real databases: four plans, one per
nation, swept on a day everyone works; then delivery is tried on days the nations' bank holidays disagree
(Scotland's St Andrew's Day, 2 January and first Monday of August; Northern Ireland's St Patrick's Day and
12 July; England's and Wales' Easter Monday and last Monday of August, when Scotland works). The plans at
rest keep their notices; the others' go, held up by nobody."""

from __future__ import annotations

import email
import email.policy
from datetime import date, datetime, time
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from config.policy import load_policy
from models.db import unit_of_work
from models.outbox import Notice, NoticeStatus
from models.plans.importer import import_plan
from models.sweep.run import sweep_plans
from notifications.delivery_days import resting_plans
from notifications.dispatch import DispatchResult, dispatch
from notifications.transport import FileSink
from tests.factories import small_plan

POLICY = load_policy()
LONDON = ZoneInfo("Europe/London")
PLANS = {"ENG": "English Plan", "WLS": "Welsh Plan", "SCT": "Scottish Plan", "NIR": "Northern Irish Plan"}
SENDER = "lineofsight@example.org"

# The day, the nations at rest on it, and why (from the `holidays` library's UK calendars).
DAYS = [
    (date(2017, 11, 30), {"SCT"}, "Saint Andrew's Day"),
    (date(2018, 1, 2), {"SCT"}, "New Year Holiday"),
    (date(2018, 3, 19), {"NIR"}, "Saint Patrick's Day (observed)"),
    (date(2018, 4, 2), {"ENG", "WLS", "NIR"}, "Easter Monday"),  # Scotland works
    (date(2018, 7, 12), {"NIR"}, "Battle of the Boyne"),
    (date(2018, 8, 6), {"SCT"}, "Summer Bank Holiday"),
    (date(2018, 8, 27), {"ENG", "WLS", "NIR"}, "Late Summer Bank Holiday"),  # Scotland works
]


@pytest.fixture
def four_nations(engine: Engine) -> Engine:
    with unit_of_work(engine) as session:
        for nation, name in PLANS.items():
            import_plan(session, small_plan(name, nation), actor="test")
    sweep_plans(engine, POLICY, date(2017, 10, 16))  # a Monday everyone works: every plan owes notices
    return engine


def _at(day: date) -> datetime:
    return datetime.combine(day, time(9, 0), tzinfo=LONDON)


def _deliver(engine: Engine, folder: Path, day: date) -> DispatchResult:
    """Delivery at 09:00 on `day`, as the flow and `lineofsight dispatch` run it."""
    held = resting_plans(engine, POLICY, _at(day))
    return dispatch(engine, FileSink(folder / "outbox"), _at(day), sender=SENDER, held=held)


def _by_plan(engine: Engine) -> dict[str, set[NoticeStatus]]:
    with Session(engine) as session:
        out: dict[str, set[NoticeStatus]] = {}
        for notice in session.exec(select(Notice)):
            out.setdefault(notice.plan, set()).add(notice.status)
        return out


@pytest.mark.parametrize(("day", "resting", "holiday"), DAYS, ids=[d.isoformat() for d, _, _ in DAYS])
def test_each_plan_keeps_its_own_nations_working_days(
    four_nations: Engine, tmp_path: Path, day: date, resting: set[str], holiday: str
) -> None:
    result = _deliver(four_nations, tmp_path, day)
    statuses = _by_plan(four_nations)
    for nation, plan in PLANS.items():
        expected = {NoticeStatus.PENDING} if nation in resting else {NoticeStatus.SENT}
        assert statuses[plan] == expected, (nation, day, statuses[plan])
    assert {r.plan for r in result.held.values()} == {PLANS[n] for n in resting}
    assert {r.reason for r in result.held.values()} == {holiday}
    assert set(result.held_notices) == {PLANS[n] for n in resting} and result.sent > 0
    # The next working day everywhere, the plans that waited go too.
    after = _deliver(four_nations, tmp_path, _next_common_working_day(day))
    assert after.sent == sum(result.held_notices.values()) and not after.held
    assert set().union(*_by_plan(four_nations).values()) == {NoticeStatus.SENT}


def _next_common_working_day(day: date) -> date:
    return {
        date(2017, 11, 30): date(2017, 12, 1),
        date(2018, 1, 2): date(2018, 1, 3),
        date(2018, 3, 19): date(2018, 3, 20),
        date(2018, 4, 2): date(2018, 4, 3),
        date(2018, 7, 12): date(2018, 7, 13),
        date(2018, 8, 6): date(2018, 8, 7),
        date(2018, 8, 27): date(2018, 8, 28),
    }[day]


def test_a_plan_at_rest_holds_up_nobody_in_a_shared_digest(four_nations: Engine, tmp_path: Path) -> None:
    """The same people serve every plan here: on St Andrew's Day their digests carry the other plans'
    items and none of the Scottish plan's."""
    _deliver(four_nations, tmp_path, date(2017, 11, 30))
    sent = " ".join(_text(f) for f in (tmp_path / "outbox").glob("*.eml"))
    assert "English Plan" in sent and "Welsh Plan" in sent and "Northern Irish Plan" in sent
    assert "Scottish Plan" not in sent


def _text(eml: Path) -> str:
    """The message's text and HTML as a reader sees them (quoted-printable may break a plan's name in two)."""
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    parts = [p for p in message.walk() if p.get_content_maintype() == "text"]
    return " ".join(p.get_content() for p in parts if isinstance(p, EmailMessage))


def test_a_run_told_of_no_plan_at_rest_delivers_everything_due(four_nations: Engine, tmp_path: Path) -> None:
    """`lineofsight dispatch --any-day`, and the tests of delivery itself."""
    dispatch(four_nations, FileSink(tmp_path / "outbox"), _at(date(2017, 11, 30)), sender=SENDER)
    assert set().union(*_by_plan(four_nations).values()) == {NoticeStatus.SENT}


def test_the_dispatch_flow_holds_only_the_plan_at_rest(
    prefect_harness, four_nations: Engine, db_url: str, monkeypatch, tmp_path: Path
) -> None:
    """The scheduled flow, which once asked a made-up English plan whether to send anything at all."""
    from flows.dispatch import dispatch_flow

    monkeypatch.setenv("LINEOFSIGHT_DATABASE_URL", db_url)
    monkeypatch.setenv("LINEOFSIGHT_OUTBOX_DIR", str(tmp_path / "outbox"))
    result = dispatch_flow(as_of=_at(date(2017, 11, 30)))
    assert result["held"] == {"Scottish Plan": "Saint Andrew's Day"} and result["sent"] > 0
    statuses = _by_plan(four_nations)
    assert statuses["Scottish Plan"] == {NoticeStatus.PENDING} and statuses["English Plan"] == {
        NoticeStatus.SENT
    }
    easter = dispatch_flow(as_of=_at(date(2018, 4, 2)))  # England, Wales and Northern Ireland rest
    assert set(easter["held"]) == {"English Plan", "Welsh Plan", "Northern Irish Plan"}
    assert _by_plan(four_nations)["Scottish Plan"] == {NoticeStatus.SENT}

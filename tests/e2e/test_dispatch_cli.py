"""`lineofsight dispatch` and `lineofsight outbox` as an operator and a scheduler read them: why nothing went,
when the rest falls due, which delivery failed (exit 1), and the outbox as JSON."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from cli.outbox_commands import report_delivery
from config.policy import DEFAULT_POLICY
from notifications.delivery_days import RestDay
from notifications.dispatch import DispatchResult, Failure
from tests.factories import OWNER, SECRETARIAT, load_small_plan
from tests.smtp_server import Behaviour, free_port, start


def test_after_a_future_sweep_dispatch_says_when_the_notices_fall_due(cli, engine) -> None:
    load_small_plan(engine)
    cli("sweep", "--as-of", "2099-01-05", "--force", "--no-send")
    out = cli("dispatch").stdout
    assert "Delivered 0 notices in 0 digests." in out
    assert "6 notices not due yet: all fall due on Monday 5 January 2099 at 07:00." in out
    listed = cli("outbox").stdout
    assert "Due" in listed and "Next attempt" in listed and listed.count("Mon 5 Jan 2099 07:00") >= 2
    assert listed.rstrip().endswith("6 notices.")
    every = json.loads(cli("outbox", "--format", "json").stdout)
    assert json.loads(cli("outbox", "--limit", "2", "--format", "json").stdout) == every[-2:]
    page = cli("outbox", "--limit", "2").stdout
    assert page.rstrip().endswith("The last 2 of 6 notices: --limit N or --all for more.")
    assert f"│ {every[-1]['id']} " in page and f"│ {every[0]['id']} " not in page
    [first, *_] = json.loads(cli("outbox", "--format", "json").stdout)
    assert (
        first["status"] == "pending" and first["due"] == first["next_attempt"] == "2099-01-05T07:00:00+00:00"
    )
    assert {"id", "recipient", "channel", "kind", "items", "attempts", "sent_at", "last_error"} <= set(first)


def test_dispatch_exits_1_naming_the_notices_to_retry_and_the_dead(cli, engine, monkeypatch) -> None:
    load_small_plan(engine)
    cli("sweep", "--as-of", "2017-10-16", "--no-send")  # the owner and the secretariat are owed a digest
    controller, server = start(Behaviour(refuse={SECRETARIAT}))
    monkeypatch.setenv("LINEOFSIGHT_SMTP_URL", f"smtp://127.0.0.1:{controller.port}")
    try:
        result = cli("dispatch", "--any-day", expect=1)  # whatever day of the week the tests run
    finally:
        controller.stop()
    assert [r.recipients for r in server.received] == [[OWNER]]
    assert "Delivered 2 notices in 1 digest." in result.stdout
    assert (
        f"to {SECRETARIAT} (email): 550" in result.stderr
        and "dead: see `lineofsight outbox retry" in result.stderr
    )
    assert "Error: 1 notice not delivered: 0 will be retried, 1 dead." in result.stderr
    assert "Traceback" not in result.output
    dead = json.loads(cli("outbox", "--status", "dead", "--format", "json").stdout)
    assert [d["recipient"] for d in dead] == [SECRETARIAT] and dead[0]["next_attempt"] is None


def test_a_server_that_is_down_is_retried_and_dispatch_says_when(cli, engine, monkeypatch) -> None:
    load_small_plan(engine)
    cli("sweep", "--as-of", "2017-10-16", "--no-send")
    monkeypatch.setenv("LINEOFSIGHT_SMTP_URL", f"smtp://127.0.0.1:{free_port()}")  # nobody listens
    result = cli("dispatch", "--any-day", expect=1)
    assert "Delivered 0 notices in 0 digests." in result.stdout
    assert result.stderr.count("; next attempt ") == 2 and "ConnectionRefusedError" in result.stderr
    assert re.search(
        rf"Not delivered: notices \d+, \d+ to {OWNER} \(email\): ConnectionRefusedError", result.stderr
    )
    assert "3 will be retried, 0 dead." in result.stderr
    [failed, *_] = json.loads(cli("outbox", "--status", "failed", "--format", "json").stdout)
    assert failed["due"] == "2017-10-16T06:00:00+00:00"  # 07:00 in London, when it first fell due
    assert failed["next_attempt"] > datetime.now(UTC).isoformat() and failed["attempts"] == 1
    assert "Next attempt" in cli("outbox", "--format", "table").stdout
    assert cli("outbox", "--format", "csv").stdout.startswith(
        "id,plan,status,recipient,channel,kind,items,due,"
    )


def test_a_plan_at_rest_is_named_with_its_holiday(capsys: pytest.CaptureFixture[str]) -> None:
    rest = RestDay("Fife Plan", "SCT", date(2017, 11, 30), "Saint Andrew's Day")
    result = DispatchResult(held={"Fife Plan": rest}, held_notices={"Fife Plan": 1})
    assert report_delivery(result, "Europe/London") is False
    out = capsys.readouterr().out
    assert "Delivered 0 notices in 0 digests." in out
    assert (
        "1 notice of plan Fife Plan waits: Thursday 30 November 2017 is not a working day there "
        "(Saint Andrew's Day in Scotland)." in out
    )


def test_the_earliest_of_several_due_times_is_named_with_how_many(capsys: pytest.CaptureFixture[str]) -> None:
    soon = datetime(2017, 12, 8, 7, 0, tzinfo=UTC)
    report_delivery(DispatchResult(later=5, next_due=soon, next_due_count=2), "Europe/London")
    out = capsys.readouterr().out
    assert "5 notices not due yet: the earliest 2 fall due on Friday 8 December 2017 at 07:00." in out
    report_delivery(DispatchResult(later=1, next_due=soon, next_due_count=1), "Europe/London")
    assert "1 notice not due yet: it falls due on Friday 8 December 2017 at 07:00." in capsys.readouterr().out


def test_one_failure_is_said_in_the_singular(capsys: pytest.CaptureFixture[str]) -> None:
    retry_at = datetime(2017, 10, 16, 8, 5, tzinfo=UTC)
    failure = Failure(7, OWNER, "email", "451 busy", retry_at)
    result = DispatchResult(claimed=1, digests=1, retrying=1, failures=[failure])
    assert report_delivery(result, "Europe/London") is True
    err = capsys.readouterr().err
    assert f"notice 7 to {OWNER} (email): 451 busy; next attempt Monday 16 October 2017 at 09:05." in err
    assert "1 notice not delivered: 1 will be retried, 0 dead." in err


def test_an_empty_outbox_says_so(cli, engine) -> None:
    load_small_plan(engine)
    assert "Nothing is waiting in the outbox." in cli("dispatch").stdout
    assert "0 notices due for delivery to 0 people" in cli("dispatch", "--dry-run").stdout


def _closed_today(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A policy that closes today and tomorrow (London days; tomorrow for a run across midnight): every plan
    is at rest when the command delivers, whatever day the tests run on."""
    today = datetime.now(ZoneInfo("Europe/London")).date()
    days = json.dumps([today.isoformat(), (today + timedelta(days=1)).isoformat()])
    policy = tmp_path / "policy.toml"
    policy.write_text(DEFAULT_POLICY.read_text().replace("closures = []", f"closures = {days}", 1))
    monkeypatch.setenv("LINEOFSIGHT_POLICY_FILE", str(policy))


def _plans(cli) -> tuple[list[str], list[str]]:
    """The plans of the pending notices and of the sent ones, one entry per notice."""
    pending = json.loads(cli("outbox", "--status", "pending", "--format", "json").stdout)
    sent = json.loads(cli("outbox", "--status", "sent", "--format", "json").stdout)
    return sorted(n["plan"] for n in pending), sorted(n["plan"] for n in sent)


def test_a_sweep_of_a_past_working_day_delivers_as_today_says(cli, engine, tmp_path, monkeypatch) -> None:
    _closed_today(tmp_path, monkeypatch)
    load_small_plan(engine)
    out = cli("sweep", "--as-of", "2017-10-16").stdout  # a Monday at work in England, but the mail goes today
    assert "Delivered 0 notices in 0 digests." in out
    assert "3 notices of plan Test Plan wait: " in out and " is not a working day there (" in out
    assert _plans(cli) == (["Test Plan"] * 3, [])
    out = cli("sweep", "--as-of", "2017-10-16", "--any-day").stdout  # delivered by hand, whatever the day
    assert "Delivered 3 notices in 2 digests." in out and _plans(cli) == ([], ["Test Plan"] * 3)


def test_a_sweep_of_st_andrews_day_decides_nothing_for_scotland_and_delivers_as_today_says(
    cli, engine, tmp_path, monkeypatch
) -> None:
    from models.db import unit_of_work
    from models.plans.importer import import_plan
    from tests.factories import small_plan

    with unit_of_work(engine) as session:
        import_plan(session, small_plan("English Plan", "ENG"), actor="test")
        import_plan(session, small_plan("Scottish Plan", "SCT"), actor="test")
    cli("sweep", "--as-of", "2017-11-29", "--no-send")  # a Wednesday: both plans owe notices
    _closed_today(tmp_path, monkeypatch)
    out = cli("sweep", "--as-of", "2017-11-30").stdout
    assert "Scottish Plan: Thursday 30 November 2017 is not a working day (Saint Andrew's Day)" in out
    # England works on the day swept, but not today: its notices wait too, as Scotland's do.
    assert "notices of plan English Plan wait: " in out and "notices of plan Scottish Plan wait: " in out
    assert "30 November 2017 is not a working day there" not in out
    pending, sent = _plans(cli)
    assert set(pending) == {"English Plan", "Scottish Plan"} and sent == []


def test_sweep_exits_1_when_a_delivery_failed_as_dispatch_does(cli, engine, monkeypatch) -> None:
    load_small_plan(engine)
    controller, server = start(Behaviour(refuse={SECRETARIAT}))
    monkeypatch.setenv("LINEOFSIGHT_SMTP_URL", f"smtp://127.0.0.1:{controller.port}")
    try:
        result = cli("sweep", "--as-of", "2017-10-16", "--any-day", expect=1)
    finally:
        controller.stop()
    assert [r.recipients for r in server.received] == [[OWNER]]
    assert "Delivered 2 notices in 1 digest." in result.stdout
    assert f"to {SECRETARIAT} (email): 550" in result.stderr
    assert "Error: 1 notice not delivered: 0 will be retried, 1 dead." in result.stderr
    assert "Traceback" not in result.output


def test_pack_build_send_sends_the_pack_on_its_plans_rest_day_and_the_reminders_wait(
    cli, engine, tmp_path, monkeypatch
) -> None:
    from models.db import unit_of_work
    from models.plans.importer import import_plan
    from tests.factories import small_plan
    from tests.pack_fixtures import load_pack_plan

    load_pack_plan(engine)  # "Test Plan", with a board of four
    with unit_of_work(engine) as session:  # no meeting of its own: only the one pack is built
        import_plan(session, replace(small_plan("Scottish Plan", "SCT"), meetings=()), actor="test")
    cli("sweep", "--as-of", "2017-10-16", "--no-send")  # both plans owe reminders
    _closed_today(tmp_path, monkeypatch)
    controller, server = start(Behaviour())
    monkeypatch.setenv("LINEOFSIGHT_SMTP_URL", f"smtp://127.0.0.1:{controller.port}")
    try:
        out = cli(
            "pack",
            "build",
            "--meeting",
            "2017-10-03",
            "--audience",
            "board",
            "--out",
            str(tmp_path / "p"),
            "--send",
        ).stdout
    finally:
        controller.stop()
    # The secretariat asked for the pack now: it goes, and nothing else does.
    assert len(server.received) == 4
    assert all(
        any(part.get_content_type() == "application/pdf" for part in r.message.walk())
        for r in server.received
    )
    assert "Delivered 4 notices in 4 digests." in out
    assert "notices of plan Test Plan wait: " in out and "notices of plan Scottish Plan wait: " in out
    pending = json.loads(cli("outbox", "--status", "pending", "--format", "json").stdout)
    assert {n["plan"] for n in pending} == {"Test Plan", "Scottish Plan"}
    assert all(n["kind"] != "PackPublished" for n in pending)


def test_pack_build_send_exits_1_when_a_delivery_failed(cli, engine, tmp_path, monkeypatch) -> None:
    from tests.pack_fixtures import MEMBER, load_pack_plan

    load_pack_plan(engine)
    controller, server = start(Behaviour(refuse={MEMBER}))
    monkeypatch.setenv("LINEOFSIGHT_SMTP_URL", f"smtp://127.0.0.1:{controller.port}")
    try:
        result = cli(
            "pack",
            "build",
            "--meeting",
            "2017-10-03",
            "--audience",
            "board",
            "--out",
            str(tmp_path),
            "--send",
            expect=1,
        )
    finally:
        controller.stop()
    assert len(server.received) == 3 and "Delivered 3 notices in 3 digests." in result.stdout
    assert f"to {MEMBER} (email): 550" in result.stderr
    assert "Error: 1 notice not delivered: 0 will be retried, 1 dead." in result.stderr
    assert "Traceback" not in result.output

"""`lineofsight dispatch` and `lineofsight outbox` as an operator and a scheduler read them: why nothing went,
when the rest falls due, which delivery failed (exit 1), and the outbox as JSON."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

import pytest

from cli.outbox_commands import report_delivery
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


def test_a_sweep_on_st_andrews_day_delivers_the_english_plan_and_names_the_scottish_one_waiting(
    cli, engine
) -> None:
    from models.db import unit_of_work
    from models.plan_import import import_plan
    from tests.factories import small_plan

    with unit_of_work(engine) as session:
        import_plan(session, small_plan("English Plan", "ENG"), actor="test")
        import_plan(session, small_plan("Scottish Plan", "SCT"), actor="test")
    cli("sweep", "--as-of", "2017-11-29", "--no-send")  # a Wednesday: both plans owe notices
    out = cli("sweep", "--as-of", "2017-11-30").stdout
    assert "Scottish Plan: Thursday 30 November 2017 is not a working day (Saint Andrew's Day)" in out
    assert "notices of plan Scottish Plan wait: Thursday 30 November 2017 is not a working day there " in out
    assert "(Saint Andrew's Day in Scotland)." in out
    pending = json.loads(cli("outbox", "--status", "pending", "--format", "json").stdout)
    sent = json.loads(cli("outbox", "--status", "sent", "--format", "json").stdout)
    assert {n["plan"] for n in pending} == {"Scottish Plan"} and {n["plan"] for n in sent} == {"English Plan"}

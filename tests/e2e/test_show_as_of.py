"""`show --as-of DAY` reads an item as it stood at the end of that day (issue #14 point 14, fix 9): only the
updates reported by then, the status, RAG and % they left, and a line saying which parts follow the day."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from models.db import unit_of_work
from models.plans.spec import UpdateSpec
from models.plans.updates import apply_update
from models.vocab import RAG, Status
from tests.factories import OWNER, load_small_plan


def _autumn(engine: Engine) -> None:
    """ACT-1 (imported in progress, amber, 40%): red at 50% on 20 September, complete on 5 October;
    MS-1 (not started): complete on 5 October."""
    reports = [
        UpdateSpec("ACT-1", OWNER, rag=RAG.RED, percent=50, note="Short of auditors"),
        UpdateSpec("ACT-1", OWNER, status=Status.COMPLETE, rag=RAG.GREEN, note="All audited"),
    ]
    days = [datetime(2017, 9, 20, 16, tzinfo=UTC), datetime(2017, 10, 5, 16, tzinfo=UTC)]
    with unit_of_work(engine) as session:
        for report, at in zip(reports, days, strict=True):
            apply_update(session, UpdateSpec(**{**report.__dict__, "at": at}))
        milestone = UpdateSpec("MS-1", "lead@example.org", status=Status.COMPLETE, at=days[1])
        apply_update(session, milestone)


def _story(cli, ref: str, day: str) -> dict:
    return json.loads(cli("show", ref, "--as-of", day, "--format", "json").stdout)


def test_show_as_of_a_day_reads_the_item_as_it_stood_then(cli, engine) -> None:
    load_small_plan(engine)
    _autumn(engine)

    between = _story(cli, "ACT-1", "2017-09-25")
    assert (between["status"], between["rag"], between["percent"]) == ("in progress", "red", 50)
    assert [u["commentary"] for u in between["updates"]] == ["Short of auditors"]
    assert between["last_update_on"] == "2017-09-20" and between["later_updates"] == 1
    assert "As it stood at the end of Monday 25 September 2017" in between["progress_note"]

    before = _story(cli, "ACT-1", "2017-09-11")
    assert (before["status"], before["rag"], before["percent"]) == ("in progress", "amber", 40)
    assert before["updates"] == [] and before["last_update_on"] is None

    after = _story(cli, "ACT-1", "2017-10-06")
    assert (after["status"], after["rag"], after["percent"]) == ("complete", "green", 100)
    assert len(after["updates"]) == 2 and after["progress_note"] is None

    milestone = _story(cli, "MS-1", "2017-10-04")
    assert milestone["status"] == "not started" and milestone["updates"] == []

    table = cli("show", "ACT-1", "--as-of", "2017-09-11").stdout
    assert "No updates by Mon 11 Sep 2017." in table and "amber" in table.lower()
    assert "title, owner and due dates are today's" in " ".join(table.split())
    assert "No updates yet." not in table and "All audited" not in table

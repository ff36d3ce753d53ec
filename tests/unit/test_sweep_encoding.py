"""A decision's JSON encoded once (models.sweep.encoding): its ledger event's bytes, and so its hash, are the
ones the ledger always wrote for the same decision, and its notice says the same things as before."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from config.policy import load_policy
from models.calendar import WorkingCalendar
from models.ledger.chain import Event, canonical_json, chain, encode, prepare
from models.ledger.kinds import EventKind
from models.sweep.encoding import encoded
from models.sweep.persist import notice_payload
from models.sweep.rules import Decision, decide
from models.sweep.views import ItemView, PersonView, Snapshot
from models.vocab import ItemKind, Status

D = date.fromisoformat
AS_OF = D("2017-12-05")
OWNER, MANAGER, DEPUTY = "zoë@example.org", "sam@example.org", "kim@example.org"


def _decisions() -> list[Decision]:
    """The rules' own decisions about a few items (reminders, an escalation to a manager, a deputy told
    while the owner is away, a milestone at risk), names and titles not all in ASCII."""
    people = {
        OWNER: PersonView(OWNER, "Zoë Ångström", manager=MANAGER, deputy=DEPUTY, away_from=D("2017-12-04"),
                          away_to=D("2017-12-15"), has_teams=True),
        MANAGER: PersonView(MANAGER, "Sam \"Boss\" Jones"),
        DEPUTY: PersonView(DEPUTY, "Kim Lee"),
    }  # fmt: skip
    items = (
        ItemView(ItemKind.ACTION, "NS-01", "Audit the front door \u2013 café ✓", OWNER, D("2017-12-08"),
                 Status.IN_PROGRESS, area="A1", last_update=D("2017-11-06")),
        ItemView(ItemKind.ACTION, "TAP-07", "Decide on care\nproceedings", MANAGER, D("2017-11-20"),
                 Status.IN_PROGRESS, area="A1", last_update=D("2017-11-27")),
        ItemView(ItemKind.MILESTONE, "MS-02", "Plan to the inspectorate", OWNER, D("2017-12-12"),
                 Status.NOT_STARTED, depends_on=("NS-01", "TAP-07")),
    )  # fmt: skip
    snapshot = Snapshot("Plan ü", "ENG", items, people, {"A1": MANAGER}, {}, (), "Improvement Board", MANAGER)
    return decide(snapshot, load_policy(), WorkingCalendar("ENG"), AS_OF)


def _by_hand() -> list[tuple[Decision, dict[str, Any]]]:
    """Values the rules do not make today: no recipient, odd types in the facts, a fact named as a field."""
    closed = Decision(
        "Plan", "TAP-09", "ladder_reset", "2@2017-11-01", EventKind.ESCALATION_CLOSED, "",
        "TAP-09: escalation closed, the item is no longer open", D("2017-11-20"), level=2,
    )  # fmt: skip
    odd = Decision(
        "Plan", "X-1", "overdue", "0", EventKind.OVERDUE_NOTICE_QUEUED, "a@example.org",
        "née \u2028 \"quoted\" \\ back", D("2017-11-20"), level=1, on_behalf_of="b@example.org",
        urgency=3, roles=("the action's owner", "deputy for b@example.org, the action's owner"),
    )  # fmt: skip
    facts = {
        "when": D("2017-11-20"),
        "level": 7,
        "ratio": 0.5,
        "flag": True,
        "nested": {"b": [1, None, "ü"], "a": {"z": 1, "y": D("2017-01-02")}},
        "empty": {},
        "kind": ItemKind.ACTION,
    }
    return [(closed, {"level": 2, "since": "2017-11-01"}), (odd, facts), (odd, {})]


def _data(d: Decision, facts: dict[str, Any]) -> dict[str, Any]:
    """The event's data as models.sweep.persist has always built it."""
    return {
        "rule": d.rule,
        "step": d.step,
        "recipient": d.recipient or None,
        "on_behalf_of": d.on_behalf_of,
        "level": d.level,
        "reason": d.reason,
        "roles": list(d.roles),
        "policy": "2017.1",
        "as_of": AS_OF.isoformat(),
        "facts": facts,
        "dedupe_key": d.dedupe_key,
    }


def _cases() -> list[tuple[Decision, dict[str, Any]]]:
    decisions = _decisions()
    assert {d.rule for d in decisions} >= {"due_soon", "overdue"}
    assert any(d.level > 1 for d in decisions)
    assert any(d.on_behalf_of for d in decisions)
    return [(d, d.facts) for d in decisions] + _by_hand()


def test_the_ledger_event_is_byte_for_byte_what_it_was() -> None:
    for d, facts in _cases():
        data_json, _ = encoded(d, facts, d.dedupe_key, "2017.1", AS_OF)
        assert data_json == canonical_json(_data(d, facts))
        before = Event(d.kind, "system:sweep", d.plan, d.ref, _data(d, facts))
        now = Event(d.kind, "system:sweep", d.plan, d.ref, _data(d, facts), data_json)
        at, prev = "2017-12-05T07:00:00.000000Z", "ab" * 32
        assert encode(41, at, now, prev) == encode(41, at, before, prev)
        # and so its hash: the ledger's own append path, the JSON made ahead or not
        when = datetime(2017, 12, 5, 7, tzinfo=UTC)
        assert chain(prepare([now]), (40, prev), when) == chain(prepare([before]), (40, prev), when)


def test_the_notice_says_what_it_said() -> None:
    told = 0
    for d, facts in _cases():
        _, payload = encoded(d, facts, d.dedupe_key, "2017.1", AS_OF)
        if not d.recipient:
            assert payload is None
            continue
        assert payload is not None
        assert json.loads(payload) == json.loads(notice_payload(d, facts))
        told += 1
    assert told >= 4

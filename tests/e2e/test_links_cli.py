"""`lineofsight links revoke` as an operator runs it: what it withdrew, in words; who did it, in the ledger;
an address nobody has or a malformed one refused (exit 2) naming the option."""

from __future__ import annotations

import json
import re

from sqlmodel import Session, select

from models.people import Person
from models.web_links import LinkRevocation
from tests.factories import OWNER, load_small_plan


def test_revoke_says_what_it_withdrew_and_the_ledger_says_who(cli, engine) -> None:
    load_small_plan(engine)
    out = cli("links", "revoke", "--person", "OWNER@example.org").stdout
    said = re.fullmatch(
        rf"Withdrew every link sent to {OWNER} before \d\d:\d\d on \d{{1,2}} [A-Z][a-z]+ \d{{4}} "
        r"\(1 people row: plan Test Plan\)\. New messages carry new links\.",
        " ".join(out.split()),
    )
    assert said, out
    with Session(engine) as session:
        [revocation] = session.exec(select(LinkRevocation)).all()
        person = session.get(Person, revocation.person_id)
        assert person is not None and person.email == OWNER and revocation.actor == "system:operator"
    [event] = json.loads(cli("audit", "log", "--kind", "LinksRevoked", "--format", "json").stdout)
    assert event["actor"] == "system:operator" and event["data"]["email"] == OWNER
    cli("links", "revoke", "--person", OWNER, "--plan", "test plan", "--by", "ops@example.org")
    [_, second] = json.loads(cli("audit", "log", "--kind", "LinksRevoked", "--format", "json").stdout)
    assert (second["actor"], second["plan"]) == ("ops@example.org", "Test Plan")


def test_revoke_refuses_an_unknown_or_malformed_address(cli, engine) -> None:
    load_small_plan(engine)
    unknown = cli("links", "revoke", "--person", "ownr@example.org", expect=2).output
    assert "No person with email 'ownr@example.org'. Did you mean owner@example.org" in unknown
    malformed = cli("links", "revoke", "--person", "not an address", expect=2).output
    assert "--person" in malformed and "Traceback" not in malformed
    assert "--person" in cli("links", "revoke", expect=2).output  # required
    with Session(engine) as session:
        assert session.exec(select(LinkRevocation)).all() == []

"""The signed links in every message, on real databases, through a real SMTP server and a real HTTPS Teams
endpoint: each item's "Update REF" and the digest's "Update all my items" verify to the reader's own Person
row, the plan and the item, and stop working `link_days` after they are written; a reader we hold no record
of gets none, and a message without links asks for a reply, never a command."""

from __future__ import annotations

import email
import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from email.message import Message
from html.parser import HTMLParser
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from config.policy import load_policy
from models.db import unit_of_work
from models.ledger.chain import Event, record
from models.links.tokens import LinkClaims, LinkMaker, read
from models.outbox import Channel, Notice
from models.people import Person, organisation_key
from models.plan import Plan
from models.plans.importer import import_plan
from models.sweep.run import sweep_plans
from notifications.dispatch import dispatch
from notifications.smtp import parse_smtp_url
from notifications.transport import Channels, FileSink, SmtpTransport, TeamsTransport
from tests.factories import OWNER, SECRETARIAT, load_small_plan, small_plan
from tests.https_server import workflows_endpoint
from tests.smtp_server import Received, start

POLICY = load_policy()
MORNING = datetime(2017, 10, 16, 8, 0, tzinfo=UTC)
SENDER = "lineofsight@example.org"
BASE = "https://updates.example.org"
KEY = b"a-test-key-that-is-long-enough-to-sign-links"
LINKS = LinkMaker(BASE, KEY, MORNING, days=21)
URL = re.compile(r"https://\S+")


class _Anchors(HTMLParser):
    """Every anchor of an HTML part: (href, text)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []
        self._open = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.found.append((dict(attrs).get("href") or "", ""))
            self._open = True

    def handle_data(self, data: str) -> None:
        if self._open:
            self.found[-1] = (self.found[-1][0], self.found[-1][1] + data)

    def handle_endtag(self, tag: str) -> None:
        self._open = self._open and tag != "a"


def _parts(message: Message) -> tuple[str, str]:
    texts = {
        # Lines end in CRLF on the wire.
        p.get_content_subtype(): p.get_payload(decode=True).decode().replace("\r\n", "\n")  # type: ignore[union-attr]
        for p in message.walk()
        if p.get_content_maintype() == "text"
    }
    return texts["plain"], texts["html"]


def _anchors(html: str) -> list[tuple[str, str]]:
    parser = _Anchors()
    parser.feed(html)
    return parser.found


def _claims(url: str) -> LinkClaims:
    return read(KEY, url.rsplit("/", 1)[1])


def _ids(engine: Engine, plan: str, email: str) -> tuple[int, int]:
    """The plan's id and the Person id of `email` in the plan's organisation."""
    with Session(engine) as session:
        row = session.exec(select(Plan).where(Plan.name == plan)).one()
        organisation = organisation_key(row.name, row.organisation)
        person = session.exec(
            select(Person).where(Person.organisation == organisation, Person.email == email)
        ).one()
    assert row.id is not None and person.id is not None
    return row.id, person.id


def _over_smtp(engine: Engine, links: LinkMaker | None) -> list[Received]:
    controller, server = start()
    try:
        transport = SmtpTransport(parse_smtp_url(f"smtp://127.0.0.1:{controller.port}"))
        result = dispatch(engine, transport, MORNING, sender=SENDER, links=links)
    finally:
        controller.stop()
    assert result.digests == result.delivered == len(server.received) > 0
    return server.received


def _to(received: list[Received], address: str) -> list[Message]:
    return [r.message for r in received if r.recipients == [address]]


def test_each_item_links_to_its_reader_plan_and_item_over_smtp(engine: Engine) -> None:
    load_small_plan(engine)
    sweep_plans(engine, POLICY, date(2017, 10, 16))  # ACT-1 overdue and ACT-2 due soon; ACT-1 to the board
    received = _over_smtp(engine, LINKS)
    for address in (OWNER, SECRETARIAT):
        [message] = _to(received, address)
        text, html = _parts(message)
        plan_id, person_id = _ids(engine, "Test Plan", address)
        anchors = _anchors(html)
        items = [(href, words) for href, words in anchors if words != "Update all my items"]
        refs = sorted(words.removeprefix("Update ") for _, words in items)
        assert refs and all(ref.startswith("ACT-") for ref in refs)
        if address == OWNER:
            assert refs == ["ACT-1", "ACT-2"]
        for href, words in items:
            assert words.startswith("Update ") and href.startswith(f"{BASE}/u/")
            assert f"{words}: {href}\n" in text  # the text part carries the very same URL
            claims = _claims(href)
            assert (claims.person_id, claims.plan_id, claims.ref) == (person_id, plan_id, words[7:])
            assert (claims.issued, claims.expires) == (MORNING, MORNING + timedelta(days=21))
        everything = {href for href, words in anchors if words == "Update all my items"}
        [all_items] = everything
        assert all_items.startswith(f"{BASE}/me/") and f"Update all my items: {all_items}\n" in text
        claims = _claims(all_items)
        assert (claims.person_id, claims.plan_id, claims.ref) == (person_id, plan_id, None)
        assert "These links work until Monday 6 November 2017" in text and "Do not forward this email" in html


def test_the_same_address_in_two_organisations_gets_each_ones_own_links(engine: Engine) -> None:
    other = replace(small_plan("Other Plan"), organisation="Other Council")
    with unit_of_work(engine) as session:
        import_plan(session, small_plan(), actor="test")
        import_plan(session, other, actor="test")
    sweep_plans(engine, POLICY, date(2017, 10, 16))
    received = _over_smtp(engine, LINKS)
    owner = _to(received, OWNER)
    assert len(owner) == 2  # one digest per plan
    seen = set()
    for message in owner:
        text, html = _parts(message)
        plan = "Other Plan" if "Other Plan" in html else "Test Plan"
        ids = _ids(engine, plan, OWNER)
        for href in URL.findall(text):
            claims = _claims(href)
            assert (claims.plan_id, claims.person_id) == ids
        seen.add(ids)
    assert len(seen) == 2 and len({person for _, person in seen}) == 2


def _queue_for(engine: Engine, recipient: str) -> None:
    """An overdue notice about ACT-1 to an address the plan holds no Person row for."""
    payload = {"ref": "ACT-1", "title": "Audit cases", "reason": "ACT-1 is overdue", "due": "2017-10-02"}
    with unit_of_work(engine) as session:
        session.add(
            Notice(
                dedupe_key=f"Test Plan|ACT-1|ops|{recipient}",
                plan="Test Plan",
                recipient=recipient,
                channel=Channel.EMAIL,
                kind="OverdueNoticeQueued",
                item_refs="ACT-1",
                payload=json.dumps(payload),
                not_before=MORNING,
                urgency=3,
            )
        )
        record(session, Event("TestNoticesQueued", "test", data={"count": 1}))


def test_a_reader_with_no_record_gets_no_links_and_no_command(engine: Engine) -> None:
    load_small_plan(engine)
    _queue_for(engine, "ops@example.org")
    [message] = _to(_over_smtp(engine, LINKS), "ops@example.org")
    text, html = _parts(message)
    assert "ACT-1: Audit cases" in text and "http" not in text and "<a " not in html
    assert (
        f"To update these items, reply to your board secretariat ({SECRETARIAT}) with what has changed."
        in text
    )
    assert "lineofsight" not in text and "--by" not in text


def test_without_a_secret_key_messages_say_whom_to_tell(engine: Engine) -> None:
    load_small_plan(engine)
    sweep_plans(engine, POLICY, date(2017, 10, 16))
    received = _over_smtp(engine, None)
    [owner] = _to(received, OWNER)
    text, html = _parts(owner)
    assert f"reply to your board secretariat ({SECRETARIAT}) with what has changed" in text
    assert f"reply to your board secretariat ({SECRETARIAT}) with what has changed" in html
    for message in received:
        for part in _parts(message.message):
            assert "http" not in part and "lineofsight update" not in part and "--by" not in part


def test_the_teams_card_opens_the_same_links(engine: Engine, tmp_path: Path) -> None:
    with workflows_endpoint(tmp_path) as endpoint:
        load_small_plan(engine)
        with unit_of_work(engine) as session:
            person = session.exec(select(Person).where(Person.email == OWNER)).one()
            person.teams_url = endpoint.url()
            record(
                session, Event("PersonChanged", "test", None, None, {"after": {"teams_url": "(redacted)"}})
            )
        sweep_plans(engine, POLICY, date(2017, 10, 16))
        transport = Channels(FileSink(tmp_path / "mail"), TeamsTransport(verify=False))
        dispatch(engine, transport, MORNING, sender=SENDER, links=LINKS)
    [card] = endpoint.cards
    content = card["attachments"][0]["content"]
    plan_id, person_id = _ids(engine, "Test Plan", OWNER)
    opened = [a for b in content["body"] if b["type"] == "ActionSet" for a in b["actions"]]
    assert sorted(a["title"] for a in opened) == ["Update ACT-1", "Update ACT-2"]
    for action in opened:
        assert action["type"] == "Action.OpenUrl" and action["url"].startswith(f"{BASE}/u/")
        claims = _claims(action["url"])
        assert (claims.person_id, claims.plan_id, claims.ref) == (person_id, plan_id, action["title"][7:])
    [everything] = content["actions"]
    assert everything["type"] == "Action.OpenUrl" and everything["title"] == "Update all my items"
    assert _claims(everything["url"]).ref is None and _claims(everything["url"]).person_id == person_id
    texts = " ".join(b.get("text", "") for b in content["body"])
    assert "These links work until Monday 6 November 2017" in texts and BASE not in texts


def test_the_sweep_command_writes_links_from_the_settings(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    # The operator's door: `lineofsight sweep` delivers with the links of LINEOFSIGHT_BASE_URL and
    # LINEOFSIGHT_SECRET_KEY, working for LINEOFSIGHT_LINK_DAYS.
    from typer.testing import CliRunner

    from cli.app import app

    load_small_plan(engine)
    key = "k" * 40
    env = {
        "LINEOFSIGHT_DATABASE_URL": db_url,
        "LINEOFSIGHT_OUTBOX_DIR": str(tmp_path / "outbox"),
        "LINEOFSIGHT_BASE_URL": "https://plan.example.org/",
        "LINEOFSIGHT_SECRET_KEY": key,
        "LINEOFSIGHT_LINK_DAYS": "5",
    }
    result = CliRunner().invoke(app, ["sweep", "--as-of", "2017-10-16", "--any-day"], env=env)
    assert result.exit_code == 0, result.output
    [owner] = [p for p in (tmp_path / "outbox").glob("*.eml") if p.name.startswith(OWNER)]
    text, html = _parts(email.message_from_bytes(owner.read_bytes()))
    plan_id, person_id = _ids(engine, "Test Plan", OWNER)
    urls = URL.findall(text)
    assert len(urls) == 4 and all(u.startswith("https://plan.example.org/") for u in urls)  # no "//u/"
    for url in urls:
        claims = read(key.encode(), url.rsplit("/", 1)[1])
        assert (claims.person_id, claims.plan_id) == (person_id, plan_id)
        assert claims.expires - claims.issued == timedelta(days=5)
        assert url in html
    assert key not in text and key not in html

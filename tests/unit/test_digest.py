"""What a digest says, read as its recipients read it: the sweep's real decisions (pure `decide`) turned
into notices as the sweep writes them, grouped and rendered. One entry per item with all its reasons, the
owner named to managers and the board, people greeted by name, dates in words, a layout that fits a phone.
The owner's plain-text email is kept as a golden file (UPDATE_GOLDEN=1 rewrites it)."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, date, datetime
from email.message import Message
from html.parser import HTMLParser
from pathlib import Path

from config.policy import load_policy
from models.calendar import WorkingCalendar
from models.sweep.persist import notice_payload
from models.sweep.rules import Decision, decide
from models.sweep.snapshot import ItemView, PersonView, Snapshot
from models.vocab import ItemKind, Status
from notifications.messages import Digest, PendingNotice, build_digests
from notifications.rendering import render_card, render_email

D = date.fromisoformat
GOLDEN = Path(__file__).with_name("golden")
ALEX, CHRIS, SAM, KIM, PAT = (f"{n}@example.org" for n in ("alex", "chris", "sam", "kim", "pat"))
TODAY = "2017-12-05"  # a Tuesday


def _snapshot() -> Snapshot:
    people = {
        ALEX: PersonView(ALEX, "Alex Smith", manager=SAM),
        CHRIS: PersonView(CHRIS, "Chris Green", manager=SAM, deputy=KIM, away_from=D("2017-12-04"),
                          away_to=D("2017-12-15")),
        SAM: PersonView(SAM, "Sam Jones"),
        KIM: PersonView(KIM, "Kim Lee"),
        PAT: PersonView(PAT, "Pat Doe"),
    }  # fmt: skip
    items = (
        # Due Friday 8 December and silent since 6 November: due soon and an update requested, one entry.
        ItemView(ItemKind.ACTION, "NS-01", "Audit the front door", ALEX, D("2017-12-08"), Status.IN_PROGRESS,
                 area="A1", last_update=D("2017-11-06")),
        # Due 28 November, 5 working days overdue: to the manager, while the owner is away.
        ItemView(ItemKind.ACTION, "TAP-07", "Decide on care proceedings", CHRIS, D("2017-11-28"),
                 Status.IN_PROGRESS, area="A1", last_update=D("2017-11-27")),
        ItemView(ItemKind.MILESTONE, "MS-02", "Plan to the inspectorate", SAM, D("2017-12-20"),
                 Status.NOT_STARTED, depends_on=("TAP-04", "TAP-07")),
    )  # fmt: skip
    return Snapshot("Plan", "ENG", items, people, {"A1": PAT}, {}, (), "Improvement Board", PAT)


def _notices(decisions: list[Decision]) -> list[PendingNotice]:
    """As the sweep writes them (models.sweep.persist), through JSON."""
    out = []
    for i, d in enumerate(decisions):
        payload = json.loads(notice_payload(d))
        out.append(PendingNotice(i, d.dedupe_key, d.recipient, "email", d.kind, d.urgency, payload))
    return out


def _digests() -> dict[str, Digest]:
    decisions = decide(_snapshot(), load_policy(), WorkingCalendar("ENG"), D(TODAY))
    notices = [n for n in _notices(decisions) if n.recipient]
    return {d.recipient: d for d in build_digests(notices, {n.id: "Plan" for n in notices}, "example.org")}


def _parts(message: Message) -> tuple[str, str]:
    texts = {
        part.get_content_subtype(): part.get_payload(decode=True).decode()  # type: ignore[union-attr]
        for part in message.walk()
        if part.get_content_maintype() == "text"
    }
    return texts["plain"], texts["html"]


def _render(digest: Digest) -> tuple[str, str]:
    return _parts(render_email(digest, "los@example.org", datetime(2017, 12, 5, 9, tzinfo=UTC)))


def test_one_entry_per_item_with_all_its_reasons() -> None:
    alex = _digests()[ALEX]
    [item] = alex.items
    assert item.ref == "NS-01" and item.labels == ("due soon", "update requested")
    assert item.reasons == (
        "NS-01 is due in 3 working days: reminder to the owner",
        "NS-01 has had no update for 21 working days: update requested",
    )
    assert alex.subject == "1 item due soon"
    text, html = _render(alex)
    assert text.count("NS-01: Audit the front door") == 1 and html.count("NS-01: Audit the front door") == 1
    assert "  - NS-01 has had no update for 21 working days: update requested\n" in text
    assert "<li>NS-01 is due in 3 working days: reminder to the owner</li>" in html


def test_escalations_name_the_owner_and_the_deputy_covering() -> None:
    digests = _digests()
    sam = digests[SAM]
    tap = next(i for i in sam.items if i.ref == "TAP-07")
    assert (tap.owner, tap.covering) == ("Chris Green", "Kim Lee")
    text, html = _render(sam)
    assert "Owner: Chris Green (away; Kim Lee is covering as deputy)" in text
    assert "Chris Green<br>away; Kim Lee is covering as deputy" in html
    # The board's secretariat reads whose milestone it is; the owner reading their own item is not told it.
    assert next(i for i in digests[PAT].items if i.ref == "MS-02").owner == "Sam Jones"
    # The deputy reads whose item it is by name.
    kim = digests[KIM]
    assert [(i.ref, i.on_behalf_of) for i in kim.items] == [("TAP-07", "Chris Green")]
    assert "Overdue (on behalf of Chris Green)." in _render(kim)[0]
    assert "Owner:" not in _render(digests[ALEX])[0]


def test_what_happens_next_is_right_for_the_manager_and_the_milestone_at_the_board() -> None:
    sam = _digests()[SAM]
    text, html = _render(sam)
    assert "escalates to the owner's manager" not in text and "escalates to the owner's manager" not in html
    assert "If nothing changes: escalates to Improvement Board on Tuesday 12 December 2017." in text
    ms = next(i for i in sam.items if i.ref == "MS-02")
    assert "it goes to" not in ms.next_step and ms.next_step.startswith("it stays on Improvement Board's")


def test_a_milestone_is_at_risk_only_from_what_slips() -> None:
    pat = _digests()[PAT]
    ms = next(i for i in pat.items if i.ref == "MS-02")
    assert ms.at_risk_from == ("TAP-07 (5 working days overdue)",)  # TAP-04 is complete: not named
    text, html = _render(pat)
    assert "At risk from: TAP-07 (5 working days overdue)" in text and "TAP-04" not in text
    assert "TAP-04" not in html


def test_people_are_greeted_by_name() -> None:
    digests = _digests()
    text, html = _render(digests[ALEX])
    assert text.startswith("Dear Alex Smith,\n") and "<p>Dear Alex Smith,</p>" in html
    assert digests[ALEX].short_greeting == "Hello Alex Smith"
    assert render_card(digests[ALEX])["attachments"][0]["content"]["body"][1]["text"] == "Hello Alex Smith"
    assert Digest("x@example.org", "email", "P", "s", (), (), "<m@x>").greeting == "Hello,"


ISO = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def test_dates_in_words_in_the_email_and_the_card() -> None:
    for digest in _digests().values():
        text, html = _render(digest)
        card = json.dumps(render_card(digest))
        for face in (text, html, card):
            assert not ISO.findall(face), digest.recipient
    text, html = _render(_digests()[ALEX])
    assert "Due Friday 8 December 2017, due in 3 working days." in text
    assert "Last update from the owner: Monday 6 November 2017" in text
    assert "Friday 8 December 2017<br>due in 3 working days" in html
    assert "Friday 8 December 2017" in json.dumps(render_card(_digests()[ALEX]))


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[int] = []
        self.meta: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append(0)
        elif tag in ("td", "th"):
            self.rows[-1] += 1
        elif tag == "meta":
            self.meta.append(dict(attrs))


def test_the_html_reads_on_a_phone_without_a_wide_table() -> None:
    # On main: one 7-column table, unreadable below 600 px. Now each item is a short list of facts.
    _, html = _render(_digests()[SAM])
    cells = _Cells()
    cells.feed(html)
    assert cells.rows and max(cells.rows) <= 2
    assert {"name": "viewport", "content": "width=device-width, initial-scale=1"} in cells.meta
    assert "max-width: 600px" in html


def test_the_owners_email_reads_as_written() -> None:
    text, _ = _render(_digests()[ALEX])
    golden = GOLDEN / "digest_owner.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(text)
    assert text == golden.read_text()


def test_the_card_names_the_owner_and_what_a_milestone_is_at_risk_from() -> None:
    digests = _digests()
    card = json.dumps(render_card(digests[PAT]))
    assert "At risk from" in card and "TAP-07 (5 working days overdue)" in card and "TAP-04" not in card
    sam = json.dumps(render_card(digests[SAM]))
    assert '"title": "Owner"' in sam and "Chris Green (away; Kim Lee is covering as deputy)" in sam


def test_the_cards_due_line_reads_as_the_emails() -> None:
    card = json.dumps(render_card(_digests()[ALEX]))
    assert "Friday 8 December 2017, due in 3 working days" in card

"""What a digest says, read as its recipients read it: the sweep's real decisions (pure `decide`) turned
into notices as the sweep writes them, grouped and rendered. One entry per item with all its reasons, the
owner named to managers and the board, people greeted by name, dates in words, a layout that fits a phone.
The owner's plain-text email is kept as a golden file (UPDATE_GOLDEN=1 rewrites it)."""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from email.message import Message
from html.parser import HTMLParser
from pathlib import Path

from config.policy import load_policy
from models.calendar import WorkingCalendar
from models.ledger.kinds import EventKind
from models.links.tokens import LinkMaker, read
from models.sweep.alerts import sweep_failed_notice
from models.sweep.persist import notice_payload
from models.sweep.rules import Decision, decide
from models.sweep.snapshot import ItemView, PersonView, Snapshot
from models.vocab import ItemKind, Status
from notifications.links import LinkBook
from notifications.messages import Digest, PendingNotice, build_digests
from notifications.pack_mail import PackDigest, pack_digests, render_pack_card, render_pack_email
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


# The links a dispatch writes, with the Person rows and the plan read from the database in their place.
LINKS = LinkMaker("https://los.example.org", b"k" * 32, datetime(2017, 12, 5, 7, tzinfo=UTC), 21)
PERSON_IDS = {ALEX: 11, CHRIS: 12, SAM: 13, KIM: 14, PAT: 15}
BOOK = LinkBook(LINKS, {"Plan": (3, "plan")}, {("plan", e): i for e, i in PERSON_IDS.items()}, {})


def _golden(name: str, text: str) -> None:
    golden = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(text)
    assert text == golden.read_text()


def test_the_owners_email_reads_as_written() -> None:
    _golden("digest_owner.txt", _render(BOOK.fill(_digests()[ALEX]))[0])


def test_the_owners_email_without_links_reads_as_written() -> None:
    # No secret key: no links, and a plain request in their place, never a command.
    book = LinkBook(None, {"Plan": (3, "plan")}, {}, {"Plan": PAT})
    text = _render(book.fill(_digests()[ALEX]))[0]
    _golden("digest_owner_no_links.txt", text)
    assert f"reply to your board secretariat ({PAT})" in text and "http" not in text


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.anchors: list[tuple[str, str]] = []
        self._href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href") or ""
            self.anchors.append((self._href, ""))

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            href, text = self.anchors[-1]
            self.anchors[-1] = (href, text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._href = None


def _anchors(html: str) -> list[tuple[str, str]]:
    parser = _Anchors()
    parser.feed(html)
    return parser.anchors


def test_each_item_has_its_update_link_in_both_parts_and_the_card() -> None:
    sam = BOOK.fill(_digests()[SAM])
    text, html = _render(sam)
    anchors = _anchors(html)
    for item in sam.items:
        [(href, words)] = [(h, w) for h, w in anchors if w.startswith(f"Update {item.ref}")]
        assert words == f"Update {item.ref}"
        assert href.startswith("https://los.example.org/u/") and href == sam.update_url(item)
        assert f"Update {item.ref}: {href}\n" in text  # the text part carries the very same URL
        claims = read(LINKS.key, href.rsplit("/", 1)[1])
        assert (claims.person_id, claims.plan_id, claims.ref) == (PERSON_IDS[SAM], 3, item.ref)
        assert claims.expires - claims.issued == timedelta(days=21)
    everything = [h for h, w in anchors if w == "Update all my items"]
    assert (
        len(everything) == 2 and everything[0] == everything[1] == sam.all_items_url
    )  # at the top, the foot
    assert text.count(f"Update all my items: {sam.all_items_url}\n") == 2
    assert read(LINKS.key, sam.all_items_url.rsplit("/", 1)[1]).ref is None
    assert "These links work until Tuesday 26 December 2017 and are for you only." in text
    assert "Do not forward this email" in text and "Do not forward this email" in html
    content = render_card(sam)["attachments"][0]["content"]
    opened = [a for block in content["body"] if block["type"] == "ActionSet" for a in block["actions"]]
    assert [(a["type"], a["title"], a["url"]) for a in opened] == [
        ("Action.OpenUrl", f"Update {i.ref}", sam.update_url(i)) for i in sam.items
    ]
    assert content["actions"] == [
        {"type": "Action.OpenUrl", "title": "Update all my items", "url": sam.all_items_url}
    ]


def test_a_deputys_link_says_it_acts_for_the_away_owner() -> None:
    kim = BOOK.fill(_digests()[KIM])
    text, html = _render(kim)
    [tap] = kim.items
    assert ("Update TAP-07 for Chris Green" in text) and (
        kim.update_url(tap),
        "Update TAP-07 for Chris Green",
    ) in (_anchors(html))
    assert read(LINKS.key, kim.update_url(tap).rsplit("/", 1)[1]).person_id == PERSON_IDS[KIM]
    acts_for = 'A link "for Chris Green" records your update on behalf of Chris Green while they are away.'
    assert acts_for in text and acts_for in html.replace("&#34;", '"')
    assert "for Chris Green" not in _render(BOOK.fill(_digests()[ALEX]))[0]
    card = render_card(kim)["attachments"][0]["content"]
    assert any(
        a["title"] == "Update TAP-07 for Chris Green"
        for b in card["body"]
        if b["type"] == "ActionSet"
        for a in b["actions"]
    )


def test_a_reader_with_no_record_and_a_report_about_the_service_get_no_links() -> None:
    # A board's Teams channel (no Person row) reads the same digest with no link in it.
    nobody = replace(_digests()[PAT], recipient="Improvement Board")
    filled = BOOK.fill(nobody)
    assert not filled.all_items_url and not any(filled.update_url(i) for i in filled.items)
    text, html = _render(filled)
    assert "http" not in text and "<a " not in html and "reply to your board secretariat" in text
    assert "actions" not in render_card(filled)["attachments"][0]["content"]
    # An alert about undelivered messages names no item: nothing to update, no link, no "how to update".
    alert = PendingNotice(
        1, "k", PAT, "email", EventKind.DEAD_NOTICES_REPORTED, 4,
        {"ref": "(outbox)", "title": "Messages that could not be delivered", "reason": "1 message could not "
         "be delivered", "due": TODAY},
    )  # fmt: skip
    [digest] = build_digests([alert], {1: "Plan"}, "example.org")
    filled = BOOK.fill(digest)
    text, html = _render(filled)
    assert not filled.all_items_url and "http" not in text and "How to update" not in html


def test_the_card_names_the_owner_and_what_a_milestone_is_at_risk_from() -> None:
    digests = _digests()
    card = json.dumps(render_card(digests[PAT]))
    assert "At risk from" in card and "TAP-07 (5 working days overdue)" in card and "TAP-04" not in card
    sam = json.dumps(render_card(digests[SAM]))
    assert '"title": "Owner"' in sam and "Chris Green (away; Kim Lee is covering as deputy)" in sam


def test_the_cards_due_line_reads_as_the_emails() -> None:
    card = json.dumps(render_card(_digests()[ALEX]))
    assert "Friday 8 December 2017, due in 3 working days" in card


# What the web face queues (payloads as the common brief fixes them): a request to move a due date, for the
# secretariat, and a new link a person asked for (for one item, and for all their items: ref "").
DUE_CHANGE = {
    "ref": "TAP-07",
    "title": "Decide on care proceedings",
    "due": "2017-11-28",
    "reason": "Chris Green asks to move the due date of TAP-07 from Tuesday 28 November 2017 to Friday 5 "
    "January 2018: the court list moved",
    "next_step": "The secretariat decides; re-baselining is done in the plan workbook.",
    "requested_due": "2018-01-05",
    "requested_by": CHRIS,
    "owner": CHRIS,
    "owner_name": "Chris Green",
    "recipient_name": "Pat Doe",
    "level": 1,
}


def _resent(ref: str, title: str, due: str) -> dict[str, object]:
    reason = "You asked for a new link on Tuesday 5 December 2017."
    return {
        "ref": ref,
        "title": title,
        "due": due,
        "reason": reason,
        "recipient_name": "Alex Smith",
        "level": 1,
    }


def test_a_request_to_move_a_due_date_reads_well_to_the_secretariat() -> None:
    notice = PendingNotice(1, "k1", PAT, "email", EventKind.DUE_CHANGE_REQUESTED, 2, DUE_CHANGE)
    [digest] = build_digests([notice], {1: "Plan"}, "example.org")
    assert digest.subject == "1 request to move a due date"
    [item] = digest.items
    assert item.labels == ("date change asked",) and item.owner == "Chris Green"
    text, html = _render(BOOK.fill(digest))
    assert "Date change asked. Due Tuesday 28 November 2017" in text
    assert "Chris Green asks to move the due date of TAP-07" in text and "Owner: Chris Green" in text
    assert (
        "If nothing changes: The secretariat decides; re-baselining is done in the plan workbook.\n" in text
    )
    assert ">Date change asked</strong>" in html and "Update TAP-07" in html  # the secretariat may update it
    assert "Last update" not in text and "last update" not in html  # a request: no update is news here


def test_a_new_link_asked_for_reads_well_and_carries_the_links() -> None:
    notices = [
        PendingNotice(1, "k1", ALEX, "email", EventKind.LINK_RESENT, 1, _resent("", "All your items", "")),
        PendingNotice(
            2, "k2", ALEX, "email", EventKind.LINK_RESENT, 1, _resent("NS-01", "Audit", "2017-12-08")
        ),
    ]
    [digest] = build_digests(notices, {1: "Plan", 2: "Plan"}, "example.org")
    assert digest.subject == "2 new links"
    filled = BOOK.fill(digest)
    assert [(i.ref, bool(filled.update_url(i))) for i in filled.items] == [("", False), ("NS-01", True)]
    text, html = _render(filled)
    assert "\nAll your items\n  New link.\n" in text  # no ref, no due date: no ": " and no "Due ."
    assert "You asked for a new link on Tuesday 5 December 2017." in text
    assert "none yet" not in text and "none yet" not in html  # no last update is news here
    assert f"Update all my items: {filled.all_items_url}" in text and "Update NS-01: " in text
    assert "<h2" in html and ": All your items" not in html
    # Asked for alone, the new "all my items" link still comes: it is the whole point of the message.
    [alone] = build_digests(notices[:1], {1: "Plan"}, "example.org")
    filled = BOOK.fill(alone)
    assert filled.all_items_url.startswith("https://los.example.org/me/") and not filled.update_urls
    assert f"Update all my items: {filled.all_items_url}" in _render(filled)[0]


# A command anywhere in a message: `lineofsight ...`, or an option such as --by or --status.
COMMAND = re.compile(r"lineofsight\s+[a-z]|--[a-z]", re.IGNORECASE)
URL = re.compile(r"https?://\S+")


def _words(value: object) -> str:
    """Every text of a card, without its URLs (a token may hold "--")."""
    if isinstance(value, dict):
        return " ".join(_words(v) for k, v in value.items() if k != "url")
    if isinstance(value, list):
        return " ".join(_words(v) for v in value)
    return str(value)


def test_no_message_tells_anyone_to_run_a_command(tmp_path: Path) -> None:
    snapshot = replace(_snapshot(), dead_notices=(("NS-01", ALEX, "550 no such user"),))
    decisions = decide(snapshot, load_policy(), WorkingCalendar("ENG"), D(TODAY))
    decisions.append(sweep_failed_notice("Plan", PAT, "ValueError: bad date", D(TODAY)))
    notices = [n for n in _notices(decisions) if n.recipient]
    notices += [
        PendingNotice(900, "d", PAT, "email", EventKind.DUE_CHANGE_REQUESTED, 2, DUE_CHANGE),
        PendingNotice(901, "r", ALEX, "email", EventKind.LINK_RESENT, 1, _resent("", "All your items", "")),
    ]
    kinds = {n.kind for n in notices}
    assert {EventKind.DEAD_NOTICES_REPORTED, EventKind.SWEEP_FAILED, EventKind.REMINDER_QUEUED} <= kinds
    digests = build_digests(notices, {n.id: "Plan" for n in notices}, "example.org")
    no_links = LinkBook(None, {"Plan": (3, "plan")}, {}, {"Plan": PAT})
    faces = []
    for digest in digests:
        for filled in (digest, BOOK.fill(digest), no_links.fill(digest)):
            faces += [*_render(filled), _words(render_card(filled))]
    pdf = tmp_path / "pack.pdf"
    pdf.write_bytes(b"%PDF-1.7 a pack")
    pack = PendingNotice(
        950, "p", PAT, "email", EventKind.PACK_PUBLISHED, 1,
        {"title": "Board pack", "audience": "board", "board": "Improvement Board", "meeting": "2017-12-12",
         "built_for": "2017-12-05", "pdf_name": "pack.pdf", "ledger": "12:abcd", "counts": {"red": 1},
         "exceptions": 1, "pdf": str(pdf), "pdf_sha256": hashlib.sha256(pdf.read_bytes()).hexdigest()},
    )  # fmt: skip
    [pack_digest] = pack_digests([pack], {950: "Plan"}, "example.org")
    assert isinstance(pack_digest, PackDigest)
    faces += [*_parts(render_pack_email(pack_digest, "los@example.org", datetime(2017, 12, 5, tzinfo=UTC)))]
    faces.append(_words(render_pack_card(pack_digest)))
    assert len(faces) == 3 * 3 * len(digests) + 3 and all(faces)
    for face in faces:
        assert not COMMAND.findall(URL.sub("", face)), face
    # The check itself catches what the digests said before: a command, and an option.
    assert COMMAND.search('How to update: lineofsight update REF --by a@b.org --status "in progress"')
    assert COMMAND.search("check `outbox --status dead`")

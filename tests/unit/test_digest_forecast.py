"""The forecast_late warning as its owner and the lead read it (issue 20): the pace and the finish in words
in the email (text and HTML) and the Teams card, under its own label; the sweep's real decision (pure
`decide`), through the notice's JSON as the sweep writes it."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from email.message import Message

from config.policy import load_policy
from models.calendar import WorkingCalendar
from models.sweep.persist import notice_payload
from models.sweep.rules import decide
from models.sweep.snapshot import ItemView, PersonView, Snapshot
from models.vocab import ItemKind, Status
from notifications.messages import Digest, PendingNotice, build_digests
from notifications.rendering import render_card, render_email

D = date.fromisoformat
ALEX, SAM = "alex@example.org", "sam@example.org"
HISTORY = ((D("2017-10-04"), 10), (D("2017-10-18"), 15), (D("2017-11-01"), 20), (D("2017-11-15"), 25))
WORDS = (
    "at 0.5% a working day since Monday 4 September 2017 you would finish around Friday 22 June 2018, "
    "128 working days late"
)


def _digests(day: str, told: dict[str, tuple[date, str]] | None = None) -> dict[str, Digest]:
    item = ItemView(
        ItemKind.ACTION,
        "TAP-12",
        "Recruit permanent social workers",
        ALEX,
        D("2017-12-15"),
        Status.IN_PROGRESS,
        area="A1",
        percent=25,
        last_update=D("2017-11-15"),
        start=D("2017-09-04"),
    )
    people = {ALEX: PersonView(ALEX, "Alex Smith", manager=SAM), SAM: PersonView(SAM, "Sam Jones")}
    snap = Snapshot(
        "Plan",
        "ENG",
        (item,),
        people,
        histories={"TAP-12": HISTORY},
        forecast_told=told or {},
    )
    decisions = [d for d in decide(snap, load_policy(), WorkingCalendar("ENG"), D(day)) if d.recipient]
    notices = [
        PendingNotice(i, d.dedupe_key, d.recipient, "email", d.kind, d.urgency, json.loads(notice_payload(d)))
        for i, d in enumerate(decisions)
    ]
    return {d.recipient: d for d in build_digests(notices, {n.id: "Plan" for n in notices}, "example.org")}


def _render(digest: Digest) -> tuple[str, str, str]:
    message: Message = render_email(digest, "los@example.org", datetime(2017, 11, 20, 9, tzinfo=UTC))
    parts = {
        p.get_content_subtype(): p.get_payload(decode=True).decode()  # type: ignore[union-attr]
        for p in message.walk()
        if p.get_content_maintype() == "text"
    }
    return parts["plain"], parts["html"], json.dumps(render_card(digest))


def test_the_owner_reads_the_pace_and_the_finish_in_every_face() -> None:
    alex = _digests("2017-11-20")[ALEX]
    [item] = alex.items
    assert item.labels == ("forecast late",)
    assert alex.subject == "1 item forecast late"
    text, html, card = _render(alex)
    for face in (text, html, card):
        assert WORDS in face, face
        assert not re.findall(r"\b\d{4}-\d{2}-\d{2}\b", face)  # dates in words only
    assert "Forecast late. Due Friday 15 December 2017, due in 19 working days." in text
    assert "Why: forecast to finish late: " + WORDS + " (range: " in text
    # Its next step is the warning's: the manager hears 10 working days on if it is still late.
    assert "If nothing changes: your manager, Sam Jones, is told on Monday 4 December 2017." in text


def test_the_manager_reads_that_it_is_still_late_and_whose_it_is() -> None:
    owner_key = f"Plan|TAP-12|2017-12-15|forecast_late|owner|{ALEX}"
    sam = _digests("2017-12-04", {"TAP-12|2017-12-15": (D("2017-11-20"), owner_key)})[SAM]
    text, html, card = _render(sam)
    # In the third person: the manager would finish nothing.
    words = WORDS.replace(" you would ", " it would ")
    assert "still forecast to finish late 10 working days after the owner's warning: " + words in text
    assert "Owner: Alex Smith" in text and "You are told this as the owner's manager." in text
    assert words in html and words in card and "you would" not in text

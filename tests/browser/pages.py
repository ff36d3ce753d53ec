"""What the browser tests read and fill on the web face's pages, by the contract's labels and names only
(never by markup that the pages may change): the form's labels, the button's text, the banner's words."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from playwright.sync_api import Locator, Page
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.audit import AuditEvent
from models.ledger.chain import decode_data
from models.outbox import Notice
from models.plan import Action, Update

SEND = "Send update"
RECEIVED = "Update received"


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href, self._text = dict(attrs).get("href") or "", []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.found.append((" ".join("".join(self._text).split()), self._href))
            self._href = None


@dataclass
class Mail:
    """One `.eml` file the dispatcher wrote: its HTML anchors (text, href) and its text part."""

    path: Path
    to: str
    anchors: list[tuple[str, str]]
    text: str

    def link(self, starting: str) -> str:
        found = [href for text, href in self.anchors if text.startswith(starting)]
        assert found, f"no anchor starting {starting!r} in {self.path.name}: {self.anchors}"
        return found[0]


def read_mail(path: Path) -> Mail:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    html = message.get_body(("html",))
    text = message.get_body(("plain",))
    assert html is not None and text is not None, f"{path.name} lacks an HTML or a text part"
    parser = _Anchors()
    parser.feed(html.get_content())
    return Mail(path, str(message["To"]), parser.found, text.get_content())


def mails_to(folder: Path, address: str) -> list[Mail]:
    return [m for m in map(read_mail, sorted(folder.glob("*.eml"))) if address in m.to]


def form_for(page: Page, ref: str | None = None) -> Locator:
    """The update form: the only one on an item page; on the "all my items" page, the one that holds `ref`
    when asked (found by position, so the locator still holds if a test changes the field)."""
    forms = page.locator("form").filter(has=page.get_by_role("button", name=SEND))
    if ref is None:
        return forms
    refs: list[str | None] = [
        form.locator("input[name='ref']").get_attribute("value")
        if form.locator("input[name='ref']").count()
        else None
        for form in forms.all()
    ]
    # No form for `ref`: the position past the last form, a locator that finds nothing (count() == 0).
    return forms.nth(refs.index(ref) if ref in refs else len(refs))


def choose(form: Locator, label: str, wanted: str) -> None:
    """Picks, in the select or the radio group labelled `label`, the option whose words are `wanted`
    (whatever its value attribute is)."""
    radios = form.locator("fieldset", has_text=label).get_by_role("radio", name=wanted, exact=False)
    if radios.count():
        radios.first.check()
        return
    select = form.get_by_label(label, exact=True)
    texts = [t.strip() for t in select.locator("option").all_inner_texts()]
    matches = [t for t in texts if t.lower() == wanted.lower()]
    assert matches, f"no option {wanted!r} under {label!r}: {texts}"
    select.select_option(label=matches[0])


def fill_update(
    form: Locator, *, status: str | None = None, percent: str | None = None, note: str = ""
) -> None:
    if status is not None:
        choose(form, "Status", status)
    if percent is not None:
        form.get_by_label("Percent complete", exact=True).fill(percent)
    if note:
        form.get_by_label("What has changed (note)", exact=True).fill(note)


def submit(page: Page, form: Locator) -> None:
    with page.expect_navigation():
        form.get_by_role("button", name=SEND).click()


# --- what the database says ---------------------------------------------------------------------------


def updates_of(engine: Engine, ref: str) -> list[Update]:
    with Session(engine) as session:
        action = session.exec(select(Action).where(Action.ref == ref)).one()
        return list(session.exec(select(Update).where(Update.action_id == action.id)))


def ledger(engine: Engine, kind: str | None = None) -> list[tuple[AuditEvent, dict[str, object]]]:
    with Session(engine) as session:
        query = select(AuditEvent).order_by(AuditEvent.seq)  # type: ignore[arg-type]
        if kind is not None:
            query = query.where(AuditEvent.kind == kind)
        return [(event, decode_data(event.body)) for event in session.exec(query)]


def ledger_text(engine: Engine) -> str:
    """Every byte the ledger holds, as text: to look for what must never be in it."""
    return "\n".join(
        f"{event.actor} {event.kind} {event.ref} {event.body.decode('utf-8', 'replace')}"
        for event, _ in ledger(engine)
    )


def notices(engine: Engine, *, after: int = 0) -> list[Notice]:
    with Session(engine) as session:
        return list(session.exec(select(Notice).where(Notice.id > after).order_by(Notice.id)))  # type: ignore[arg-type,operator]


def last_notice_id(engine: Engine) -> int:
    found = notices(engine)
    return (found[-1].id or 0) if found else 0

"""What a page carries and what the server writes down, seen from the browser: the security headers, no
Referer sent onwards, no console error, and the token nowhere in the server's log or in the ledger."""

from __future__ import annotations

import html
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Request, expect

from models.links.tokens import fingerprint
from tests.browser.conftest import OWNER, WebFace, assert_accessible, console_errors
from tests.browser.pages import RECEIVED, fill_update, form_for, ledger_text, submit, updates_of

pytestmark = pytest.mark.slow


@dataclass
class Elsewhere:
    """Another site, on another port: what it hears of the page a link was followed from (`seen`), and
    the page it serves (`html`)."""

    url: str
    seen: list[dict[str, str]] = field(default_factory=list)
    html: str = "<!doctype html><html lang='en'><title>Evidence</title><p>Evidence</p></html>"


@pytest.fixture
def elsewhere() -> Iterator[Elsewhere]:
    site = Elsewhere("")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            site.seen.append({k.lower(): v for k, v in self.headers.items()})
            body = site.html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    site.url = f"http://127.0.0.1:{server.server_address[1]}/evidence"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


def test_the_update_page_carries_the_security_headers(face: WebFace, page: Page) -> None:
    answer = page.goto(face.item_link(OWNER, "TAP-07"))
    assert answer is not None and answer.status == 200
    headers = answer.all_headers()
    csp = headers.get("content-security-policy", "")
    for part in ("default-src 'none'", "style-src 'self'", "form-action 'self'", "frame-ancestors 'none'"):
        assert part in csp, csp
    assert "unsafe-inline" not in csp
    assert headers.get("x-frame-options", "").upper() == "DENY"
    assert headers.get("x-content-type-options") == "nosniff"
    assert headers.get("referrer-policy") == "no-referrer"
    assert "no-store" in headers.get("cache-control", "")
    assert "set-cookie" not in headers
    # The page's stylesheet loaded under that policy (no inline style needed), and nothing complained.
    assert page.evaluate("getComputedStyle(document.body).fontFamily") != ""
    assert not console_errors(page), console_errors(page)


def test_no_referer_leaves_the_page(face: WebFace, page: Page, elsewhere: Elsewhere) -> None:
    target, seen = elsewhere.url, elsewhere.seen
    link = face.item_link(OWNER, "TAP-07")
    requests: list[Request] = []
    page.on("request", lambda r: requests.append(r))
    page.goto(link)
    stylesheet = [r for r in requests if r.url.endswith("/static/app.css")]
    assert stylesheet, [r.url for r in requests]
    assert "referer" not in stylesheet[0].all_headers()
    # A link on the page to another site (an evidence link, say): the site hears nothing of where from.
    page.evaluate(
        "(to) => { const a = document.createElement('a'); a.href = to; a.id = 'away'; a.textContent = 'Away';"
        " document.querySelector('main').appendChild(a); }",
        target,
    )
    with page.expect_navigation():
        page.locator("#away").click()
    assert seen and "referer" not in seen[0], seen
    assert not any(urlsplit(link).path in str(h) for h in seen)


def test_the_token_is_nowhere_in_the_servers_log_nor_the_ledger(face: WebFace, page: Page) -> None:
    link = face.item_link(OWNER, "TAP-07")
    token = urlsplit(link).path.rsplit("/", 1)[1]
    page.goto(link)
    form = form_for(page)
    fill_update(form, percent="55", note="Halfway and a bit.")
    submit(page, form)
    expect(page.get_by_text(RECEIVED)).to_be_visible()
    page.goto(link.replace(token, token[:-3] + "xyz"))  # a refused one is logged too
    page.goto(f"{face.base_url}/no/such/page")

    log = face.log_text()
    assert token not in log and token.split(".")[0] not in log and token.split(".")[1] not in log
    assert fingerprint(token) in log, "the access log names the link by its fingerprint\n" + log[-2000:]
    assert "Traceback" not in log, log[-3000:]
    assert token not in ledger_text(face.engine)


def test_unknown_pages_and_health(face: WebFace, page: Page) -> None:
    answer = page.goto(f"{face.base_url}/no/such/page")
    assert answer is not None and answer.status == 404
    assert "Traceback" not in page.content()
    assert_accessible(page, "the 404 page")
    health = page.request.get(f"{face.base_url}/healthz")
    assert health.status == 200 and health.text().strip() == "ok"


def test_a_link_opened_too_often_is_slowed_down_with_a_plain_page(face: WebFace, page: Page) -> None:
    link = face.item_link(OWNER, "TAP-07")
    statuses = []
    for _ in range(100):  # a person never opens one link this often in a minute; a script might
        answer = page.goto(link)
        assert answer is not None
        statuses.append(answer.status)
        if answer.status != 200:
            break
    assert statuses[-1] == 429 and set(statuses[:-1]) == {200}, statuses
    assert "Too many requests" in page.title()
    assert "TAP-07" not in page.content() and "Audit" not in page.content()
    assert_accessible(page, "the 429 page")
    # Another link of the same person is not slowed down by it.
    other = page.goto(face.all_link(OWNER))
    assert other is not None and other.status == 200


def test_a_note_too_long_to_take_gets_a_plain_page(face: WebFace, page: Page) -> None:
    page.goto(face.item_link(OWNER, "TAP-07"))
    form = form_for(page)
    fill_update(form, note="A pasted report. " * 5_000)  # about 85 KB: over the 64 KiB a form may carry
    with page.expect_navigation() as answer:
        form.get_by_role("button", name="Send update").click()
    assert answer.value is not None and answer.value.status == 413
    assert "Traceback" not in page.content() and "TAP-07" not in page.content()
    assert_accessible(page, "the 413 page")
    assert updates_of(face.engine, "TAP-07") == []


def test_a_form_posted_from_another_site_changes_nothing(
    face: WebFace, page: Page, elsewhere: Elsewhere
) -> None:
    # Even holding the link and a good anti-forgery field (as if both had leaked), a form on another site
    # cannot post an update: the browser names that site as the form's origin, and the web face refuses it.
    link = face.item_link(OWNER, "TAP-07")
    page.goto(link)
    fields = {name: page.locator(f"input[name='{name}']").input_value() for name in ("csrf", "form_id")}
    hidden = "".join(f"<input type='hidden' name='{n}' value='{html.escape(v)}'>" for n, v in fields.items())
    elsewhere.html = (
        "<!doctype html><html lang='en'><title>Win a prize</title><main>"
        f"<form method='post' action='{html.escape(link)}'>{hidden}"
        "<input type='hidden' name='percent' value='100'><input type='hidden' name='status' value='complete'>"
        "<button>Claim your prize</button></form></main></html>"
    )
    page.goto(elsewhere.url)
    with page.expect_navigation() as answer:
        page.get_by_role("button", name="Claim your prize").click()
    assert answer.value is not None and answer.value.status == 403, answer.value.status
    assert RECEIVED not in page.content()
    assert updates_of(face.engine, "TAP-07") == []

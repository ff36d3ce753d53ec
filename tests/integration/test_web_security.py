"""The web face's guard, through the real application on a real database: the security headers on every
response, bodies over 64 KiB refused, the per-link rate limit, a plain page for an unexpected error, and the
access log naming links by fingerprint only. A test adds its own small route where it needs one."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI, Response
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select
from starlette.requests import Request
from starlette.testclient import TestClient
from starlette.types import Message

from config.settings import Settings
from models.links.tokens import LinkMaker, csrf_token, fingerprint
from models.people import Person
from models.plan import Plan
from tests.factories import OWNER, load_small_plan
from web.app import create_app
from web.security import MAX_BODY, RENEW_PATH

KEY = "k" * 48
PER_MINUTE = Settings.model_fields["link_rate_limit"].default  # LINEOFSIGHT_LINK_RATE_LIMIT's default: 30
TOKEN = "eyJzZWNyZXQiOiJ0b2tlbiJ9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"  # shaped like a link's token
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)


def _app(db_url: str, base_url: str = "http://127.0.0.1:8080", **settings: Any) -> FastAPI:
    api = create_app(Settings(database_url=db_url, secret_key=KEY, base_url=base_url, **settings))

    def explode() -> Response:
        raise RuntimeError(f"the page failed on /u/{TOKEN}")

    def cookie() -> Response:
        response = Response("a cookie")
        response.set_cookie("taste", "ginger", samesite="lax")
        return response

    api.add_api_route("/test/explode", explode)
    api.add_api_route("/test/cookie", cookie)
    return api


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    with TestClient(_app(db_url)) as test_client:
        yield test_client


def _assert_guarded(response: httpx.Response) -> None:
    headers = response.headers
    assert headers["content-security-policy"] == CSP
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["cross-origin-opener-policy"] == "same-origin"


def test_every_response_carries_the_security_headers(client: TestClient) -> None:
    for path in (f"/u/{TOKEN}", f"/me/{TOKEN}", "/nowhere", "/static/app.css"):
        response = client.get(path)
        _assert_guarded(response)
        assert "strict-transport-security" not in response.headers  # plain http: no promise of https
    assert client.get(f"/u/{TOKEN}").headers["cache-control"] == "no-store"
    assert client.get(f"/me/{TOKEN}").headers["cache-control"] == "no-store"
    assert (
        client.get("/static/app.css").headers.get("cache-control") != "no-store"
    )  # the stylesheet may be kept


def test_https_base_url_adds_hsts(db_url: str) -> None:
    with TestClient(_app(db_url, "https://lineofsight.council.example.org")) as client:
        response = client.get("/nowhere")
    assert response.headers["strict-transport-security"] == "max-age=31536000"
    _assert_guarded(response)


def test_unknown_path_is_a_plain_page(client: TestClient) -> None:
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Page not found" in response.text and "detail" not in response.text


def test_a_cookie_leaves_http_only_and_same_site_strict(db_url: str) -> None:
    with TestClient(_app(db_url)) as client:
        plain = client.get("/test/cookie").headers["set-cookie"]
    with TestClient(_app(db_url, "https://lineofsight.council.example.org")) as client:
        secure = client.get("/test/cookie").headers["set-cookie"]
    for cookie in (plain, secure):
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "lax" not in cookie.lower()
    assert "Secure" in secure and "Secure" not in plain


def test_a_body_over_64_kib_is_refused_by_its_length(client: TestClient) -> None:
    response = client.post(f"/u/{TOKEN}", content=b"note=" + b"x" * MAX_BODY)
    assert response.status_code == 413
    assert "too large" in response.text
    _assert_guarded(response)
    assert client.post("/links/renew", content=b"x" * (MAX_BODY + 1)).status_code == 413


def test_a_chunked_body_over_64_kib_is_refused_by_counting(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(20):
            yield b"x" * 4096  # 80 KiB in all, no Content-Length

    response = client.post(f"/u/{TOKEN}", content=chunks())
    assert response.status_code == 413


def test_a_small_chunked_body_reaches_the_page(db_url: str) -> None:
    api = _app(db_url)

    async def echo(request: Request) -> Response:
        return Response(f"{len(await request.body())} bytes")

    api.add_route("/test/echo", echo, methods=["POST"])
    with TestClient(api) as client:
        answer = client.post("/test/echo", content=iter([b"a" * 1000, b"b" * 1000]))
    assert (answer.status_code, answer.text) == (200, "2000 bytes")


def test_each_link_is_limited_to_30_requests_a_minute(client: TestClient) -> None:
    for _ in range(PER_MINUTE):
        assert client.get(f"/u/{TOKEN}").status_code != 429
    refused = client.get(f"/u/{TOKEN}")
    assert refused.status_code == 429
    assert "Too many requests" in refused.text and refused.headers["retry-after"] == "60"
    _assert_guarded(refused)
    assert client.post(f"/u/{TOKEN}", data={"note": "x"}).status_code == 429  # posting counts as using
    # the renewal form names the same link in its body: it counts against the same link
    assert client.post("/links/renew", data={"token": TOKEN, "csrf": "x"}).status_code == 429
    assert client.get(f"/u/{TOKEN}x").status_code != 429  # another link is not held back
    assert client.get(f"/me/{TOKEN}").status_code == 429  # the same token by the other door is the same link


def test_the_limit_is_a_setting(db_url: str) -> None:
    assert PER_MINUTE == 30
    with TestClient(_app(db_url, link_rate_limit=3)) as client:
        assert [client.get(f"/me/{TOKEN}").status_code for _ in range(4)][3] == 429


def test_the_renewal_form_is_limited_by_its_link(client: TestClient) -> None:
    for _ in range(PER_MINUTE):
        assert client.post("/links/renew", data={"token": TOKEN, "csrf": "x"}).status_code != 429
    assert client.post("/links/renew", data={"token": TOKEN, "csrf": "x"}).status_code == 429
    assert client.get(f"/u/{TOKEN}").status_code == 429


def test_an_unexpected_error_is_a_plain_page_logged_without_the_token(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    response = client.get("/test/explode")
    assert response.status_code == 500
    assert "Something went wrong" in response.text
    assert "Traceback" not in response.text and "RuntimeError" not in response.text
    assert TOKEN not in response.text
    _assert_guarded(response)
    logged = "\n".join(
        logging.Formatter("%(name)s %(message)s").format(record) for record in caplog.records
    )  # formatted as a handler would: message, then the traceback
    assert "RuntimeError: the page failed on /u/<link:" in logged
    assert "Traceback" in logged
    assert TOKEN not in logged


def test_the_access_log_names_links_by_fingerprint(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="lineofsight.web.access")
    client.get(f"/u/{TOKEN}?sent=1")
    client.post("/links/renew", data={"token": TOKEN, "csrf": "x"})
    lines = [r.getMessage() for r in caplog.records if r.name == "lineofsight.web.access"]
    assert len(lines) == 2
    assert lines[0].startswith(f"GET /u/<link:{fingerprint(TOKEN)}>?sent=1 ")
    assert lines[0].endswith("ms")
    assert lines[1].startswith("POST /links/renew ")
    assert all(TOKEN not in line for line in lines)


# --- through the owner's real pages ----------------------------------------------------------------------


def _counts(engine: Engine) -> dict[str, int]:
    """Rows in every table: what a request that changes nothing leaves exactly as it found."""
    with engine.connect() as conn:
        return {
            table.name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in SQLModel.metadata.sorted_tables
        }


@pytest.fixture
def owner_links(engine: Engine) -> tuple[str, str]:
    """Paths of the plan owner's "Update ACT-1" and "Update all my items" links, written now."""
    load_small_plan(engine)
    with Session(engine) as session:
        person_id = session.exec(select(Person.id).where(Person.email == OWNER)).one()
        plan_id = session.exec(select(Plan.id)).one()
    assert person_id is not None and plan_id is not None
    maker = LinkMaker("http://testserver", KEY.encode(), datetime.now(UTC), days=21)
    return (
        maker.item(person_id, plan_id, "ACT-1").removeprefix("http://testserver"),
        maker.everything(person_id, plan_id).removeprefix("http://testserver"),
    )


def _form(**fields: str) -> dict[str, str]:
    return {"status": "in progress", "rag": "green", "percent": "60", "note": "Cases audited.", **fields} | {
        "form_id": secrets.token_urlsafe(24)
    }


def test_a_post_without_the_forms_csrf_field_is_refused_and_records_nothing(
    client: TestClient, engine: Engine, owner_links: tuple[str, str]
) -> None:
    item, everything = owner_links
    token, all_token = item.rsplit("/", 1)[1], everything.rsplit("/", 1)[1]
    before = _counts(engine)
    attempts = [
        (item, _form()),  # no csrf field at all
        (item, _form(csrf="")),
        (item, _form(csrf=csrf_token(KEY.encode(), all_token))),  # another link's field
        (item, _form(csrf=csrf_token(b"another-key-" * 4, token))),  # made under another key
        (everything, _form(ref="ACT-1")),
        (RENEW_PATH, {"token": token}),
    ]
    for path, fields in attempts:
        response = client.post(path, data=fields, follow_redirects=False)
        assert response.status_code == 403, (path, fields, response.status_code)
        _assert_guarded(response)
    # the right field, posted from another website (the browser says so): refused all the same
    foreign = client.post(
        item,
        data=_form(csrf=csrf_token(KEY.encode(), token)),
        headers={"Origin": "https://elsewhere.example", "Sec-Fetch-Site": "cross-site"},
        follow_redirects=False,
    )
    assert foreign.status_code == 403
    assert _counts(engine) == before
    # The control: the same form with its field goes through, and the counts can tell.
    sent = client.post(item, data=_form(csrf=csrf_token(KEY.encode(), token)), follow_redirects=False)
    assert sent.status_code == 303, sent.text
    after = _counts(engine)
    assert after["update"] == before["update"] + 1 and after["audit_event"] > before["audit_event"]


def test_opening_pages_changes_nothing(
    client: TestClient, engine: Engine, owner_links: tuple[str, str]
) -> None:
    item, everything = owner_links
    token = item.rsplit("/", 1)[1]
    before = _counts(engine)
    for path in (item, everything, f"{item}?sent=1", f"{everything}?sent=1", f"/u/{token}x", "/healthz"):
        assert client.get(path).status_code in (200, 403), path
    assert client.get(item).status_code == 200 and client.get(everything).status_code == 200
    assert client.head(item).status_code in (200, 405)
    assert client.get(RENEW_PATH, params={"token": token}).status_code == 405  # asking needs the form
    assert _counts(engine) == before


def test_a_person_who_leaves_while_sending_is_no_error(db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    api = _app(db_url)

    async def reads_form(request: Request) -> Response:
        return Response(str(dict(await request.form())))

    api.add_route("/test/form", reads_form, methods=["POST"])
    sent: list[Message] = []

    async def gone() -> Message:
        return {"type": "http.disconnect"}  # the browser closed before its body arrived

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/test/form",
        "raw_path": b"/test/form",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"content-length", b"20"),
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    caplog.set_level(logging.INFO)
    asyncio.run(api(scope, gone, send))
    assert sent == []  # nobody to answer
    assert [r.levelno for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert any(r.getMessage().startswith("POST /test/form - ") for r in caplog.records)

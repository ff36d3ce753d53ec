"""The web face's guard in plain values: log records lose their tokens whatever shape they come in, and the
per-link limiter counts a sliding minute on the clock it is given."""

from __future__ import annotations

import logging
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from models.links.tokens import LinkMaker, fingerprint
from web.logs import RedactLinks, redact
from web.security import LinkLimiter

ROOT = Path(__file__).resolve().parents[2]
MAKER = LinkMaker("https://los.example.org", b"k" * 40, datetime(2027, 1, 4, 9, tzinfo=UTC))
ITEM = MAKER.item(7, 1, "TAP-07")
TOKEN = ITEM.rsplit("/", 1)[1]
NAMED = f"<link:{fingerprint(TOKEN)}>"


def _record(msg: str, args: object = None, exc: bool = False) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise ValueError(f"cannot read {ITEM}")
        except ValueError:
            exc_info = sys.exc_info()
    return logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, msg, args, exc_info)  # type: ignore[arg-type]


def _shown(record: logging.LogRecord) -> str:
    assert RedactLinks().filter(record) is True  # the line is kept, only changed
    return logging.Formatter("%(message)s").format(record)


def test_every_place_a_token_can_be_said_is_redacted() -> None:
    assert redact(ITEM) == f"https://los.example.org/u/{NAMED}"
    assert redact(f"/me/{TOKEN}?sent=1") == f"/me/{NAMED}?sent=1"
    assert redact(f"token={TOKEN}&csrf=abc") == f"token={NAMED}&csrf=abc"
    assert (
        redact(f"/u/{TOKEN[:20]}") == f"/u/<link:{fingerprint(TOKEN[:20])}>"
    )  # a cut link is still a secret
    assert redact(f"/somewhere/{TOKEN}") == f"/somewhere/{NAMED}"  # token-shaped, on any path
    assert redact(redact(ITEM)) == redact(ITEM)  # already redacted: left alone
    plain = "GET /static/app.css 200 0.4ms from lineofsight.council.example.org"
    assert redact(plain) == plain


def test_uvicorns_access_record_loses_the_token_from_its_arguments() -> None:
    # uvicorn's access line: '%s - "%s %s HTTP/%s" %d' with the path as an argument
    record = _record('%s - "%s %s HTTP/%s" %d', ("127.0.0.1:5000", "GET", f"/u/{TOKEN}", "1.1", 200))
    assert _shown(record) == f'127.0.0.1:5000 - "GET /u/{NAMED} HTTP/1.1" 200'


def test_a_record_with_named_arguments_or_a_token_in_its_message_is_redacted() -> None:
    assert _shown(_record("opened %(path)s", ({"path": f"/me/{TOKEN}"},))) == f"opened /me/{NAMED}"
    assert _shown(_record(f"opened {ITEM}")) == f"opened https://los.example.org/u/{NAMED}"


def test_a_traceback_is_kept_without_the_token() -> None:
    shown = _shown(_record("Exception in ASGI application", exc=True))
    assert "Traceback" in shown and f"ValueError: cannot read https://los.example.org/u/{NAMED}" in shown
    assert TOKEN not in shown


def test_the_limiter_counts_a_sliding_minute_per_link() -> None:
    now = [0.0]
    limiter = LinkLimiter(per_minute=3, window=60, clock=lambda: now[0])
    allowed = []
    for moment in (0.0, 10.0, 20.0, 30.0):
        now[0] = moment
        allowed.append(limiter.allow("a"))
    assert allowed == [True, True, True, False]
    assert limiter.allow("b")  # each link has its own count
    now[0] = 59.9
    assert not limiter.allow("a")  # the requests of 0, 10 and 20 s are still inside the minute
    now[0] = 60.0
    assert limiter.allow("a")  # the one of 0 s has left it (refusals never counted)
    assert not limiter.allow("a")  # 10, 20 and 60 s: three again
    now[0] = 70.0
    assert limiter.allow("a")


def test_the_limiter_forgets_the_least_recently_used_links_beyond_its_size() -> None:
    limiter = LinkLimiter(per_minute=1, window=60, clock=lambda: 0.0, kept=2)
    assert limiter.allow("a") and limiter.allow("b")
    assert not limiter.allow("a")  # a is now the most recently used, b the least
    assert limiter.allow("c")  # b forgotten
    assert not limiter.allow("a")  # a remembered
    assert limiter.allow("b")  # b counted afresh: memory stays bounded whatever links arrive


def test_the_servers_log_config_redacts_every_logger_and_keeps_access_lines_apart() -> None:
    # In a child process: configuring logging here would take the test run's own capture away.
    probe = f"""
import logging, logging.config
from web.logs import log_config
logging.config.dictConfig(log_config())
logging.getLogger("lineofsight.web.access").info("GET /u/{TOKEN} 200 1.0ms")
logging.getLogger("uvicorn.error").info("request for {ITEM}")
logging.getLogger("some.library").warning("could not fetch {ITEM}")
logging.getLogger("some.library").info("chatter nobody asked for")
"""
    ran = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True, timeout=60
    )
    assert TOKEN not in ran.stdout + ran.stderr
    assert "lineofsight.web.access [" in ran.stdout and f"]: GET /u/{NAMED} 200" in ran.stdout
    assert "uvicorn.error" in ran.stderr and f"request for https://los.example.org/u/{NAMED}" in ran.stderr
    assert f"could not fetch https://los.example.org/u/{NAMED}" in ran.stderr  # through the root logger
    assert "chatter" not in ran.stderr and "GET" not in ran.stderr  # access lines on stdout only


def test_a_sign_in_token_is_redacted_whole_or_cut() -> None:
    from models.console.sign_in import sign_in_url

    link = sign_in_url("https://los.example.org", b"k" * 40, "a@example.org", "n0nce", MAKER.issued)
    token = link.rsplit("/", 1)[1]
    assert redact(link) == f"https://los.example.org/console/enter/<link:{fingerprint(token)}>"
    assert redact(f"POST /console/enter/{token[:12]} 303") == (
        f"POST /console/enter/<link:{fingerprint(token[:12])}> 303"
    )

"""Random recipient addresses already in the database (hidden and control characters, lookalike letters
from other scripts, full-width forms, spaces, no `@`), mixed among healthy ones, dispatched to a real SMTP
server that offers SMTPUTF8: every healthy digest is delivered, every bad one is dead or failed with its
reason, nothing is left `sending`, and the ledger verifies."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.ledger.verification import verify_database
from models.outbox import Notice, NoticeStatus
from notifications.dispatch import dispatch
from notifications.smtp import parse_smtp_url
from notifications.transport import SmtpTransport
from tests.integration.test_dispatch_isolation import queue
from tests.smtp_server import start

MORNING = datetime(2017, 10, 16, 8, 0, tzinfo=UTC)
EXAMPLES = 60
# Characters that make an address no server can take as it is stored. (NUL is left out: PostgreSQL cannot
# store it in text at all, so no such address can exist there.)
ODD = [
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad",  # invisible
    "\u202e", "\u202a", "\u2066", "\u200f",  # bidirectional controls
    "\x01", "\x07", "\x1b", "\x7f", "\t", "\r\n", "\n", " ", "\u00a0",  # controls and spaces
    "\u043e", "\u0430", "\u0435", "\u0440", "\u0441", "\u03bf", "\u0131",  # Cyrillic, Greek, dotless i
    "\uff41", "\uff10", "\uff20",  # full-width a, 0 and @
    "\u00e9", "\u00df", "\u4e2d", "\U0001f600",  # accented, sharp s, CJK, emoji
]  # fmt: skip

local = st.from_regex(r"[a-z][a-z0-9]{0,7}(\.[a-z0-9]{1,4})?", fullmatch=True)
domain = st.sampled_from(["example.org", "council.example.gov.uk", "mail.example.com"])


@st.composite
def bad_address(draw: st.DrawFn) -> str:
    address = f"{draw(local)}@{draw(domain)}"
    how = draw(st.sampled_from(["insert", "insert", "replace", "no-at", "two-at"]))
    if how == "no-at":
        return address.replace("@", draw(st.sampled_from(["", ".", " at "])))
    if how == "two-at":
        return address.replace("@", "@@")
    at = draw(st.integers(0, len(address) - 1))
    chars = "".join(draw(st.lists(st.sampled_from(ODD), min_size=1, max_size=3)))
    return address[:at] + chars + address[at + (how == "replace") :]


counter = itertools.count()
seen = {"examples": 0, "healthy": 0, "bad": 0}


def test_random_addresses_among_healthy_ones(engine: Engine) -> None:
    controller, server = start(smtputf8=True)
    transport = SmtpTransport(parse_smtp_url(f"smtp://127.0.0.1:{controller.port}"))

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        healthy=st.lists(local, min_size=1, max_size=5, unique=True),
        bad=st.lists(bad_address(), min_size=1, max_size=5),
        order=st.randoms(use_true_random=False),
    )
    def one_morning(healthy: list[str], bad: list[str], order: object) -> None:
        n = next(counter)
        good = [f"e{n}.{name}@example.org" for name in healthy]  # fresh people each example
        mixed = [(r, True) for r in good] + [(r, False) for r in bad]
        order.shuffle(mixed)  # type: ignore[attr-defined]
        refs = {f"REF-{n}-{i}": (r, ok) for i, (r, ok) in enumerate(mixed)}
        queue(engine, [(r, ref, {}) for ref, (r, _) in refs.items()], MORNING)
        before = len(server.received)
        dispatch(engine, transport, MORNING, sender="los@example.org")
        mailed = sorted(r.recipients[0] for r in server.received[before:])
        assert mailed == sorted(good), "a healthy digest was not delivered (or went twice)"
        with Session(engine) as session:
            found = session.exec(select(Notice).where(col(Notice.item_refs).in_(list(refs)))).all()
        for notice in found:
            if refs[notice.item_refs][1]:
                assert notice.status is NoticeStatus.SENT
            else:
                assert notice.status in (NoticeStatus.DEAD, NoticeStatus.FAILED), repr(notice.recipient)
                assert notice.last_error and "\n" not in notice.last_error
        seen["examples"] += 1
        seen["healthy"] += len(good)
        seen["bad"] += len(bad)

    try:
        one_morning()
    finally:
        controller.stop()
    with Session(engine) as session:
        assert not session.exec(select(Notice).where(Notice.status == NoticeStatus.SENDING)).all()
    assert verify_database(engine).ok
    print(
        f"\n{engine.dialect.name}: {seen['examples']} examples, {seen['healthy']} healthy, {seen['bad']} bad"
    )
    for key in seen:
        seen[key] = 0

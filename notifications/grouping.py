"""Grouping claimed notices into one digest per recipient and channel (a board pack goes alone), setting
aside the notices no digest can be built from, and noting each notice's digest before anything is sent."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from models.db import unit_of_work
from models.outbox import Notice
from notifications.claims import POISON
from notifications.failures import reason
from notifications.messages import Digest, PendingNotice, build_digests
from notifications.pack_mail import is_pack, pack_digests
from notifications.sign_in_mail import is_sign_in, sign_in_digests


def group(
    notices: list[PendingNotice], plan_of: dict[int, str], domain: str
) -> tuple[list[Digest], list[tuple[PendingNotice, str]]]:
    """The digests to send, and the notices no digest can be built from (odd data), each with the reason.
    Built all at once; only when that fails is each notice tried alone, to find the ones at fault."""
    bad = [(n, str(n.payload[POISON])) for n in notices if POISON in n.payload]
    good = [n for n in notices if POISON not in n.payload]
    try:
        return _build(good, plan_of, domain), bad
    except Exception:  # one notice's odd data must not stop the others: find it below
        pass
    healthy = []
    for notice in good:
        try:
            _build([notice], plan_of, domain)
        except Exception as exc:
            bad.append((notice, reason("its message could not be built", exc)))
        else:
            healthy.append(notice)
    return _build(healthy, plan_of, domain), bad


def _build(notices: list[PendingNotice], plan_of: dict[int, str], domain: str) -> list[Digest]:
    # A board pack goes alone, with its PDF, and a sign-in link alone: never folded into a person's digest.
    packs = [n for n in notices if is_pack(n)]
    sign_ins = [n for n in notices if is_sign_in(n)]
    rest = [n for n in notices if not is_pack(n) and not is_sign_in(n)]
    digests = build_digests(rest, plan_of, domain)
    return digests + pack_digests(packs, plan_of, domain) + sign_in_digests(sign_ins, plan_of, domain)


def remember(engine: Engine, digests: list[Digest]) -> None:
    """Note the digest each notice goes in before sending any: if this process dies after the server took a
    message, the next dispatcher sends the very same digest (same Message-ID), never a different mix."""
    table = Notice.__table__  # type: ignore[attr-defined]
    statement = table.update().where(table.c.id == sa.bindparam("nid")).values(message_id=sa.bindparam("mid"))
    rows = [{"nid": i, "mid": d.message_id} for d in digests for i in d.notice_ids]
    if not rows:
        return
    with unit_of_work(engine, bookkeeping=True) as session:
        session.connection().execute(statement, rows)

"""Receipts: the record that a digest went, written right after its send and before the next.

A digest's receipt is the ledger's (`models.ledger.receipts`): its notices marked sent and their `NoticeSent`
events, in one short transaction; this adapter only says which notices a digest carried.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from datetime import datetime

from sqlalchemy.engine import Engine

from models.ledger.receipts import Receipt, ReceiptBook
from notifications.messages import Digest

ACTOR = "system:dispatch"


class Receipts:
    """Open with `Receipts.held(engine)`; `sent(digest, now)` writes one digest's receipt and returns how
    many of its notices it marked (see `models.ledger.receipts.ReceiptBook`)."""

    def __init__(self, book: ReceiptBook) -> None:
        self._book = book

    @classmethod
    @contextlib.contextmanager
    def held(cls, engine: Engine) -> Iterator[Receipts]:
        with ReceiptBook.held(engine) as book:
            yield cls(book)

    def sent(self, digest: Digest, now: datetime, claims: Mapping[int, int] | None = None) -> int:
        """`claims` (notice id -> the claim number it was sent under), when given, lets the receipt tell a
        copy from a receipt written twice."""
        receipt = Receipt(digest.notice_ids, digest.message_id, digest.plan, ACTOR)
        return self._book.write(receipt, now, claims)

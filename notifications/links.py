"""The links in a digest: each updatable item's signed "Update REF" link and the digest's "Update all my
items", written for the reader's own Person row (people are per organisation) and the plan, with the day
they stop working. A reader we hold no record of (a board's Teams channel, an operator's address) gets no
links; with no links at all (no secret key), the digest says whom to tell instead, never a command.

Everything is read once per dispatch run (`LinkBook.read`), then each digest is filled without the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cached_property

import sqlalchemy as sa
from sqlmodel import Session, col

from models.links.tokens import LinkMaker
from models.people import Person, organisation_key
from models.plan import Plan
from models.sweep.snapshot import board_secretariat
from models.vocab import day_in_words
from notifications.messages import Digest

_CHUNK = 500  # addresses per IN (...) query: well under every database's limit on bound parameters


@dataclass(frozen=True)
class LinkBook:
    links: LinkMaker | None
    plans: dict[str, tuple[int, str]]  # plan name -> (id, organisation key)
    people: dict[tuple[str, str], int]  # (organisation key, address) -> Person id
    secretariats: dict[str, str]  # plan name -> the address of its board's secretariat

    @classmethod
    def read(cls, session: Session, digests: Iterable[Digest], links: LinkMaker | None) -> LinkBook:
        digests = [d for d in digests if d.has_updatable]
        names = {d.plan for d in digests}
        plans = (
            {
                name: (int(plan_id), organisation_key(name, organisation))
                for plan_id, name, organisation in session.execute(
                    sa.select(col(Plan.id), col(Plan.name), col(Plan.organisation)).where(
                        col(Plan.name).in_(names)
                    )
                )
            }
            if names
            else {}
        )
        # Whom to tell instead, for a digest that goes without links: two small queries a plan.
        found = {name: board_secretariat(session, plan_id) for name, (plan_id, _) in plans.items()}
        secretariats = {name: address for name, address in found.items() if address}
        if links is None:
            return cls(None, plans, {}, secretariats)
        addresses = sorted({d.recipient.lower() for d in digests})
        organisations = {organisation for _, organisation in plans.values()}
        people: dict[tuple[str, str], int] = {}
        for start in range(0, len(addresses), _CHUNK):
            chunk = addresses[start : start + _CHUNK]
            people |= {
                (organisation, email): int(person_id)
                for person_id, organisation, email in session.execute(
                    sa.select(col(Person.id), col(Person.organisation), col(Person.email)).where(
                        col(Person.email).in_(chunk), col(Person.organisation).in_(organisations)
                    )
                )
            }
        return cls(links, plans, people, secretariats)

    def fill(self, digest: Digest) -> Digest:
        """The digest with its reader's links, or with whom to tell when it carries none."""
        if not digest.has_updatable:
            return digest
        plan = self.plans.get(digest.plan)
        if self.links is None or plan is None:
            return replace(digest, no_links_help=self._help(digest))
        plan_id, organisation = plan
        person_id = self.people.get((organisation, digest.recipient.lower()))
        if person_id is None:  # a board's channel, an operator: nobody whose links these could be
            return replace(digest, no_links_help=self._help(digest))
        # One copy of the digest, its items as they are: the URLs go in a table by ref.
        urls = {
            item.ref: self.links.item(person_id, plan_id, item.ref) for item in digest.items if item.updatable
        }
        return replace(
            digest,
            update_urls=urls,
            all_items_url=self.links.everything(person_id, plan_id),
            links_until=self.until,
        )

    @cached_property
    def until(self) -> str:
        """The last day the links written now work, in words."""
        return day_in_words(self.links.expires.date()) if self.links else ""

    def _help(self, digest: Digest) -> str:
        secretariat = self.secretariats.get(digest.plan)
        if not secretariat or secretariat.casefold() == digest.recipient.casefold():
            return ""  # the generic sentence (`Digest.how_to_update`)
        return (
            f"To update these items, reply to your board secretariat ({secretariat}) with what has changed."
        )

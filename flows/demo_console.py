"""The demo's way into the console: an inspector let in as `lineofsight access grant` would, and sign-in links
for the board secretariat and that inspector, asked for as the sign-in page asks (so the ledger records them
and their emails land in the demo's outbox) and handed back to be printed, since a demo has no mailbox.

The demo replays 2017, but these are written at the wall clock's `now`, as the owners' links are: a sign-in
link works once, for 15 minutes from then, against `lineofsight web` on the demo's database.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from flows import demo_plan
from flows.bootstrap import App
from flows.sign_in import sign_in_requested
from models.board_packs import Pack
from models.columns import key_of
from models.console.grants import grant_access
from models.console.roles import Role
from models.console.sign_in import read_sign_in, sign_in_url
from models.db import read_session, unit_of_work
from models.errors import LineOfSightError
from models.meetings import Board, Meeting
from models.outbox import Notice
from models.people import Person
from models.plan import Plan
from models.plans.lookup import find_plan

ROLE_TITLES = {Role.SECRETARIAT: "Board secretariat", Role.INSPECTOR: "Inspector"}


class ConsoleNotOpened(LineOfSightError):
    """The demo could not let someone into its console: its workbook or grant no longer gives them a role."""

    def __init__(self, email: str) -> None:
        super().__init__(f"The demo could not write a console sign-in link for {email}: no console role.")


@dataclass(frozen=True)
class ConsoleLink:
    role: Role
    name: str
    email: str
    url: str
    until: datetime  # UTC: when it stops working (15 minutes after it was written), if not used before

    @property
    def title(self) -> str:
        return ROLE_TITLES.get(self.role, self.role.value)


@dataclass(frozen=True)
class DraftPack:
    """A pack the demo leaves for the secretariat to approve in the console."""

    pack_id: int
    board_id: int
    board: str
    meeting: date
    audience: str


@dataclass(frozen=True)
class ConsoleTour:
    base_url: str
    plan_id: int
    links: tuple[ConsoleLink, ...]
    links_until: datetime  # UTC: when the sign-in links stop working
    inspector_until: date  # the last day of the inspector's grant, the plan's local day
    drafts: tuple[DraftPack, ...]

    def url(self, path: str) -> str:
        return f"{self.base_url.rstrip('/')}{path}"

    @property
    def programme(self) -> str:
        return self.url(f"/console/plans/{self.plan_id}")

    def review(self, draft: DraftPack) -> str:
        return self.url(f"/console/plans/{self.plan_id}/boards/{draft.board_id}/packs/{draft.pack_id}")


def open_console(app: App, now: datetime, inspector_until: date, drafts: Iterable[int]) -> ConsoleTour:
    """Grant the demo's inspector read access to the demo plan until `inspector_until`, then ask for a
    sign-in link for its secretariat and its inspector, written at `now`. `drafts`: the ids of the packs
    left for approval, for the tour to point at."""
    with unit_of_work(app.engine) as session:
        grant_access(
            session,
            email=demo_plan.INSPECTOR,
            name=demo_plan.INSPECTOR_NAME,
            plans=[demo_plan.PLAN_NAME],
            role=Role.INSPECTOR,
            until=inspector_until,
            by=demo_plan.GRANTED_BY,
            now=now,
        )
    links = (
        _link(app, Role.SECRETARIAT, demo_plan.SECRETARIAT, now),
        _link(app, Role.INSPECTOR, demo_plan.INSPECTOR, now),
    )
    with read_session(app.engine) as session:
        plan = find_plan(session, demo_plan.PLAN_NAME)
        waiting = _drafts(session, list(drafts))
    return ConsoleTour(
        base_url=app.settings.base_url,
        plan_id=key_of(plan),
        links=links,
        links_until=min(link.until for link in links),
        inspector_until=inspector_until,
        drafts=waiting,
    )


def _link(app: App, role: Role, email: str, now: datetime) -> ConsoleLink:
    """The link the sign-in page would have emailed `email` at `now`: asked for and sent through the outbox
    (the same nonce, the same moment, so the printed link is the emailed one, and either opens once)."""
    maker = app.links(now)
    notice_id = sign_in_requested(app, email, now) if maker is not None else None
    if maker is None or notice_id is None:
        raise ConsoleNotOpened(email)
    with read_session(app.engine) as session:
        notice = session.get(Notice, notice_id)
        assert notice is not None  # just written by sign_in_requested
        payload = json.loads(notice.payload)
    url = sign_in_url(maker.base_url, maker.key, email, str(payload["nonce"]), maker.issued)
    until = read_sign_in(maker.key, url.rsplit("/", 1)[1]).expires
    return ConsoleLink(role, str(payload.get("recipient_name") or email), email, url, until)


def _drafts(session: Session, pack_ids: list[int]) -> tuple[DraftPack, ...]:
    rows = session.exec(
        select(Pack, Meeting, Board)
        .where(col(Pack.id).in_(pack_ids), Pack.meeting_id == Meeting.id, Meeting.board_id == Board.id)
        .order_by(col(Pack.id))
    ).all()
    return tuple(DraftPack(key_of(p), key_of(b), b.name, m.date, p.audience.value) for p, m, b in rows)


def secretariat_of(session: Session, plan: str, board: str) -> str:
    """The address of a board's secretariat (the Boards sheet's), who approves and sends its packs."""
    return session.exec(
        select(Person.email).where(
            Plan.name == plan,
            Board.plan_id == Plan.id,
            Board.name == board,
            Person.id == Board.secretariat_id,
        )
    ).one()

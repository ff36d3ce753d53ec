"""People belong to an organisation: unique (organisation, email) instead of a global email.

Before this, one row per address served every plan, so a second council's workbook could rename another
council's officer, give them a manager of its choosing or replace their Teams URL. Each person is now filed
under the organisation of the plans that refer to them (`models.people.organisation_key`). Someone referred
to by the plans of several organisations is split: the first organisation keeps the row, every other one
gets its own copy, with the managers and deputies of that organisation, and its plans' rows point at it.
Nothing is deleted. Downgrading is refused while an address has more than one row.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 20:00:00.000000
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The tables as this revision knows them, so that later model changes cannot alter what it does.
person = sa.table(
    "person",
    *(sa.column(c) for c in ("id", "organisation", "email", "name", "role", "manager_id", "deputy_id")),
    *(sa.column(c) for c in ("away_from", "away_to", "teams_url")),
)
plan = sa.table("plan", sa.column("id"), sa.column("name"), sa.column("organisation"))
board = sa.table("board", sa.column("id"), sa.column("plan_id"))
# Every column of a plan's rows that names a person (board members are read through their board).
REFERENCES = [
    ("action", "owner_id"),
    ("action", "lead_id"),
    ("milestone", "owner_id"),
    ("area", "lead_id"),
    ("board", "secretariat_id"),
    ("board", "chair_id"),
    ("update", "author_id"),
]


COPIED = ("email", "name", "role", "away_from", "away_to", "teams_url")


def _key(name: str, organisation: str | None) -> str:
    return " ".join((organisation or name).split()).casefold()  # as models.people.organisation_key


def _uses(bind: sa.Connection, keys: dict[int, str]) -> list[tuple[sa.TableClause, str, int, int, int]]:
    """Every reference to a person from a plan's rows: (table, column, row id, person id, plan id)."""
    found: list[tuple[sa.TableClause, str, int, int, int]] = []
    for name, column in REFERENCES:
        table = sa.table(name, sa.column("id"), sa.column("plan_id"), sa.column(column))
        for row_id, plan_id, person_id in bind.execute(
            sa.select(table.c.id, table.c.plan_id, table.c[column]).where(table.c[column].is_not(None))
        ):
            found.append((table, column, row_id, person_id, plan_id))
    return found


def upgrade() -> None:
    bind = op.get_bind()
    op.add_column(
        "person",
        sa.Column(
            "organisation", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False, server_default=""
        ),
    )
    op.drop_index("ix_person_email", table_name="person")  # unique: the copies below share an address
    keys = {i: _key(n, o) for i, n, o in bind.execute(sa.select(plan.c.id, plan.c.name, plan.c.organisation))}
    uses = _uses(bind, keys)
    member = sa.table("boardmember", sa.column("board_id"), sa.column("person_id"))
    members = list(
        bind.execute(
            sa.select(member.c.board_id, member.c.person_id, board.c.plan_id).where(
                member.c.board_id == board.c.id
            )
        )
    )
    people = {r.id: r for r in bind.execute(sa.select(person))}
    orgs: dict[int, set[str]] = defaultdict(set)
    for _, _, _, person_id, plan_id in uses:
        orgs[person_id].add(keys[plan_id])
    for _, person_id, plan_id in members:
        orgs[person_id].add(keys[plan_id])
    # Managers and deputies belong wherever the people who name them belong.
    pending = list(orgs)
    while pending:
        row = people[pending.pop()]
        for linked in (row.manager_id, row.deputy_id):
            if linked is not None and not orgs[row.id] <= orgs[linked]:
                orgs[linked] |= orgs[row.id]
                pending.append(linked)
    # Someone only on a People sheet, no plan's row naming them, goes with the people they name as manager
    # or deputy; with nobody at all, to the one organisation if there is one, or to none (a re-import adds
    # them again where they belong).
    changed = True
    while changed:
        changed = False
        for pid, row in people.items():
            if not orgs[pid]:
                inherited = set().union(
                    *(orgs[linked] for linked in (row.manager_id, row.deputy_id) if linked)
                )
                if inherited:
                    orgs[pid] = {min(inherited)}
                    changed = True
    only = set(keys.values())
    unused = only.pop() if len(only) == 1 else ""
    first = {pid: min(orgs[pid]) if orgs[pid] else unused for pid in people}
    copies: dict[tuple[int, str], int] = {}
    for pid, row in people.items():
        bind.execute(person.update().where(person.c.id == pid).values(organisation=first[pid]))
        for key in sorted(orgs[pid] - {first[pid]}):
            values = {c: getattr(row, c) for c in COPIED}
            insert = person.insert().values(organisation=key, **values).returning(person.c.id)
            copies[(pid, key)] = bind.execute(insert).scalar_one()

    def in_org(pid: int, key: str) -> int:
        # The copy of `pid` in organisation `key`; the row itself when it has none there (a link from
        # someone of no organisation).
        return pid if first[pid] == key else copies.get((pid, key), pid)

    rows = [(pid, first[pid]) for pid in people] + [(new, key) for (_, key), new in copies.items()]
    source = {new: pid for (pid, _), new in copies.items()}
    for row_id, key in rows:
        original = people[source.get(row_id, row_id)]
        links = {
            name: in_org(linked, key) if linked is not None else None
            for name, linked in (("manager_id", original.manager_id), ("deputy_id", original.deputy_id))
        }
        if row_id in source or links != {"manager_id": original.manager_id, "deputy_id": original.deputy_id}:
            bind.execute(person.update().where(person.c.id == row_id).values(**links))
    for table, column, row_id, person_id, plan_id in uses:
        if first[person_id] != keys[plan_id]:
            new = copies[(person_id, keys[plan_id])]
            bind.execute(table.update().where(table.c.id == row_id).values({column: new}))
    for board_id, person_id, plan_id in members:
        if first[person_id] != keys[plan_id]:
            new = copies[(person_id, keys[plan_id])]
            bind.execute(
                member.update()
                .where(member.c.board_id == board_id, member.c.person_id == person_id)
                .values(person_id=new)
            )
    if bind.dialect.name != "sqlite":  # SQLite cannot drop a default in place, and never compares it
        op.alter_column("person", "organisation", server_default=None)
    op.create_index("ix_person_email", "person", ["email"], unique=False)
    op.create_index("uq_person_organisation_email", "person", ["organisation", "email"], unique=True)


def downgrade() -> None:
    bind = op.get_bind()
    shared = (
        bind.execute(sa.select(person.c.email).group_by(person.c.email).having(sa.func.count() > 1).limit(3))
        .scalars()
        .all()
    )
    if shared:
        raise RuntimeError(
            "Cannot go back to one row per address: these addresses belong to several organisations: "
            + ", ".join(shared)
        )
    op.drop_index("uq_person_organisation_email", table_name="person")
    op.drop_index("ix_person_email", table_name="person")
    op.create_index("ix_person_email", "person", ["email"], unique=True)
    op.drop_column("person", "organisation")

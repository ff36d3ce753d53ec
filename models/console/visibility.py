"""Who sees a plan's exempt items in the console. Exempt items are kept out of public packs; in the console
they are seen by the secretariat, auditors and inspectors, and by a chair or member of a board that meets
in private (a board or scrutiny meeting). A chair or member whose boards meet only in public sees none of
them anywhere: not in counts, lists, the trend, who has not updated, nor an item's own page.

`sees_exempt` is the rule on plain values; `exempt_visible` reads the boards' meetings for it. Words the
sweep wrote about a visible item may name an exempt one ("MS-1 is at risk from ACT-2"): `redact` takes
those names out for a viewer who may not see them."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

from sqlmodel import Session, col, select

from models.console.roles import Role, Standing
from models.meetings import Meeting
from models.plan import Action
from models.vocab import Audience

# Roles that see every exempt item of their plan, whatever its boards' audiences.
SEE_ALL = frozenset({Role.SECRETARIAT, Role.AUDITOR, Role.INSPECTOR})
# Roles that see them only on a board that meets in private.
BOARD_READERS = frozenset({Role.CHAIR, Role.MEMBER})


def sees_exempt(
    roles: Collection[Role], boards: Mapping[int, Collection[Role]], private_boards: Collection[int]
) -> bool:
    """`boards`: the viewer's roles on each board; `private_boards`: the boards with a meeting whose
    audience is not public."""
    if SEE_ALL & set(roles):
        return True
    return any(board in private_boards and BOARD_READERS & set(held) for board, held in boards.items())


def exempt_visible(session: Session, standing: Standing) -> bool:
    """The rule for one viewer in one plan (one query, and none for the roles that see everything)."""
    if SEE_ALL & standing.roles:
        return True
    mine = [board for board, held in standing.boards.items() if BOARD_READERS & held]
    if not mine:
        return False
    private = session.exec(
        select(Meeting.board_id)
        .where(col(Meeting.board_id).in_(mine), col(Meeting.audience) != Audience.PUBLIC)
        .distinct()
    ).all()
    return sees_exempt(standing.roles, standing.boards, set(private))


HIDDEN_NAME = "an exempt item"


def redact(text: str, hidden: Collection[str]) -> str:
    """`text` with every ref in `hidden` (whole refs, in any case) replaced by words that name none."""
    if not hidden:
        return text
    names = "|".join(re.escape(ref) for ref in sorted(hidden, key=len, reverse=True))
    return re.sub(rf"(?<![\w-])(?:{names})(?![\w-])", HIDDEN_NAME, text, flags=re.IGNORECASE)


def hidden_refs(session: Session, plan_id: int, visible: bool) -> frozenset[str]:
    """The refs a viewer may not see named: the plan's exempt actions, or none when they may see them."""
    if visible:
        return frozenset()
    query = select(Action.ref).where(Action.plan_id == plan_id, col(Action.exempt))
    return frozenset(session.exec(query))

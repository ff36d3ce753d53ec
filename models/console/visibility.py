"""Who sees a plan's exempt items in the console. Exempt items are kept out of public packs; in the console
they are seen by the secretariat, auditors and inspectors, and by a chair or member of a board that meets
in private (a board or scrutiny meeting). A chair or member whose boards meet only in public sees none of
them anywhere: not in counts, lists, the trend, who has not updated, nor an item's own page.

`sees_exempt` is the rule on plain values; `exempt_visible` reads the boards' meetings for it."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from sqlmodel import Session, col, select

from models.console.roles import Role, Standing
from models.meetings import Meeting
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

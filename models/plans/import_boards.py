"""The import's boards (with their members) and meetings: boards matched by name, meetings by board, date
and audience. A meeting's theme is the only field a re-import changes."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from models.columns import key_of
from models.ledger.kinds import EventKind
from models.meetings import Board, BoardMember, Meeting
from models.output.secrets import STORED
from models.people import Person
from models.plan import Area
from models.plans.import_job import ImportJob
from models.plans.import_people import addresses


def import_boards(job: ImportJob, plan_id: int, people: dict[str, Person]) -> dict[str, Board]:
    session = job.session
    existing = {b.name.upper(): b for b in session.exec(select(Board).where(Board.plan_id == plan_id))}
    for spec in job.spec.boards:
        fields: dict[str, Any] = {
            "name": spec.name,
            "secretariat_id": key_of(people[spec.secretariat_email.lower()]),
            "chair_id": key_of(people[spec.chair_email.lower()]) if spec.chair_email else None,
            "teams_url": spec.teams_url,
        }
        board = existing.get(spec.name.upper())
        if board is None:
            if fields["teams_url"] == STORED:
                fields["teams_url"] = None
                job.report.warnings.append(
                    f"{spec.name}: no Teams URL is stored to keep; set teams_url to add one"
                )
            board = Board(plan_id=plan_id, **fields)
            session.add(board)
            session.flush()
            existing[spec.name.upper()] = board
            job.added(
                "boards",
                spec.name,
                EventKind.BOARD_ADDED,
                None,
                {
                    "secretariat_email": spec.secretariat_email,
                    "chair_email": spec.chair_email,
                    "members": spec.members,
                    "teams_url": fields["teams_url"],
                },
            )
        else:
            job.apply("boards", spec.name, board, fields, EventKind.BOARD_CHANGED, None)
        wanted = {key_of(people[e.lower()]) for e in spec.members}
        current = {
            m.person_id for m in session.exec(select(BoardMember).where(BoardMember.board_id == board.id))
        }
        if wanted != current:
            emails = addresses(session, people, current)
            if current or spec.name not in job.report.added["boards"]:
                job.event(
                    EventKind.BOARD_CHANGED,
                    None,
                    {
                        "key": spec.name,
                        "before": {"members": sorted(emails[i] for i in current)},
                        "after": {"members": sorted(emails[i] for i in wanted)},
                    },
                )
            for person_id in current - wanted:
                member = session.get(BoardMember, (key_of(board), person_id))
                if member is not None:
                    session.delete(member)
            session.add_all(BoardMember(board_id=key_of(board), person_id=p) for p in wanted - current)
    session.flush()
    return existing


def import_meetings(job: ImportJob, boards: dict[str, Board], areas: dict[str, Area]) -> None:
    session = job.session
    board_ids = [key_of(b) for b in boards.values()]
    existing = {
        (m.board_id, m.date, m.audience): m
        for m in session.exec(select(Meeting).where(col(Meeting.board_id).in_(board_ids)))
    }
    for spec in job.spec.meetings:
        board = boards[spec.board.upper()]
        theme = key_of(areas[spec.theme_area.upper()]) if spec.theme_area else None
        key = (key_of(board), spec.date, spec.audience)
        label = f"{spec.board} {spec.date:%d/%m/%Y} ({spec.audience.value})"
        meeting = existing.get(key)
        if meeting is None:
            session.add(
                Meeting(board_id=key_of(board), date=spec.date, audience=spec.audience, theme_area_id=theme)
            )
            job.added(
                "meetings",
                label,
                EventKind.MEETING_ADDED,
                None,
                {"board": spec.board, "date": spec.date, "audience": spec.audience, "theme": spec.theme_area},
            )
        else:
            job.apply("meetings", label, meeting, {"theme_area_id": theme}, EventKind.MEETING_CHANGED, None)
    session.flush()

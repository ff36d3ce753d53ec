"""Validated rows -> a PlanSpec: references spelled as their first definition spells them, defaults filled.

Run only when no problem was found, so every reference here resolves.
"""

from __future__ import annotations

from typing import Any

from config.timezone import DEFAULT_TIMEZONE
from models.plans.spec import (
    ActionSpec,
    AreaSpec,
    BoardSpec,
    MeetingSpec,
    MilestoneSpec,
    PersonSpec,
    PlanSpec,
)
from models.vocab import Audience, Status


def plan_spec(
    plan: dict[str, Any],
    people: list,
    areas: list,
    actions: list,
    milestones: list,
    boards: list,
    meetings: list,
    codes_by_upper: dict[str, str],
    refs_by_upper: dict[str, str],
    boards_by_upper: dict[str, str],
) -> PlanSpec:
    return PlanSpec(
        name=plan["name"],
        organisation=plan.get("organisation"),
        nation=plan.get("nation") or "ENG",
        timezone=plan.get("timezone") or DEFAULT_TIMEZONE,
        people=tuple(
            PersonSpec(
                v["email"],
                v["name"],
                v["role"],
                v["manager_email"],
                v["deputy_email"],
                v["away_from"],
                v["away_to"],
                v["teams_url"],
            )
            for _, _, v in people
        ),
        areas=tuple(AreaSpec(v["code"], v["name"], v["theme"], v["lead_email"]) for _, _, v in areas),
        actions=tuple(
            ActionSpec(
                ref=v["ref"],
                title=v["title"],
                area=codes_by_upper[v["area"].upper()],
                owner_email=v["owner_email"],
                due=v["due"],
                start=v["start"],
                status=v["status"] or Status.NOT_STARTED,
                rag=v["rag"],
                percent=v["percent"] if v["percent"] is not None else 0,
                exempt=bool(v["exempt"]),
                last_update=v["last_update"],
                rebaseline_reason=v["rebaseline_reason"],
                notes=v["notes"],
            )
            for _, _, v in actions
        ),
        milestones=tuple(
            MilestoneSpec(
                v["ref"],
                v["title"],
                v["due"],
                v["owner_email"],
                tuple(dict.fromkeys(refs_by_upper[r.upper()] for r in v["depends_on"] or ())),
                v["status"] or Status.NOT_STARTED,
            )
            for _, _, v in milestones
        ),
        boards=tuple(
            BoardSpec(
                v["name"],
                v["secretariat_email"],
                v["chair_email"],
                tuple(dict.fromkeys(v["members"] or ())),
                v["teams_url"],
            )
            for _, _, v in boards
        ),
        meetings=tuple(
            MeetingSpec(
                boards_by_upper[v["board"].upper()],
                v["date"],
                codes_by_upper[v["theme_area"].upper()] if v["theme_area"] else None,
                v["audience"] or Audience.BOARD,
            )
            for _, _, v in meetings
        ),
    )

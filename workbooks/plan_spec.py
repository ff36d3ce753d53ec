"""Validated rows -> a PlanSpec, references spelled as their definition spells them, defaults filled. Run
only when no problem was found, so every reference here resolves."""

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
from workbooks.cell_values import ReadRow


def plan_spec(
    plan: dict[str, Any],
    *,
    people: list[ReadRow],
    areas: list[ReadRow],
    actions: list[ReadRow],
    milestones: list[ReadRow],
    boards: list[ReadRow],
    meetings: list[ReadRow],
    roles_column: bool = True,
) -> PlanSpec:
    """`roles_column`: whether the People sheet has a `roles` column; without one (a workbook older than the
    console) the stored roles are kept, while an empty cell in the column clears them."""
    # A reference may differ in case from what it names: the spec spells it as the definition does.
    code_of = {c.upper(): c for _, _, v in areas for c in [v["code"]] if c}
    ref_of = {r.upper(): r for _, _, v in actions for r in [v["ref"]] if r}
    board_of = {b.upper(): b for _, _, v in boards for b in [v["name"]] if b}
    return PlanSpec(
        name=plan["name"],
        organisation=plan.get("organisation"),
        nation=plan.get("nation") or "ENG",
        timezone=plan.get("timezone") or DEFAULT_TIMEZONE,
        people=tuple(
            PersonSpec(
                email=v["email"],
                name=v["name"],
                role=v["role"],
                manager_email=v["manager_email"],
                deputy_email=v["deputy_email"],
                away_from=v["away_from"],
                away_to=v["away_to"],
                teams_url=v["teams_url"],
                console_roles=(v["roles"] or frozenset()) if roles_column else None,
            )
            for _, _, v in people
        ),
        areas=tuple(
            AreaSpec(code=v["code"], name=v["name"], theme=v["theme"], lead_email=v["lead_email"])
            for _, _, v in areas
        ),
        actions=tuple(
            ActionSpec(
                ref=v["ref"],
                title=v["title"],
                area=code_of[v["area"].upper()],
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
                ref=v["ref"],
                title=v["title"],
                due=v["due"],
                owner_email=v["owner_email"],
                depends_on=tuple(dict.fromkeys(ref_of[r.upper()] for r in v["depends_on"] or ())),
                status=v["status"] or Status.NOT_STARTED,
            )
            for _, _, v in milestones
        ),
        boards=tuple(
            BoardSpec(
                name=v["name"],
                secretariat_email=v["secretariat_email"],
                chair_email=v["chair_email"],
                members=tuple(dict.fromkeys(v["members"] or ())),
                teams_url=v["teams_url"],
            )
            for _, _, v in boards
        ),
        meetings=tuple(
            MeetingSpec(
                board=board_of[v["board"].upper()],
                date=v["date"],
                theme_area=code_of[v["theme_area"].upper()] if v["theme_area"] else None,
                audience=v["audience"] or Audience.BOARD,
            )
            for _, _, v in meetings
        ),
    )

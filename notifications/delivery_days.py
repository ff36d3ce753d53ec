"""Whose notices wait today: each notice goes out on a working day of its own plan's nation (Scotland's St
Andrew's Day holds a Scottish plan's notices and no other's; England's Easter Monday holds an English plan's
while Scotland works), counted in the plan's own time zone and with the policy's closure days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from config.policy import Policy
from models.calendar import NATION_NAMES, local_date
from models.plan import Plan
from models.sweep.run import calendar_for


@dataclass(frozen=True)
class RestDay:
    """A plan whose notices wait: its local `day` is not a working day there, for `reason`."""

    plan: str
    nation: str
    day: date
    reason: str  # the holiday's name, "local closure day", or the day of the week

    def __str__(self) -> str:
        return f"{self.reason} in {NATION_NAMES.get(self.nation, self.nation)}"


def rest_day(plan: Plan, policy: Policy, moment: datetime) -> RestDay | None:
    """Pure: None when `moment` falls on a working day of the plan's nation, in the plan's time zone."""
    day = local_date(moment, plan.timezone)
    calendar = calendar_for(plan, policy)
    if calendar.is_working_day(day):
        return None
    return RestDay(plan.name, plan.nation, day, calendar.holiday_name(day) or f"{day:%A}")


def resting_plans(engine: Engine, policy: Policy, moment: datetime) -> dict[str, RestDay]:
    """The plans, by name, whose notices wait at `moment` (a notice names its plan)."""
    with Session(engine) as session:
        plans = session.exec(select(Plan)).all()
    found = (rest_day(plan, policy, moment) for plan in plans)
    return {rest.plan: rest for rest in found if rest is not None}

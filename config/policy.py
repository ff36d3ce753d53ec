"""The escalation policy, typed. Plain data: nothing here reads a clock, a database or the network.

`load_policy()` reads `config/policy.toml` (or another file); `Policy.for_plan(name)` applies that plan's
overrides; `Policy.version` is the hash recorded with every decision, so an auditor can tell which rules
were in force.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

DEFAULT_POLICY = Path(__file__).with_name("policy.toml")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CalendarPolicy(_Section):
    closures: tuple[str, ...] = ()  # "YYYY-MM-DD" once, or "MM-DD" every year

    @field_validator("closures")
    @classmethod
    def _dates(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for text in value:
            try:
                date.fromisoformat(text if len(text) == 10 else f"2000-{text}")
            except ValueError:
                raise ValueError(
                    f"{text!r} is not a date: use YYYY-MM-DD or, for every year, MM-DD"
                ) from None
        return value

    @property
    def dates(self) -> tuple[date, ...]:
        return tuple(date.fromisoformat(t) for t in self.closures if len(t) == 10)

    @property
    def every_year(self) -> tuple[tuple[int, int], ...]:
        return tuple((int(t[:2]), int(t[3:])) for t in self.closures if len(t) == 5)


class ReminderPolicy(_Section):
    due_soon_days: tuple[int, ...] = (10, 3, 0)
    overdue_repeat_days: int = Field(5, ge=1)
    quiet_after_update_days: int = Field(2, ge=0)

    @field_validator("due_soon_days")
    @classmethod
    def _descending(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(v < 0 for v in value):
            raise ValueError("days before the due date cannot be negative")
        return tuple(sorted(set(value), reverse=True))


class LadderPolicy(_Section):
    lead_after_overdue_days: int = Field(5, ge=1)
    board_after_overdue_days: int = Field(10, ge=1)
    lead_on_red: bool = True
    board_after_consecutive_reds: int = Field(2, ge=1)


class StalePolicy(_Section):
    request_after_days: int = Field(20, ge=1)
    repeat_days: int = Field(5, ge=1)
    lead_after_days: int = Field(40, ge=1)


class MilestonePolicy(_Section):
    at_risk_window_days: int = Field(20, ge=0)


class MeetingPolicy(_Section):
    chase_days: tuple[int, ...] = (10, 7)
    pack_days: int = Field(5, ge=0)
    # A pack not sent this many hours before its meeting (09:00 on the day) is sent anyway, approved or not,
    # with the reason recorded; 0: never, the secretariat approves and sends every pack.
    auto_send_hours_before: int = Field(0, ge=0, le=24 * 30)

    @field_validator("chase_days")
    @classmethod
    def _descending(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(sorted(set(value), reverse=True))


class RagPolicy(_Section):
    amber_window_days: int = Field(10, ge=0)
    amber_below_percent: int = Field(50, ge=0, le=100)


class ForecastLatePolicy(_Section):
    """The early warning: an open action whose forecast finish (models/forecast) lands more than
    `late_by_days` working days after its due date, due within `within_days`, is told to its owner once; level
    2 of the ladder (the owner's manager, else the area lead) hears once if it is still forecast late
    `lead_after_days` working days after the owner's warning."""

    enabled: bool = True
    late_by_days: int = Field(5, ge=0)
    within_days: int = Field(30, ge=0)
    lead_after_days: int = Field(10, ge=1)


class Policy(_Section):
    calendar: CalendarPolicy = CalendarPolicy()
    reminders: ReminderPolicy = ReminderPolicy()
    ladder: LadderPolicy = LadderPolicy()
    stale: StalePolicy = StalePolicy()
    milestones: MilestonePolicy = MilestonePolicy()
    meetings: MeetingPolicy = MeetingPolicy()
    rag: RagPolicy = RagPolicy()
    forecast_late: ForecastLatePolicy = ForecastLatePolicy()
    plans: dict[str, dict[str, Any]] = Field(default_factory=dict)

    def for_plan(self, plan: str) -> Policy:
        overrides = self.plans.get(plan)
        if not overrides:
            return self
        merged = self.model_dump(mode="json", exclude={"plans"})
        for section, values in overrides.items():
            merged.setdefault(section, {}).update(values)
        return Policy.model_validate(merged)

    @property
    def version(self) -> str:
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]


class PolicyError(ValueError):
    """The policy file cannot be used; the message says where and why."""


def load_policy(path: Path | None = None) -> Policy:
    path = path or DEFAULT_POLICY
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyError(f"Cannot read the policy file {path}: {exc.strerror}.") from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"The policy file {path} is not valid TOML: {exc}.") from None
    try:
        policy = Policy.model_validate(raw)
        for plan in policy.plans:
            policy.for_plan(plan)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise PolicyError(f"The policy file {path} has invalid values: {problems}.") from None
    return policy

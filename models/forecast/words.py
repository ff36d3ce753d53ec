"""A forecast in words, for owners, leads and packs: the pace, since when, the finish and how late."""

from __future__ import annotations

from models.forecast.fit import Forecast, NoForecast
from models.vocab import day_in_words, plural


def lateness_words(late_by: int) -> str:
    if late_by > 0:
        return plural(late_by, "working day") + " late"
    if late_by == 0:
        return "on the due date"
    return plural(-late_by, "working day") + " early"


def forecast_words(outcome: Forecast | NoForecast, who: str = "you") -> str:
    """ "at 1.2% a working day since Wednesday 4 October 2017 you would finish around Friday 19 January 2018,
    21 working days late"; for no forecast, its reason. `who` is "it" for anyone but the owner (a lead, a
    deputy), who would finish nothing themselves."""
    if isinstance(outcome, NoForecast):
        return f"no forecast: {outcome.reason}"
    waiting = f"waiting for {outcome.driver}: " if outcome.driver else ""
    return (
        f"{waiting}at {outcome.pace:.1f}% a working day since {day_in_words(outcome.since)} {who} would "
        f"finish around {day_in_words(outcome.central)}, {lateness_words(outcome.late_by)}"
    )


def range_words(outcome: Forecast) -> str:
    """ "between Monday 8 January 2018 and Friday 2 February 2018"; open-ended when the slow pace is none;
    read after the central day, so a range of one day does not name it again."""
    if outcome.pessimistic is None:
        return f"no earlier than {day_in_words(outcome.optimistic)}, with no latest date"
    if outcome.pessimistic == outcome.optimistic:  # one pace only (two reports), or every pace the same
        return "the same day at its fastest and slowest pace"
    return f"between {day_in_words(outcome.optimistic)} and {day_in_words(outcome.pessimistic)}"

"""Each open item's finish, forecast from its own history, pure (no database, no clock: `as_of` is passed in).

How: every percent update (and the start date, as 0%, when known and before the first update) is a point on
the working calendar (`WorkingCalendar.position`: bank holidays, weekends and closure days do not count; a
clock change moves no date). The pace is Theil-Sen's: the median of the paces between every two points, in %
per working day. The finish is the working day the latest reported percent reaches 100% at that pace (from
the latest point, not the fitted line's intercept: so it never precedes the latest update, and more progress,
the later the more, never moves it later; a faster start with the same latest percent is a slower pace); the
range uses the upper quartile (optimistic) and lower quartile (pessimistic) of the same pairwise paces
(inclusive, linear quantiles). It never precedes the latest update nor `as_of` (the first working day on or
after it). With `stale_after`, an update that many working days old counts again on `as_of`. No update with
a percent, a single point, or a median pace of zero or below: `NoForecast(reason)`;
100% reported: `NoForecast(finished=True)`. A milestone takes the latest forecast of its actions.

Interfaces for the sweep, `status`/`show` and the pack (phase 2):
- Per open action: `forecast(History.of(((local_date(u.at), u.percent) for u in updates), start=action.start),
  calendar, as_of, action.current_due, stale_after=policy.stale.request_after_days)`, updates in order of `at`
  (an item that arrived mid-flight with a percent and `last_update_on` but no Update rows adds
  `(last_update_on, percent)` as its one update). `stale_after`: an update that old counts again on `as_of`
  (no news is no progress; the back-test's figures are with it).
- Per open milestone: `milestone_forecast({ref: outcome of each action it depends on}, milestone.due,
  calendar)`; its at-risk reason can say `forecast_words(outcome)` (it names the action it waits for).
- The sweep, per open action: `forecast_late_warning(outcome, due, as_of, calendar, policy.forecast_late,
  owner_told_on)` -> `ForecastWarning`s; each becomes a `Decision(rule=RULE, step=w.step, level=w.level,
  reason=w.reason, details=facts)` to the owner ("owner") or the area lead ("lead"); its key is
  `dedupe_key(plan, ref, due, step, recipient)` = `Decision.dedupe_key`. `owner_told_on`: the `as_of` of the
  ledger's first forecast_late owner event for this due date (a re-baseline starts afresh). The owner's step
  may honour `reminders.quiet_after_update_days` like the due-soon reminder.
- `status`/`show --format json`: `forecast` = `outcome.central.isoformat()` for a `Forecast`, else null;
  the words: `forecast_words(outcome)`.
- The pack's "forecast to finish late" list: the open actions whose outcome `is_late` beyond
  `policy.forecast_late.late_by_days`, with ref, title, owner, due, `central`, `late_by` and
  `forecast_words(outcome)`, latest first.
"""

from models.forecast.fit import Forecast, History, NoForecast, Outcome, forecast, milestone_forecast
from models.forecast.warning import LEAD, OWNER, RULE, ForecastWarning, dedupe_key, forecast_late_warning
from models.forecast.words import forecast_words, lateness_words, range_words

__all__ = [
    "LEAD",
    "OWNER",
    "RULE",
    "Forecast",
    "ForecastWarning",
    "History",
    "NoForecast",
    "Outcome",
    "dedupe_key",
    "forecast",
    "forecast_late_warning",
    "forecast_words",
    "lateness_words",
    "milestone_forecast",
    "range_words",
]

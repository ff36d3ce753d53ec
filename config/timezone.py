"""The zone a plan's dates are in when it names none: the UK's civil time, with its clock changes. Named
once here (config imports nothing of ours, so settings, models and packs can all read it)."""

DEFAULT_TIMEZONE = "Europe/London"

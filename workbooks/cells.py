"""Text that a spreadsheet must never take for a formula.

A title or a note that begins with `=`, `+`, `-` or `@` (or a tab or carriage return, which some
spreadsheets skip before looking) is run as a formula when a workbook or CSV file is opened: an owner's
`=HYPERLINK(...)` becomes a live link in the secretariat's copy. Workbooks we write store such text as a
text cell, kept exactly; CSV has no types, so it gets the OWASP rule: a leading single quote.
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_safe(value: Any) -> Any:
    """A CSV field that no spreadsheet will evaluate: text that could start a formula gets a leading `'`."""
    return "'" + value if looks_like_formula(value) else value

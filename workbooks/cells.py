"""Text that a spreadsheet must never take for a formula: an owner's `=HYPERLINK(...)` would become a live
link in the secretariat's copy. Workbooks store it as a text cell; CSV gets a leading single quote (OWASP)."""

from __future__ import annotations

from typing import Any

# A title or a note that begins with `=`, `+`, `-` or `@` (or a tab or carriage return, which some
# spreadsheets skip before looking) is run as a formula when the file is opened. A workbook's text cell keeps
# it exactly; CSV has no types, hence the quote.

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_safe(value: Any) -> Any:
    """A CSV field that no spreadsheet will evaluate: text that could start a formula gets a leading `'`."""
    return "'" + value if looks_like_formula(value) else value

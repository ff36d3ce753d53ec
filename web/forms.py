"""The update form as posted: each field read with the parsers every door uses (models.vocab), forgiving
in what it takes ("In Progress", "R", "40%"); an empty field is a field not given. Errors come back by field,
so the page can put each message beside its field and keep what was typed."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from markupsafe import Markup

from models.errors import InvalidValue
from models.vocab import RAG, Status, parse_day, parse_percent, parse_rag, parse_status, within_window

FIELDS = ("status", "rag", "percent", "note", "evidence", "due_change", "due_change_reason")
UPDATE_FIELDS = ("status", "rag", "percent", "note", "evidence")
FORM_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
DATE_EXPECTED = "a date such as 2027-01-05, 5/1/2027 (day first) or 5 January 2027"

# The names `apply_update` gives its fields in errors (InvalidValue.field), as the form names them.
FIELD_OF_ERROR = {
    "status": "status",
    "RAG": "rag",
    "percent": "percent",
    "note": "note",
    "evidence link": "evidence",
}


def new_form_id() -> str:
    """A form's one-time name: made when the page is rendered, so the same form posted twice is seen."""
    return secrets.token_urlsafe(24)  # 32 url-safe characters


@dataclass(frozen=True)
class Posted:
    status: Status | None = None
    rag: RAG | None = None
    percent: int | None = None
    note: str | None = None
    evidence: str | None = None
    due_change: date | None = None
    due_change_reason: str = ""

    @property
    def updates_item(self) -> bool:
        return any(v is not None for v in (self.status, self.rag, self.percent, self.note, self.evidence))


@dataclass
class FormState:
    """What a form shows: the values as typed (kept after an error) and the message beside each field."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # "" for what is about no one field
    form_id: str = field(default_factory=new_form_id)


def described_by(prefix: str, errors: Mapping[str, str]) -> dict[str, Markup]:
    """Each field's `aria-describedby` attribute, as the page writes it: its hint, and its error when it has
    one (ids as the template makes them: prefix, field name, "-hint" or "-error")."""
    made = {}
    for name in FIELDS:
        ids = f"{prefix}{name}-hint" + (f" {prefix}{name}-error" if name in errors else "")
        made[name] = Markup(' aria-describedby="{}"').format(ids)
    return made


def parse_due_change(text: str) -> date:
    """`2027-01-05` (what `<input type="date">` sends), `5/1/2027` (day first) or `5 January 2027`."""
    value = " ".join(text.split())
    for pattern in ("%d %B %Y", "%d %b %Y", "%A %d %B %Y"):
        try:
            day = datetime.strptime(value, pattern).date()
        except ValueError:
            continue
        return within_window(day, "date to move the due date to", text)
    try:
        return parse_day(value, "date to move the due date to")
    except InvalidValue as exc:
        if "between" in exc.expected:  # a real date outside the window: say that, not the formats
            raise
        raise InvalidValue("date to move the due date to", text, DATE_EXPECTED) from None


def read_form(form: Mapping[str, str]) -> tuple[Posted, FormState]:
    """The posted values, and the state to show again: errors by field when any value could not be read."""
    values = {name: str(form.get(name, "")) for name in FIELDS}
    state = FormState(values=values)
    given = {name: value.strip() for name, value in values.items()}
    parsed: dict[str, object] = {}
    readers: dict[str, Callable[[str], object]] = {
        "status": parse_status,
        "rag": parse_rag,
        "percent": parse_percent,
        "due_change": parse_due_change,
    }
    for name, reader in readers.items():
        if given[name]:
            try:
                parsed[name] = reader(given[name])
            except InvalidValue as exc:
                state.errors[name] = str(exc)
    posted = Posted(
        status=parsed.get("status"),  # type: ignore[arg-type]
        rag=parsed.get("rag"),  # type: ignore[arg-type]
        percent=parsed.get("percent"),  # type: ignore[arg-type]
        note=values["note"] if given["note"] else None,
        evidence=given["evidence"] or None,
        due_change=parsed.get("due_change"),  # type: ignore[arg-type]
        due_change_reason=values["due_change_reason"],
    )
    if given["due_change_reason"] and not given["due_change"] and "due_change" not in state.errors:
        state.errors["due_change"] = "Give the date the due date should move to, or leave the reason empty."
    if not state.errors and not posted.updates_item and posted.due_change is None:
        state.errors["status"] = (
            "Nothing to send: change at least one of the status, the RAG rating or the percent complete, "
            "or write a note, or give a link to evidence."
        )
    return posted, state

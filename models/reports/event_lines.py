"""One ledger event in words, as `lineofsight audit log` and the console's record both show it: a delivery,
a pack built, a change with its before and after, never a Python repr or cut JSON."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

from models.ledger.kinds import EventKind
from models.ledger.stored import StoredEvent
from models.vocab import plural


def _delivery(data: dict[str, Any]) -> str:
    """What a NoticeSent or NoticeFailed was about, in words (a notice key is plan|ref|due|rule|step|to)."""
    parts = str(data.get("dedupe_key", "")).split("|")
    about = ""
    if len(parts) >= 6:
        about = f"{parts[3].replace('_', ' ')} (step {parts[4]}, due {parts[2]})"
    channel = data.get("channel", "email")
    attempt = data.get("attempt")
    text = f"{channel} to {data.get('recipient')}" + (f": {about}" if about else "")
    return text + (f", attempt {attempt}" if attempt and attempt != 1 else "")


def _flat(value: Any) -> str:
    """A value in words: a mapping as `name value` pairs, a list comma-separated (a mapping inside it in
    brackets), so no Python repr ever reaches the log."""
    if isinstance(value, dict):
        pairs = [(k, v) for k, v in value.items() if v not in (None, "", [], {})]
        return ", ".join(f"{str(k).replace('_', ' ')} {_flat(v)}" for k, v in pairs)
    if isinstance(value, list | tuple):
        return ", ".join(f"({_flat(v)})" if isinstance(v, dict) else _flat(v) for v in value)
    return "none" if value is None else str(value)


def _fields(data: dict[str, Any]) -> str:
    """Any other event: its fields as `name: value`, nested ones flattened, never cut JSON."""
    shown = []
    for key, value in data.items():
        if isinstance(value, dict):  # zeros in a mapping are counts of nothing: left out
            value = {k: v for k, v in value.items() if v != 0}
        text = _flat(value) if value not in (None, "", [], {}) else ""
        if text:
            shown.append(f"{key.replace('_', ' ')}: {text}")
    return "; ".join(shown)


def _names(files: Any) -> str:
    return ", ".join(str(f.get("name")) for f in files or () if isinstance(f, dict)) or "no files"


def _moment(iso: str) -> str:
    """A pack's data moment as its cover says it: midnight is the end of the day before."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.time() == time(0):
        return f"the end of {moment.date() - timedelta(days=1)}"
    return f"{moment:%Y-%m-%d %H:%M}"


def _pack_built(data: dict[str, Any]) -> str:
    counts = data.get("counts") or {}
    figures = ", ".join(f"{counts[k]} {k}" for k in ("red", "amber", "green", "complete") if k in counts)
    exceptions = data.get("exceptions")
    if exceptions is not None:
        figures += (", " if figures else "") + plural(int(exceptions), "exception")
    text = (
        f"pack {data.get('pack_id')} version {data.get('version', 1)} for {data.get('board')} "
        f"on {data.get('meeting')} ({data.get('audience')})"
    )
    if data.get("data_as_of"):
        text += f", data as of {_moment(str(data['data_as_of']))}"
    text += f": {figures}" if figures else ""
    built_from = data.get("built_from") or {}
    if built_from.get("seq") is not None:
        text += f"; built from ledger seq {built_from['seq']}"
    if data.get("supersedes") is not None:
        text += f"; supersedes pack {data['supersedes']}"
    if data.get("before") is not None:
        text += f"; rebuilt, replacing {_names(data['before'])}"
    return text + f"; files {_names(data.get('files'))}"


def _pack_superseded(data: dict[str, Any]) -> str:
    sent = f", sent {str(data['sent_at'])[:16].replace('T', ' ')}" if data.get("sent_at") else ""
    return (
        f"pack {data.get('pack_id')} version {data.get('version')} for {data.get('board')} on "
        f"{data.get('meeting')} ({data.get('audience')}{sent}) is followed by pack {data.get('by_pack_id')} "
        f"version {data.get('by_version')}; kept as it was: {_names(data.get('files'))}"
    )


def _pack_restored(data: dict[str, Any]) -> str:
    files = [f for f in data.get("files") or () if isinstance(f, dict)]
    restored = ", ".join(f"{f.get('name')} (was {f.get('was')})" for f in files)
    kept = [f for f in data.get("not_restorable") or () if isinstance(f, dict)]
    lost = ", ".join(f"{f.get('name')} (was {f.get('was')})" for f in kept)
    tail = f"; not restorable, left as found: {lost}" if lost else ""
    return f"pack {data.get('pack_id')}: restored {restored or 'no files'}{tail}"


def _head(text: object) -> str:
    """A head as SEQ:first 12 hex digits (enough to tell two apart on a page; the export has it whole)."""
    seq, _, digest = str(text).partition(":")
    return f"{seq}:{digest[:12]}..." if digest else "none"


def _verified(data: dict[str, Any]) -> str:
    if data.get("verdict") == "intact":
        counted = plural(int(data.get("events") or 0), "event")
        return f"verified the ledger: intact, {counted}, head {_head(data.get('head'))}"
    return f"verified the ledger: broken at seq {data.get('break_seq')}: {data.get('break')}"


def _exported(data: dict[str, Any]) -> str:
    counted = plural(int(data.get("events") or 0), "event")
    return f"exported the plan's {counted} (ledger head {_head(data.get('head'))})"


def _viewed(data: dict[str, Any]) -> str:
    filters = data.get("filters") or {}
    return f"viewed {data.get('page')}" + (f" ({_flat(filters)})" if filters else "")


_CONSOLE: dict[str, Callable[[dict[str, Any]], str]] = {
    EventKind.LEDGER_VERIFIED: _verified,
    EventKind.LEDGER_EXPORTED: _exported,
    EventKind.CONSOLE_PAGE_VIEWED: _viewed,
}


def summary(event: StoredEvent) -> str:
    """What the event says, in one line of words."""
    data = event.data
    if event.kind == EventKind.NOTICE_SENT:
        return "sent " + _delivery(data) + (f" (already {data['already']})" if data.get("already") else "")
    if event.kind == EventKind.NOTICE_FAILED:
        outcome = "given up" if data.get("dead") else f"retry at {str(data.get('retry_at', ''))[:16]}"
        return f"not delivered: {_delivery(data)}: {data.get('error')} ({outcome})"
    if event.kind == EventKind.PACK_BUILT:
        return _pack_built(data)
    if event.kind in _CONSOLE:
        return _CONSOLE[event.kind](data)
    if event.kind == EventKind.PACK_SUPERSEDED:
        return _pack_superseded(data)
    if event.kind == EventKind.PACK_FILES_RESTORED:
        return _pack_restored(data)
    if event.kind.endswith("Added") and "due" in data:
        return f"added: due {data['due']}, owner {data.get('owner_email')}, status {data.get('status')}"
    if "reason" in data:
        return str(data["reason"])
    if "before" in data or "after" in data:
        before, after = data.get("before") or {}, data.get("after") or {}
        changes = [f"{k}: {_flat(before.get(k))} -> {_flat(v)}" for k, v in after.items()]
        text = "; ".join(changes)
        if data.get("commentary"):
            text += (" | " if text else "") + str(data["commentary"])
        # The door it came through, and whose update a deputy posted: what an auditor asks first.
        if data.get("on_behalf_of"):
            text += f" (for {data['on_behalf_of']}, who was away)"
        if data.get("channel") == "web":
            text += " [from the link in a message]"
        return text or _fields({k: v for k, v in data.items() if k not in ("before", "after")})
    return _fields(data)

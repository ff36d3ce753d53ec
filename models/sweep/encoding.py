"""One decision's JSON, encoded once for both its ledger event and its notice: its facts (most of its bytes)
go through the encoder once, and the event's canonical data and the notice's payload are put together
around them. The event's bytes are exactly `models.ledger.chain.canonical_json` of its data (a test checks).
"""

from __future__ import annotations

import json
from datetime import date
from json.encoder import encode_basestring
from typing import Any

from models.sweep.decision import Decision

# The ledger's canonical form (`canonical_json`): sorted keys, no spaces, UTF-8 as it is, str() for the rest.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _json(value: Any) -> str:
    """`value` as the canonical encoder writes it inside an object; the common types without its call."""
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if value is None:
        return "null"
    if kind is int:
        return int.__repr__(value)
    return _CANONICAL.encode(value)


def _strings(values: tuple[Any, ...]) -> str:
    """A list of strings (a decision's roles) without the encoder's call; anything else through it."""
    if all(type(value) is str for value in values):
        return "[" + ",".join(map(encode_basestring, values)) + "]"
    return _CANONICAL.encode(list(values))


def encoded(
    d: Decision, facts: dict[str, Any], dedupe_key: str, policy_version: str, as_of: date
) -> tuple[str, str | None]:
    """The event's data, `canonical_json` of {rule, step, recipient, on_behalf_of, level, reason, roles,
    policy, as_of, facts, dedupe_key}, and the notice's payload (None without a recipient): a JSON object
    of the reason, rule, level, ref, on_behalf_of, roles and told_as, then the facts (which win on a
    shared name, as they always did). Its keys are no longer sorted as a whole: every reader parses it."""
    facts_json = _CANONICAL.encode(facts)
    level, on_behalf, reason = _json(d.level), _json(d.on_behalf_of), _json(d.reason)
    roles, rule = _strings(d.roles), _json(d.rule)
    data = (  # the keys in sorted order, as canonical_json writes them
        f'{{"as_of":"{as_of.isoformat()}","dedupe_key":{_json(dedupe_key)},"facts":{facts_json},'
        f'"level":{level},"on_behalf_of":{on_behalf},"policy":{_json(policy_version)},"reason":{reason},'
        f'"recipient":{_json(d.recipient or None)},"roles":{roles},"rule":{rule},"step":{_json(d.step)}}}'
    )
    if not d.recipient:
        return data, None
    parts = [
        f'"{name}":{value}'
        for name, value in (
            ("level", level),
            ("on_behalf_of", on_behalf),
            ("reason", reason),
            ("ref", _json(d.ref)),
            ("roles", roles),
            ("rule", rule),
            ("told_as", _json(d.told_as)),
        )
        if name not in facts
    ]
    if len(facts_json) > 2:
        parts.append(facts_json[1:-1])
    return data, "{" + ",".join(parts) + "}"

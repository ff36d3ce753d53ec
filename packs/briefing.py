"""The executive summary, page 1 after the cover: the pack in a few sentences, written from the finished
PackContext alone (pure), so it never says anything the pages behind it do not show."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from models.vocab import day_in_words, plural

if TYPE_CHECKING:
    from packs.context import PackContext
    from packs.lines import Counts, ExceptionLine, MilestoneLine

MOST_EXCEPTIONS = 3  # the rest are a page away, in the Exceptions section


@dataclass(frozen=True)
class Headline:
    topic: str
    text: str
    points: tuple[str, ...] = ()


def _list(values: list[str]) -> str:
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " and " + values[-1]


def _refs(label: str, refs: list[str]) -> str:
    return f"{label} ({len(set(refs))}): {', '.join(sorted(set(refs)))}." if refs else ""


def _standing(c: PackContext) -> Headline:
    t = c.total
    closed = sum(1 for area in c.register for x in area.actions if x.rag in ("deferred", "cancelled"))
    if t.total == 0:
        return Headline("Where the plan stands", "No actions are counted in this pack.")
    open_ = t.red + t.amber + t.green
    text = (
        f"{t.complete} of {plural(t.total, 'action')} {'is' if t.complete == 1 else 'are'} complete "
        f"({round(100 * t.complete / t.total)}%)."
    )
    if open_:
        text += f" Of the {open_} still open, {t.red} {'is' if t.red == 1 else 'are'} red, "
        text += f"{t.amber} amber and {t.green} green."
    worst = sorted((a for a in c.areas if a.counts.red), key=lambda a: (-a.counts.red, a.code))[:2]
    if worst:
        text += " Most red: " + _list([f"{a.code} {a.name} ({a.counts.red})" for a in worst]) + "."
    if closed:
        text += (
            f" {plural(closed, 'deferred or cancelled action')} {'is' if closed == 1 else 'are'} not counted."
        )
    if c.withheld:
        text += f" {plural(c.withheld, 'exempt item')} {'is' if c.withheld == 1 else 'are'} withheld."
    return Headline("Where the plan stands", text)


def _moves(change: Counts, now: Counts) -> str:
    words = []
    for rag in ("red", "amber", "green", "complete"):
        moved = getattr(change, rag)
        if moved:
            words.append(f"{rag} {'up' if moved > 0 else 'down'} {abs(moved)} to {getattr(now, rag)}")
    return (_list(words) + ".") if words else "The counts are as they were."


def _changes(c: PackContext) -> Headline:
    if c.total_change is None or c.changes.since is None:
        return Headline(
            "Since the last pack", "This is the first pack for this board and audience: nothing to compare."
        )
    text = f"Since the previous pack, of {day_in_words(c.changes.since)}: " + _moves(c.total_change, c.total)
    if not c.has("changes"):
        return Headline("Since the last pack", text)
    ch = c.changes
    parts = (
        _refs("Newly red", [x.ref for x in ch.newly_red]),
        _refs("Newly complete", [x.ref for x in ch.newly_complete]),
        _refs("Re-baselined", [x.ref for x in ch.rebaselined]),
        _refs("Raised to the Board", [m.ref for m in ch.raised if m.level >= 3]),
        _refs("Off the escalation ladder", [m.ref for m in ch.closed]),
    )
    return Headline("Since the last pack", text, tuple(p for p in parts if p))


def _exception_words(e: ExceptionLine) -> str:
    if e.kind == "milestone":
        verb = "was due" if e.rag == "missed" else "is due"
        return f"{e.ref} {e.title}: {verb} on {day_in_words(e.current_due)} and is {e.rag}."
    return (
        f"{e.ref} {e.title} ({e.owner}): on the list for {plural(e.working_days_on_list, 'working day')}, "
        f"since {day_in_words(e.on_list_since)}."
    )


def _exceptions(c: PackContext) -> Headline:
    found = c.exceptions
    if not found:
        return Headline("Exceptions", "No item stands at level 3 of the escalation ladder.")
    milestones = [e for e in found if e.kind == "milestone"]
    # What matters most: a milestone missed, then one at risk, then the actions longest on the list.
    ranked = sorted(
        found,
        key=lambda e: ({"missed": 0, "at risk": 1}.get(e.rag, 2), -e.working_days_on_list, e.ref),
    )
    kinds = (
        "all of them actions"
        if not milestones
        else "all of them milestones"
        if len(milestones) == len(found)
        else f"{plural(len(milestones), 'milestone')} and {plural(len(found) - len(milestones), 'action')}"
    )
    text = (
        f"{plural(len(found), 'item')} {'is' if len(found) == 1 else 'are'} on the Board's exceptions list"
        + (f", {kinds}." if len(found) > 1 else ".")
    )
    if len(found) > MOST_EXCEPTIONS:
        text += f" The {MOST_EXCEPTIONS} that matter most; the rest are in the Exceptions section:"
    return Headline("Exceptions", text, tuple(_exception_words(e) for e in ranked[:MOST_EXCEPTIONS]))


def _milestones(c: PackContext) -> Headline:
    until = day_in_words(c.milestones_until)
    ahead, missed = c.milestones_ahead, c.milestones_missed
    points = tuple(f"{m.ref} {m.title}: was due on {day_in_words(m.due)}, missed." for m in missed) + tuple(
        f"{m.ref} {m.title}: due on {day_in_words(m.due)}, "
        + (_at_risk_words(m) if m.at_risk_from else "on track.")
        for m in ahead
    )
    if not ahead:
        text = f"No milestone falls due up to {until}."
    else:
        at_risk = sum(1 for m in ahead if m.at_risk_from)
        text = f"{plural(len(ahead), 'milestone')} fall{'s' * (len(ahead) == 1)} due up to {until}"
        text += (
            f", {at_risk} at risk." if at_risk else (", all on track." if len(ahead) > 1 else ", on track.")
        )
    if missed:
        text += f" {plural(len(missed), 'milestone')} {'has' if len(missed) == 1 else 'have'} been missed."
    return Headline("Milestones", text, points)


def _at_risk_words(m: MilestoneLine) -> str:
    """ "at risk from ACT-1.", "at risk: ACT-5 is forecast to finish ...", or both causes, each in its own
    words: "at risk from ACT-1, and ACT-5 is forecast to finish ..." (not "from ACT-1: ACT-5 is ...", which
    reads as if ACT-1 were the forecast's subject)."""
    forecast = "; ".join(m.forecast_late)
    if not m.slipping:
        return f"at risk: {forecast}."
    named = f"at risk from {', '.join(m.slipping)}"
    return f"{named}, and {forecast}." if forecast else f"{named}."


def _theme(c: PackContext) -> Headline:
    lines = c.theme_actions
    rags = [x.rag for x in lines]
    counted = ", ".join(
        f"{rags.count(r)} {r}" for r in ("red", "amber", "green", "complete") if rags.count(r)
    )
    return Headline(
        "This meeting's theme",
        f"{c.theme_code} {c.theme_name}: {plural(len(lines), 'action')}"
        + (f" ({counted})." if counted else "."),
    )


def executive_summary(c: PackContext) -> tuple[Headline, ...]:
    out = [_standing(c), _changes(c)]
    if c.has("exceptions"):
        out.append(_exceptions(c))
    if c.has("milestones"):
        out.append(_milestones(c))
    if c.has("theme") and c.theme_name:
        out.append(_theme(c))
    return tuple(out)

"""The pack's item sections in Word (the forecast-late list, exceptions, changes, milestones, the theme,
silent owners, undelivered notices, the register, the rules), each a heading's content: the same lines of
the PackContext the PDF's tables print, in the same columns, RAG as a word on its colour
(packs.word_tables)."""

from __future__ import annotations

from datetime import date
from typing import Any

from models.sweep.rules import LEVEL_NAMES
from models.vocab import day_in_words, short_day
from packs.context import PackContext
from packs.word_tables import TableWriter, rag_word


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def forecast(doc: Any, w: TableWriter, c: PackContext) -> None:
    doc.add_paragraph(
        "Open actions not yet due whose finish, forecast from their own updates at the pace they report, "
        f"falls more than {plural(c.forecast_days, 'working day')} after the due date. "
        f"{plural(len(c.forecast_late), 'action')}."
    )
    if not c.forecast_late:
        doc.add_paragraph("No open action is forecast to finish that late.")
        return
    rows = [
        [
            f.ref,
            f"{f.title}\n{f.percent}% complete",
            f.owner,
            f"{short_day(f.current_due)}\nin {plural(f.working_days_to_due, 'working day')}",
            f"{short_day(f.central)}\n{plural(f.late_by, 'working day')} late",
            f"{f.pace:.1f}% a working day since {short_day(f.since)}; {f.range}",
        ]
        for f in c.forecast_late
    ]
    w.table(["Ref", "Action", "Owner", "Due", "Forecast finish", "Pace and range"], rows)


def exceptions(doc: Any, w: TableWriter, c: PackContext) -> None:
    doc.add_paragraph(
        "Items at level 3 of the escalation ladder: they come to the Board because they have slipped beyond "
        f"what the owner and their manager can recover. {plural(len(c.exceptions), 'item')}."
    )
    if not c.exceptions:
        doc.add_paragraph("No item stands at level 3.")
        return
    rows = []
    for e in c.exceptions:
        item = f"{e.title}\n{e.why}"
        if c.commentary_on(e.ref):
            item += f"\nSecretariat: {c.commentary_on(e.ref)}"
        owners = rag_word(e.owner_rag) if e.kind == "action" else "a milestone"
        due = f"{short_day(e.original_due)}\n{short_day(e.current_due)}"
        if e.rebaselines:
            due += f"\nre-baselined {plural(e.rebaselines, 'time')}"
        said = _said(e.commentary, e.commentary_on)
        since = f"since {short_day(e.on_list_since)}\n{plural(e.working_days_on_list, 'working day')}"
        rows.append([e.ref, item, e.owner, rag_word(e.rag), owners, due, said, since])
    w.table(
        [
            "Ref",
            "Item and why it is here",
            "Owner",
            "RAG",
            "Owner's RAG",
            "Due: original / current",
            "Owner's latest commentary",
            "On the list",
        ],
        rows,
        rag_columns=(3, 4),
    )


def _said(text: str | None, on: date | None) -> str:
    if not text:
        return "no commentary"
    return f"{text} ({short_day(on)})" if on else text


def changes(doc: Any, w: TableWriter, c: PackContext) -> None:
    ch = c.changes
    doc.add_paragraph(
        f"Since the previous pack, of {day_in_words(ch.since)}."
        if ch.since
        else "This is the first pack for this board and audience: there is no earlier pack to compare with."
    )
    parts: list[tuple[str, list[str], list[list[str]], tuple[int, ...]]] = [
        (
            "Newly red",
            ["Ref", "Action", "Owner", "Due", "Owner's RAG"],
            [
                [x.ref, x.title, x.owner, short_day(x.current_due), rag_word(x.owner_rag)]
                for x in ch.newly_red
            ],
            (4,),
        ),
        (
            "Newly complete",
            ["Ref", "Action", "Owner", "Due"],
            [[x.ref, x.title, x.owner, short_day(x.current_due)] for x in ch.newly_complete],
            (),
        ),
        (
            "Re-baselined",
            ["Ref", "Action", "Was due", "Now due"],
            [
                [x.ref, x.title, short_day(date.fromisoformat(x.was)), short_day(x.now)]
                for x in ch.rebaselined
            ],
            (),
        ),
        (
            "Escalations raised",
            ["Ref", "Level", "On", "Why"],
            [[x.ref, f"{x.level}: {LEVEL_NAMES[x.level]}", short_day(x.on), x.reason] for x in ch.raised],
            (),
        ),
        (
            "Escalations closed",
            ["Ref", "Level", "On", "Why"],
            [[x.ref, f"{x.level}: {LEVEL_NAMES[x.level]}", short_day(x.on), x.reason] for x in ch.closed],
            (),
        ),
    ]
    for title, headers, rows, rags in parts:
        doc.add_heading(title, level=2)
        if rows:
            w.table(headers, rows, rag_columns=rags)
        else:
            doc.add_paragraph("None.")


def milestones(doc: Any, w: TableWriter, c: PackContext) -> None:
    doc.add_heading(f"Due up to {day_in_words(c.milestones_until)}", level=2)
    if c.milestones_ahead:
        w.table(
            ["Ref", "Milestone", "Due", "Owner", "Depends on", "State", "At risk from"],
            [
                [
                    m.ref,
                    m.title,
                    short_day(m.due),
                    m.owner,
                    ", ".join(m.depends_on) or "-",
                    rag_word(m.state) if m.at_risk_from else "on track",
                    ", ".join(m.at_risk_from) or "-",
                ]
                for m in c.milestones_ahead
            ],
            rag_columns=(5,),
        )
    else:
        doc.add_paragraph("No milestone falls due before the next meeting.")
    doc.add_heading("Missed: the date has passed and the milestone is not met", level=2)
    if c.milestones_missed:
        w.table(
            ["Ref", "Milestone", "Was due", "Owner", "State", "Status"],
            [
                [m.ref, m.title, short_day(m.due), m.owner, rag_word(m.state), m.status]
                for m in c.milestones_missed
            ],
            rag_columns=(4,),
        )
    else:
        doc.add_paragraph("None.")


def theme(doc: Any, w: TableWriter, c: PackContext) -> None:
    if not c.theme_name:
        doc.add_paragraph("No theme is set for this meeting.")
        return
    if not c.theme_actions:
        doc.add_paragraph("No actions in this area" + (" that can be published." if c.withheld else "."))
        return
    doc.add_paragraph(f"Every action of the area, in full: {plural(len(c.theme_actions), 'action')}.")
    for x in c.theme_actions:
        # Level 2 under the section's level 1: a skipped level breaks Word's navigation pane and checker.
        doc.add_heading(f"{x.ref} {x.title}", level=2)
        dates = (
            f"started {day_in_words(x.start)}; " if x.start else ""
        ) + f"due {day_in_words(x.original_due)}"
        if x.rebaselines:
            dates += f", re-baselined {plural(x.rebaselines, 'time')} to {day_in_words(x.current_due)}"
        level = f"; escalation level {x.level}" if x.level > 1 else ""
        w.table(
            ["Fact", "Value"],
            [
                ["RAG", rag_word(x.rag)],
                ["Owner's RAG", rag_word(x.owner_rag)],
                ["Status", f"{x.status}, {x.percent}% complete{level}"],
                ["Owner", x.owner],
                ["Dates", dates],
                ["Last update", day_in_words(x.last_update) if x.last_update else "none"],
                ["Commentary", _said(x.commentary, x.commentary_on)],
            ],
            rag_columns=(1,),
        )


def silent(doc: Any, w: TableWriter, c: PackContext) -> None:
    since = day_in_words(c.silent_since) if c.silent_since else "the start of the plan"
    doc.add_paragraph(f"Owners of open actions with no update since {since}.")
    if c.silent:
        w.table(
            ["Owner", "Email", "Actions", "Last update"],
            [
                [s.owner, s.email, ", ".join(s.refs), short_day(s.last_update) if s.last_update else "none"]
                for s in c.silent
            ],
        )
    else:
        doc.add_paragraph("Every owner updated.")


def dead(doc: Any, w: TableWriter, c: PackContext) -> None:
    if c.dead:
        w.table(
            ["To", "What", "Items", "Last error"],
            [[d.recipient, d.kind, d.refs or "-", d.error] for d in c.dead],
        )
    else:
        doc.add_paragraph("Every notice was delivered.")


def register(doc: Any, w: TableWriter, c: PackContext) -> None:
    doc.add_paragraph(
        "Every action" + (" that can be published" if c.withheld else "") + ", under the heading of its "
        "improvement area. RAG is derived from the rules in the next appendix."
    )
    for area in c.register:
        doc.add_heading(f"{area.code}: {area.name}", level=2)
        w.table(
            ["Ref", "Action", "Owner", "Due", "Status", "%", "RAG", "Owner's RAG"],
            [
                [
                    x.ref,
                    x.title,
                    x.owner,
                    short_day(x.current_due)
                    + (f"\nwas {short_day(x.original_due)}" if x.rebaselines else ""),
                    x.status,
                    str(x.percent),
                    rag_word(x.rag),
                    rag_word(x.owner_rag),
                ]
                for x in area.actions
            ],
            rag_columns=(6, 7),
        )


def rules(doc: Any, w: TableWriter, c: PackContext) -> None:
    w.table(["Rule", "In force"], [[term, words] for term, words in c.rules])


SECTIONS = {
    "forecast": forecast,
    "exceptions": exceptions,
    "changes": changes,
    "milestones": milestones,
    "theme": theme,
    "silent": silent,
    "dead": dead,
    "register": register,
    "rules": rules,
}

"""The workbook format: its sheets, their columns, what each column holds. The template, the import, the
export and the `Read me` sheet are all generated from this one table."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from config.timezone import DEFAULT_TIMEZONE
from models.vocab import DAY_WINDOW


class Kind(StrEnum):
    TEXT = "text"
    CODE = "code"  # refs and area codes: plain ASCII after NFKC (models.plans.text_rules.code)
    NAME = "name"  # people, plans, boards, areas: any script, one per word, nothing hidden
    EMAIL = "email"
    EMAILS = "emails"
    REFS = "refs"
    DATE = "date"
    STATUS = "status"
    RAG = "rag"
    PERCENT = "percent"
    YN = "yn"
    AUDIENCE = "audience"
    NATION = "nation"
    TIMEZONE = "timezone"
    URL = "url"
    INT = "int"
    ROLES = "roles"  # console roles (models.console.roles.parse_roles)
    DOCX = "docx"  # a Word file's name or path; the flows read and check it (packs.council_template)


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool = False
    help: str = ""
    max_length: int = 300
    export_only: bool = False  # written by the export for people to read; the import ignores it
    choices: tuple[str, str] | None = None  # (sheet, column): the template offers that column's values
    width: int | None = None  # characters; None: sized to the contents

    @property
    def header(self) -> str:
        return self.name + ("*" if self.required else "")

    @property
    def described(self) -> str:
        """The help, with the rule every value of this kind must meet: what the Read me sheet says."""
        rule = KIND_RULES.get(self.kind)
        return f"{self.help} {rule}" if rule else self.help


# The rules of models.plans.text_rules and models.vocab, in the words the Read me sheet uses.
KIND_RULES = {
    Kind.DATE: f"A date {DAY_WINDOW}, as 11/12/2017 (day first) or 2017-12-11.",
    Kind.CODE: "Letters A-Z, digits and punctuation only (full-width characters become plain ones).",
    Kind.EMAIL: "A plain ASCII address.",
    Kind.EMAILS: "Plain ASCII addresses.",
    Kind.NAME: "Any alphabet, one per word; no invisible characters.",
}


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: tuple[Column, ...]
    required: bool = True
    help: str = ""

    @property
    def csv_name(self) -> str:
        return self.name.lower() + ".csv"

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    def __getitem__(self, name: str) -> Column:
        column = self.column(name)
        if column is None:
            raise KeyError(f"{self.name} has no column {name!r}")
        return column


C = Column
PERSON = ("People", "email")  # owners, leads, managers, deputies: drop-downs of the People sheet's emails
AREA = ("Areas", "code")
BOARD = ("Boards", "name")
EXPORT_ONLY = "(export only; the import ignores it)"
PLAN = Sheet(
    "Plan",
    (
        C("name", Kind.NAME, True, "The plan's name, unique in this service.", 200),
        C(
            "organisation",
            Kind.TEXT,
            help="Who runs the plan, e.g. the council's children's services.",
            max_length=200,
        ),
        C("nation", Kind.NATION, help="ENG (default), WLS, SCT or NIR: chooses the bank holidays."),
        C("timezone", Kind.TIMEZONE, help=f"{DEFAULT_TIMEZONE} by default."),
    ),
    help="One row: the plan itself.",
)
PEOPLE = Sheet(
    "People",
    (
        C("email", Kind.EMAIL, True, "Their work email: how every other sheet refers to them.", 320),
        C("name", Kind.NAME, True, "Name or role, as it should appear in messages and packs.", 200),
        C("role", Kind.TEXT, help="Job title.", max_length=200),
        C(
            "manager_email",
            Kind.EMAIL,
            help="Their manager: the next rung of the escalation ladder.",
            max_length=320,
            choices=PERSON,
        ),
        C(
            "deputy_email",
            Kind.EMAIL,
            help="Who is told while they are away.",
            max_length=320,
            choices=PERSON,
        ),
        C("away_from", Kind.DATE, help="First day of an absence."),
        C("away_to", Kind.DATE, help="Last day of an absence."),
        C(
            "teams_url",
            Kind.URL,
            help="Power Automate Workflows URL for Teams messages. Keep it private.",
            max_length=2000,
        ),
        C(
            "roles",
            Kind.ROLES,
            help="Their roles in the console, if any: secretariat, chair, member or auditor, separated by "
            "spaces, commas or semicolons. Board roles also come from the Boards sheet; an inspector is let "
            "in only by `lineofsight access grant`, until a date. Empty: no console role from this sheet.",
        ),
    ),
    help="Everyone who owns, leads, manages, deputises, sits on a board or uses the console.",
)
AREAS = Sheet(
    "Areas",
    (
        C("code", Kind.CODE, True, "A short code, e.g. MOQA.", 32),
        C("name", Kind.NAME, True, "The improvement area.", 300, width=50),
        C("theme", Kind.TEXT, help="People, Practice or Performance.", max_length=64),
        C("lead_email", Kind.EMAIL, help="The area's lead officer.", max_length=320, choices=PERSON),
    ),
    help="The plan's improvement areas.",
)
ACTIONS = Sheet(
    "Actions",
    (
        C("ref", Kind.CODE, True, "Unique reference, e.g. TAP-07.", 64),
        C("title", Kind.TEXT, True, "What will be done.", 1000, width=60),
        C("area", Kind.CODE, True, "The area's code (Areas sheet).", 32, choices=AREA),
        C("owner_email", Kind.EMAIL, True, "Who owns it (People sheet).", 320, choices=PERSON),
        C("due", Kind.DATE, True, "Due date. Changing it later is a re-baseline: the original is kept."),
        C("start", Kind.DATE, help="Start date."),
        C("status", Kind.STATUS, help="not started, in progress, complete, closed, deferred or cancelled."),
        C("rag", Kind.RAG, help="The owner's RAG: red, amber or green."),
        C("percent", Kind.PERCENT, help="How complete: 40, 40% or 0.4."),
        C("exempt", Kind.YN, help="Y keeps it out of public packs."),
        C(
            "last_update",
            Kind.DATE,
            help="Date of the owner's last update, for plans that arrive mid-flight.",
        ),
        C("rebaseline_reason", Kind.TEXT, help="Why the due date changed (when it did).", max_length=1000),
        C("notes", Kind.TEXT, help="Anything else.", max_length=4000, width=40),
        C("original_due", Kind.DATE, help=f"{EXPORT_ONLY} The first due date.", export_only=True),
        C(
            "rebaselined",
            Kind.INT,
            help=f"{EXPORT_ONLY} How many times the due date moved.",
            export_only=True,
        ),
        C(
            "derived_rag",
            Kind.TEXT,
            help=f"{EXPORT_ONLY} The RAG the service derives on the export's day, as packs print it: red "
            "when overdue or reported red, amber when behind near the due date, re-baselined or stale, "
            "otherwise green; complete, deferred or cancelled for items no longer open.",
            export_only=True,
        ),
        C(
            "escalation_level",
            Kind.INT,
            help=f"{EXPORT_ONLY} The open escalation's level: 2 the owner's manager, 3 the board; "
            "empty when none is open.",
            export_only=True,
        ),
        C(
            "working_days_overdue",
            Kind.INT,
            help=f"{EXPORT_ONLY} Working days past the due date on the export's day (0 when not overdue; "
            "empty when no longer open).",
            export_only=True,
        ),
    ),
    help="Every action of the plan.",
)
MILESTONES = Sheet(
    "Milestones",
    (
        C("ref", Kind.CODE, True, "Unique reference, e.g. MS-03.", 64),
        C("title", Kind.TEXT, True, "The dated commitment.", 1000, width=60),
        C("due", Kind.DATE, True, "Its date."),
        C("owner_email", Kind.EMAIL, True, "Who owns it (People sheet).", 320, choices=PERSON),
        C("depends_on", Kind.REFS, help="Action refs it depends on, separated by ; or ,", max_length=4000),
        C("status", Kind.STATUS, help="not started, in progress, complete, closed, deferred or cancelled."),
        C(
            "escalation_level",
            Kind.INT,
            help=f"{EXPORT_ONLY} The open escalation's level (3: the board); empty when none is open.",
            export_only=True,
        ),
        C(
            "working_days_overdue",
            Kind.INT,
            help=f"{EXPORT_ONLY} Working days past its date on the export's day (empty when no longer open).",
            export_only=True,
        ),
    ),
    required=False,
    help="Dated commitments and the actions they depend on.",
)
BOARDS = Sheet(
    "Boards",
    (
        C("name", Kind.NAME, True, "The board, e.g. Improvement Board.", 200, width=40),
        C(
            "secretariat_email",
            Kind.EMAIL,
            True,
            "Who receives escalations and builds the pack.",
            320,
            choices=PERSON,
        ),
        C("chair_email", Kind.EMAIL, help="The chair.", max_length=320, choices=PERSON),
        C("members", Kind.EMAILS, help="Members' emails separated by ;", max_length=4000),
        C("teams_url", Kind.URL, help="The board's Teams Workflows URL. Keep it private.", max_length=2000),
        C(
            "word_template",
            Kind.DOCX,
            help="The council's own Word (.docx) template for this board's Word packs (start from "
            "`lineofsight pack template default`): its file name in the workbook's folder, or a full path. "
            "The import checks it as `lineofsight pack template set` does (a broken one is a problem and "
            "nothing is imported) and stores its bytes for the board. Empty: the stored template, if any, "
            "is kept. The export writes the stored template's file name; re-imported with no file of that "
            "name in the workbook's folder, the stored template is kept.",
            max_length=1000,
        ),
    ),
    required=False,
    help="The Improvement Board, the scrutiny committee and any other board.",
)
MEETINGS = Sheet(
    "Meetings",
    (
        C("board", Kind.NAME, True, "The board's name (Boards sheet).", 200, choices=BOARD, width=40),
        C("date", Kind.DATE, True, "The meeting's date."),
        C(
            "theme_area",
            Kind.CODE,
            help="The area code of the theme or deep dive.",
            max_length=32,
            choices=AREA,
        ),
        C("audience", Kind.AUDIENCE, help="board (default), scrutiny or public."),
    ),
    required=False,
    help="Every meeting that gets a pack.",
)
SHEETS = (PLAN, PEOPLE, AREAS, ACTIONS, MILESTONES, BOARDS, MEETINGS)
UPDATES_SHEET = "Updates"  # written by the export; ignored by the import
README_SHEET = "Read me"

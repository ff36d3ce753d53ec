"""The demo: the Children's Services Improvement Plan of autumn 2017, after the public report in
`shared/domain/`. The plan itself is the workbook beside this file (`demo_plan.xlsx`), loaded by
`lineofsight demo` through the same import as any council's plan: the thirteen improvement areas as the
report names them, 40 actions, 7 milestones, the Improvement Board and the scrutiny sub-committee, and an
auditor (the People sheet's `roles` column). Every person is a fictitious role holder at example.org.
UPDATES replays what owners reported after 5 September.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from models.plans.spec import PlanSpec, UpdateSpec
from models.vocab import RAG, Status

PLAN_NAME = "Children's Services Improvement Plan"
WORKBOOK = Path(__file__).with_name("demo_plan.xlsx")
START = date(2017, 9, 5)  # the Improvement Board's first meeting: the service starts watching
AS_OF = date(2017, 12, 11)  # the day the improvement plan goes to the inspectorate
# The console: each board's secretariat (the Boards sheet's) approves and sends its autumn packs, but the
# packs of this meeting are left as drafts, waiting in the console for the secretariat's approval.
REVIEW_MEETING = date(2017, 12, 5)
SECRETARIAT = "improvement.manager@example.org"
# An inspector is in no People sheet: an operator's grant lets them read the plan, until a date.
INSPECTOR = "lead.inspector@example.org"
INSPECTOR_NAME = "Lead Inspector (monitoring visit)"
GRANTED_BY = "system:operator (demo)"
AUDITOR = "audit.manager@example.org"  # the People sheet's `roles` column makes them an auditor


def _email(handle: str) -> str:
    return f"{handle}@example.org"


def load_spec() -> PlanSpec:
    """The demo workbook, read and validated as `lineofsight import` would."""
    from workbooks.reader import read_workbook
    from workbooks.validate import validate

    return validate(read_workbook(WORKBOOK)).plan


C, IP = Status.COMPLETE, Status.IN_PROGRESS
R, A, G = RAG.RED, RAG.AMBER, RAG.GREEN
_UPDATES = [
    # date, ref, by, status, rag, percent, note
    (
        "2017-09-05",
        "TAP-19",
        "improvement.manager",
        C,
        G,
        100,
        "Terms of reference agreed at the first Board.",
    ),
    ("2017-09-14", "TAP-02", "head.frontdoor", C, G, 100, "Daily review meeting running since 11 September."),
    (
        "2017-09-19",
        "MS-02",
        "director.people",
        C,
        None,
        None,
        "Considered by the Sub-Committee on 19 September.",
    ),
    ("2017-09-21", "TAP-18", "head.performance", C, G, 100, "Dashboard issued to every team manager."),
    (
        "2017-09-27",
        "TAP-27",
        "cscb.chair",
        C,
        G,
        100,
        "Challenge log in place; first review at the October board.",
    ),
    ("2017-09-28", "TAP-08", "head.qa", C, G, 100, "42 audits completed in September; findings shared."),
    (
        "2017-09-28",
        "TAP-01",
        "head.frontdoor",
        IP,
        A,
        60,
        "Threshold document redrafted; partners' sign-off awaited.",
    ),
    (
        "2017-09-29",
        "TAP-35",
        "head.adolescents",
        IP,
        A,
        70,
        "78% of interviews within 72 hours; agency capacity short.",
    ),
    (
        "2017-10-04",
        "TAP-35",
        "head.adolescents",
        C,
        G,
        100,
        "Extra capacity commissioned; 95% within 72 hours.",
    ),
    ("2017-10-05", "TAP-33", "head.fostering", C, G, 100, "Tracking meeting held monthly from October."),
    ("2017-10-06", "TAP-06", "head.cp", IP, A, 75, "31 of 41 children reviewed; the rest booked next week."),
    (
        "2017-10-06",
        "TAP-12",
        "director.csc",
        IP,
        A,
        30,
        "Average assessment caseload 24; agency staff being recruited.",
    ),
    ("2017-10-10", "TAP-04", "head.cp", IP, G, 80, "Audits under way; plans stepped down where safe."),
    ("2017-10-11", "TAP-11", "principal.sw", C, G, 100, "Policy relaunched at the all-staff briefing."),
    ("2017-10-12", "TAP-06", "head.cp", C, G, 100, "Every child in pre-proceedings has a decision date."),
    ("2017-10-13", "TAP-04", "head.cp", C, G, 100, "All 23 audits complete; findings to the November Board."),
    ("2017-10-13", "TAP-32", "head.fostering", C, G, 100, "Campaign launched on 9 October."),
    (
        "2017-10-16",
        "TAP-07",
        "director.csc",
        IP,
        R,
        40,
        "Court capacity limits progress; legal planning weekly.",
    ),
    (
        "2017-10-18",
        "TAP-16",
        "head.systems",
        IP,
        R,
        30,
        "Supplier cannot deliver the workflow fix before December.",
    ),
    ("2017-10-19", "TAP-24", "head.lac", C, G, 100, "Children in care council workshop held on 17 October."),
    ("2017-10-20", "TAP-05", "head.cp", IP, A, 50, "Police attendance at strategy discussions still patchy."),
    ("2017-10-26", "TAP-10", "head.qa", C, G, 100, "Framework published on the intranet."),
    ("2017-10-27", "TAP-20", "improvement.manager", C, G, 100, "Draft plan circulated to the Board."),
    ("2017-10-27", "TAP-09", "head.qa", IP, A, 55, "Oversight recorded on 71% of cases."),
    ("2017-10-30", "TAP-25", "cscb.manager", C, G, 100, "Business plan agreed by the Safeguarding Board."),
    ("2017-10-30", "TAP-36", "head.adolescents", C, G, 100, "Every high-risk adolescent reviewed at panel."),
    ("2017-10-31", "MS-03", "improvement.manager", C, None, None, "Draft plan sent to Ofsted and the DfE."),
    ("2017-10-31", "TAP-22", "chief.executive", C, G, 100, "Visit programme running; rota to March agreed."),
    (
        "2017-11-01",
        "TAP-16",
        "head.systems",
        IP,
        R,
        35,
        "Still waiting on the supplier; manual workaround in place.",
    ),
    (
        "2017-11-02",
        "TAP-14",
        "head.workforce",
        C,
        G,
        100,
        "Retention payment agreed by the Appointments Committee.",
    ),
    (
        "2017-11-03",
        "TAP-07",
        "director.csc",
        IP,
        R,
        45,
        "Three children still waiting; escalated to the DCS.",
    ),
    (
        "2017-11-08",
        "TAP-12",
        "director.csc",
        IP,
        R,
        40,
        "Caseloads 22 on average; recruitment slower than planned.",
    ),
    ("2017-11-09", "TAP-17", "director.csc", IP, A, 60, "Business support in four of six localities."),
    ("2017-11-10", "TAP-31", "head.fostering", IP, R, 50, "Nine assessments are past 16 weeks."),
    ("2017-11-15", "TAP-15", "principal.sw", C, G, 100, "First cohort of 14 team managers started."),
    ("2017-11-16", "TAP-29", "head.lac", IP, A, 70, "Pathway plans updated for 70% of care leavers."),
    (
        "2017-11-20",
        "TAP-03",
        "head.earlyhelp",
        IP,
        G,
        80,
        "Offer drafted with partners; launch set for 28 November.",
    ),
    ("2017-11-23", "TAP-21", "director.people", C, G, 100, "Panel relaunched; 52 of 70 members trained."),
    (
        "2017-11-24",
        "TAP-23",
        "principal.sw",
        IP,
        G,
        85,
        "Practice standard issued; audit shows good progress.",
    ),
    ("2017-11-28", "MS-04", "director.csc", C, None, None, "Monitoring visit held on 28 and 29 November."),
    ("2017-11-28", "TAP-03", "head.earlyhelp", C, G, 100, "Early help offer launched with partners."),
    ("2017-11-29", "TAP-38", "head.commissioning", C, G, 100, "Strategy agreed by Cabinet on 27 November."),
    ("2017-11-30", "TAP-26", "cscb.manager", C, G, 100, "Audit reported to the Safeguarding Board."),
    (
        "2017-11-30",
        "TAP-23",
        "principal.sw",
        C,
        G,
        100,
        "Wishes and feelings recorded in 92% of audited cases.",
    ),
    ("2017-12-01", "TAP-05", "head.cp", IP, R, 60, "Police attendance 64% against a 100% target."),
    (
        "2017-12-04",
        "MS-05",
        "chief.executive",
        C,
        None,
        None,
        "Commissioner's report delivered to the Minister.",
    ),
    ("2017-12-05", "MS-06", "director.people", C, None, None, "Board approved the final Improvement Plan."),
    ("2017-12-06", "TAP-13", "head.workforce", IP, A, 60, "12 of 20 permanent posts offered."),
    ("2017-12-07", "TAP-28", "head.lac", IP, G, 85, "Permanence planning on track for the second review."),
    (
        "2017-12-08",
        "TAP-37",
        "head.adolescents",
        IP,
        A,
        80,
        "Protocol with the police in final legal review.",
    ),
]

UPDATES = tuple(
    UpdateSpec(
        ref=ref,
        by=_email(by),
        status=status,
        rag=rag,
        percent=percent,
        note=note,
        at=datetime.fromisoformat(day).replace(hour=16, tzinfo=UTC),
    )
    for day, ref, by, status, rag, percent, note in _UPDATES
)

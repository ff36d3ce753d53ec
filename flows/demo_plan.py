"""The demo: the Children's Services Improvement Plan of autumn 2017, after the public report in
`shared/domain/`. Areas are named as in the report; every person is a fictitious role holder at
example.org. The plan is as it stood on 5 September 2017; UPDATES replay what owners reported after.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from models.plan_spec import (
    ActionSpec,
    AreaSpec,
    BoardSpec,
    MeetingSpec,
    MilestoneSpec,
    PersonSpec,
    PlanSpec,
    UpdateSpec,
)
from models.vocab import RAG, Audience, Status

PLAN_NAME = "Children's Services Improvement Plan"
AS_OF = date(2017, 12, 11)  # the day the improvement plan goes to the inspectorate
D = date.fromisoformat

_PEOPLE = [
    # email (at example.org), name (the role), manager
    ("chair", "Independent Chair of the Improvement Board", None),
    ("chief.executive", "Chief Executive", None),
    ("director.people", "Executive Director (People)", "chief.executive"),
    ("director.csc", "Director of Children's Social Care", "director.people"),
    ("head.earlyhelp", "Head of Early Help", "director.csc"),
    ("head.frontdoor", "Head of Assessment and the Front Door", "director.csc"),
    ("head.cp", "Head of Child Protection", "director.csc"),
    ("head.lac", "Head of Looked After Children and Care Leavers", "director.csc"),
    ("head.fostering", "Head of Fostering and Adoption", "director.csc"),
    ("head.adolescents", "Head of Adolescent Services", "director.csc"),
    ("head.qa", "Head of Quality Assurance", "director.csc"),
    ("principal.sw", "Principal Social Worker", "director.csc"),
    ("head.workforce", "Head of Workforce Development", "director.people"),
    ("head.systems", "Head of Children's Systems", "director.people"),
    ("head.performance", "Head of Performance and Intelligence", "director.people"),
    ("head.commissioning", "Head of Commissioning", "director.people"),
    ("improvement.manager", "Improvement Programme Manager", "director.people"),
    ("cscb.manager", "Safeguarding Board Business Manager", "cscb.chair"),
    ("cscb.chair", "Independent Chair of the Safeguarding Children Board", None),
    ("scrutiny.officer", "Scrutiny Officer", None),
    ("scrutiny.chair", "Chair of the Scrutiny Sub-Committee", None),
    ("cabinet.member", "Cabinet Member for Children, Young People and Learning", None),
]


def _email(handle: str) -> str:
    return f"{handle}@example.org"


PEOPLE = tuple(
    PersonSpec(
        email=_email(h),
        name=name,
        role=name,
        manager_email=_email(m) if m else None,
        # The Head of Child Protection is on leave over the monitoring visit; the deputy covers.
        deputy_email=_email("director.csc") if h == "head.cp" else None,
        away_from=D("2017-11-20") if h == "head.cp" else None,
        away_to=D("2017-11-24") if h == "head.cp" else None,
    )
    for h, name, m in _PEOPLE
)

AREAS = tuple(
    AreaSpec(code, name, theme, _email(lead))
    for code, name, theme, lead in [
        ("LG", "Leadership and governance", "Performance", "director.people"),
        (
            "VOICE",
            "The experiences, wishes and feelings of children and young people",
            "Practice",
            "principal.sw",
        ),
        ("MOQA", "Management oversight and quality assurance", "Performance", "head.qa"),
        ("WORK", "Strong and skilled workforce", "People", "head.workforce"),
        ("SYS", "Systems and support that allow social work to flourish", "People", "head.systems"),
        ("CSCB", "Croydon Safeguarding Children Board; a partnership response", "Performance", "cscb.chair"),
        ("EHFD", "Strengthening early help and the front door", "Practice", "head.frontdoor"),
        ("CP", "Supporting children in need of protection", "Practice", "head.cp"),
        ("LAC", "Improving outcomes for looked after children and care leavers", "Practice", "head.lac"),
        ("FOST", "Improving fostering and kinship", "Practice", "head.fostering"),
        ("ADOPT", "Strengthening adoption services", "Practice", "head.fostering"),
        ("ADOL", "Protecting vulnerable and high risk adolescents", "Practice", "head.adolescents"),
        ("COMM", "Strengthening strategic commissioning", "Performance", "head.commissioning"),
    ]
)

_ACTIONS: list[tuple[Any, ...]] = [
    # ref, area, owner, due, title, [exempt]
    (
        "TAP-01",
        "EHFD",
        "head.frontdoor",
        "2017-09-29",
        "Review front door (MASH) thresholds and apply them consistently to every contact",
    ),
    (
        "TAP-02",
        "EHFD",
        "head.frontdoor",
        "2017-09-15",
        "Daily management review of every contact awaiting a decision at the front door",
    ),
    (
        "TAP-03",
        "EHFD",
        "head.earlyhelp",
        "2017-11-30",
        "Publish an early help offer that is understood across the partnership",
    ),
    (
        "TAP-04",
        "CP",
        "head.cp",
        "2017-10-13",
        "Audit every child on a child protection plan for more than 18 months",
    ),
    (
        "TAP-05",
        "CP",
        "head.cp",
        "2017-10-31",
        "Hold a strategy discussion within one working day of every referral of a child at risk",
    ),
    (
        "TAP-06",
        "CP",
        "head.cp",
        "2017-10-06",
        "Review every child in pre-proceedings and set a date for the decision",
    ),
    (
        "TAP-07",
        "CP",
        "director.csc",
        "2017-10-20",
        "Decide on care proceedings for each child waiting more than 26 weeks",
        True,
    ),
    (
        "TAP-08",
        "MOQA",
        "head.qa",
        "2017-09-29",
        "Run a monthly case audit programme of 40 audits, with findings to team managers",
    ),
    (
        "TAP-09",
        "MOQA",
        "head.qa",
        "2017-11-03",
        "Record management oversight on every open case at least every four weeks",
    ),
    ("TAP-10", "MOQA", "head.qa", "2017-10-27", "Agree and publish a quality assurance framework"),
    (
        "TAP-11",
        "MOQA",
        "principal.sw",
        "2017-10-13",
        "Relaunch the supervision policy: recorded supervision every four weeks for every social worker",
    ),
    (
        "TAP-12",
        "WORK",
        "director.csc",
        "2017-11-30",
        "Bring average caseloads in assessment teams down to 18 children or fewer",
    ),
    (
        "TAP-13",
        "WORK",
        "head.workforce",
        "2017-12-15",
        "Recruit 20 permanent social workers through a national campaign",
    ),
    (
        "TAP-14",
        "WORK",
        "head.workforce",
        "2017-10-31",
        "Agree a retention offer for experienced social workers",
    ),
    ("TAP-15", "WORK", "principal.sw", "2017-11-17", "Launch a development programme for team managers"),
    (
        "TAP-16",
        "SYS",
        "head.systems",
        "2017-10-31",
        "Fix the case recording system's assessment workflow so that assessments can be closed on time",
    ),
    ("TAP-17", "SYS", "director.csc", "2017-11-10", "Put business support into every locality team"),
    (
        "TAP-18",
        "SYS",
        "head.performance",
        "2017-09-22",
        "Weekly performance dashboard for every team manager",
    ),
    ("TAP-19", "LG", "improvement.manager", "2017-09-05", "Agree the Improvement Board's terms of reference"),
    (
        "TAP-20",
        "LG",
        "improvement.manager",
        "2017-10-27",
        "Write the draft Improvement Plan with staff, partners, children and young people",
    ),
    (
        "TAP-21",
        "LG",
        "director.people",
        "2017-11-24",
        "Relaunch the corporate parenting panel, with training for every elected member",
    ),
    (
        "TAP-22",
        "LG",
        "chief.executive",
        "2017-10-31",
        "Monthly visits by leaders and members to front-line teams, to restore line of sight to practice",
    ),
    (
        "TAP-23",
        "VOICE",
        "principal.sw",
        "2017-11-30",
        "Record each child's wishes and feelings in every assessment and plan",
    ),
    (
        "TAP-24",
        "VOICE",
        "head.lac",
        "2017-10-20",
        "Consult the children in care council on the improvement plan",
    ),
    (
        "TAP-25",
        "CSCB",
        "cscb.manager",
        "2017-10-31",
        "Revise the Safeguarding Children Board's business plan with a clear direction and priorities",
    ),
    (
        "TAP-26",
        "CSCB",
        "cscb.manager",
        "2017-11-30",
        "Report a multi-agency audit of front-line practice to the Safeguarding Children Board",
    ),
    (
        "TAP-27",
        "CSCB",
        "cscb.chair",
        "2017-09-29",
        "Set up a challenge log, reviewed at every Safeguarding Children Board meeting",
    ),
    (
        "TAP-28",
        "LAC",
        "head.lac",
        "2017-12-15",
        "A permanence plan for every looked after child by their second review",
    ),
    ("TAP-29", "LAC", "head.lac", "2017-11-17", "Review and update the pathway plan of every care leaver"),
    ("TAP-30", "LAC", "head.lac", "2018-01-31", "Reduce changes of social worker for looked after children"),
    (
        "TAP-31",
        "FOST",
        "head.fostering",
        "2017-11-10",
        "Assess every connected persons (kinship) placement within 16 weeks",
    ),
    ("TAP-32", "FOST", "head.fostering", "2017-10-13", "Launch a foster carer recruitment campaign"),
    (
        "TAP-33",
        "ADOPT",
        "head.fostering",
        "2017-10-06",
        "Monthly early permanence and adoption tracking meeting",
    ),
    (
        "TAP-34",
        "ADOPT",
        "head.fostering",
        "2018-01-31",
        "Agree the plan to join the regional adoption agency",
    ),
    (
        "TAP-35",
        "ADOL",
        "head.adolescents",
        "2017-09-29",
        "Offer every child who returns from missing a return home interview within 72 hours",
    ),
    (
        "TAP-36",
        "ADOL",
        "head.adolescents",
        "2017-10-31",
        "Review every high-risk adolescent at the exploitation and gangs risk panel",
    ),
    (
        "TAP-37",
        "ADOL",
        "head.adolescents",
        "2017-12-08",
        "Agree a joint protocol with the police for adolescents at risk of exploitation",
        True,
    ),
    ("TAP-38", "COMM", "head.commissioning", "2017-11-30", "Agree a placement sufficiency strategy"),
    (
        "TAP-39",
        "COMM",
        "head.commissioning",
        "2017-12-22",
        "Commission an independent return home interview service",
    ),
    (
        "TAP-40",
        "COMM",
        "head.commissioning",
        "2018-01-19",
        "Review contracts for semi-independent accommodation for care leavers",
    ),
]

_UNDER_WAY = {"TAP-01", "TAP-02", "TAP-08", "TAP-12", "TAP-18", "TAP-19", "TAP-27", "TAP-35"}


def _action(ref: str, area: str, owner: str, due: str, title: str, exempt: bool = False) -> ActionSpec:
    under_way = ref in _UNDER_WAY
    return ActionSpec(
        ref=ref,
        title=title,
        area=area,
        owner_email=_email(owner),
        due=D(due),
        start=D("2017-09-04"),
        status=Status.IN_PROGRESS if under_way else Status.NOT_STARTED,
        rag=RAG.GREEN if under_way else None,
        percent=(80 if ref == "TAP-19" else 20) if under_way else 0,
        exempt=exempt,
        last_update=D("2017-09-04") if under_way else None,
        notes="Exempt: concerns individual children." if ref == "TAP-07" else None,
    )


ACTIONS = tuple(_action(*row) for row in _ACTIONS)

MILESTONES = (
    MilestoneSpec(
        "MS-01",
        "Improvement Board holds its first meeting",
        D("2017-09-05"),
        _email("improvement.manager"),
        ("TAP-19",),
        Status.COMPLETE,
    ),
    MilestoneSpec(
        "MS-02",
        "Transitional Action Plan scrutinised by the Scrutiny Sub-Committee",
        D("2017-09-19"),
        _email("director.people"),
    ),
    MilestoneSpec(
        "MS-03",
        "Draft improvement plan shared with the inspectorate and the Department for Education",
        D("2017-10-31"),
        _email("improvement.manager"),
        ("TAP-20",),
    ),
    MilestoneSpec(
        "MS-04",
        "Ofsted monitoring visit",
        D("2017-11-28"),
        _email("director.csc"),
        ("TAP-04", "TAP-05", "TAP-09"),
    ),
    MilestoneSpec(
        "MS-05",
        "Commissioner reports to the Minister for Children and Families",
        D("2017-12-04"),
        _email("chief.executive"),
        ("TAP-12", "TAP-16", "TAP-22"),
    ),
    MilestoneSpec(
        "MS-06",
        "Improvement Board approves the final Improvement Plan",
        D("2017-12-05"),
        _email("director.people"),
        ("TAP-20",),
    ),
    MilestoneSpec(
        "MS-07",
        "Improvement Plan submitted to Ofsted",
        D("2017-12-11"),
        _email("director.people"),
        ("TAP-20", "TAP-25", "TAP-26"),
    ),
)

IMPROVEMENT_BOARD = "Children's Services Improvement Board"
SCRUTINY = "Children and Young People Scrutiny Sub-Committee"

BOARDS = (
    BoardSpec(
        IMPROVEMENT_BOARD,
        _email("improvement.manager"),
        _email("chair"),
        tuple(
            _email(h)
            for h in (
                "chief.executive",
                "director.people",
                "director.csc",
                "cscb.chair",
                "cabinet.member",
                "head.performance",
            )
        ),
    ),
    BoardSpec(
        SCRUTINY,
        _email("scrutiny.officer"),
        _email("scrutiny.chair"),
        tuple(_email(h) for h in ("cabinet.member", "director.people")),
    ),
)

MEETINGS = (
    MeetingSpec(IMPROVEMENT_BOARD, D("2017-09-05")),
    MeetingSpec(SCRUTINY, D("2017-09-19"), "LG", Audience.SCRUTINY),
    MeetingSpec(IMPROVEMENT_BOARD, D("2017-10-03"), "EHFD"),
    MeetingSpec(IMPROVEMENT_BOARD, D("2017-11-07"), "MOQA"),
    MeetingSpec(SCRUTINY, D("2017-11-21"), "CP", Audience.SCRUTINY),
    MeetingSpec(IMPROVEMENT_BOARD, D("2017-12-05"), "LAC"),
    MeetingSpec(IMPROVEMENT_BOARD, D("2017-12-05"), "LAC", Audience.PUBLIC),
    MeetingSpec(IMPROVEMENT_BOARD, D("2018-01-09"), "WORK"),
    MeetingSpec(SCRUTINY, D("2018-01-23"), "LAC", Audience.SCRUTINY),
)

PLAN = PlanSpec(
    name=PLAN_NAME,
    organisation="Croydon Council, Children's Services (demo)",
    nation="ENG",
    people=PEOPLE,
    areas=AREAS,
    actions=ACTIONS,
    milestones=MILESTONES,
    boards=BOARDS,
    meetings=MEETINGS,
)

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

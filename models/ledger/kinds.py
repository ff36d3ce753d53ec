"""Every kind of event the ledger holds, named once: writers pass `EventKind.X`, readers filter on them.
Past tense, as the event is a fact (cosmicpython's habit): `ReminderQueued`, `EscalatedToBoard`."""

from __future__ import annotations

from enum import StrEnum


class EventKind(StrEnum):
    ACCESS_GRANTED = "AccessGranted"
    ACCESS_REVOKED = "AccessRevoked"
    ACTION_ADDED = "ActionAdded"
    ACTION_CANCELLED = "ActionCancelled"
    ACTION_CHANGED = "ActionChanged"
    ACTION_UPDATED = "ActionUpdated"
    AREA_ADDED = "AreaAdded"
    AREA_CHANGED = "AreaChanged"
    BOARD_ADDED = "BoardAdded"
    BOARD_CHANGED = "BoardChanged"
    CALENDAR_FEED_ISSUED = "CalendarFeedIssued"
    CALENDAR_FEED_REVOKED = "CalendarFeedRevoked"
    CONSOLE_PAGE_VIEWED = "ConsolePageViewed"
    DEAD_NOTICES_REPORTED = "DeadNoticesReported"
    DUE_CHANGE_REQUESTED = "DueChangeRequested"
    DUE_CHANGE_ACCEPTED = "DueChangeAccepted"
    DUE_CHANGE_DECLINED = "DueChangeDeclined"
    DUE_DATE_REBASELINED = "DueDateRebaselined"
    ESCALATED_TO_BOARD = "EscalatedToBoard"
    ESCALATED_TO_LEAD = "EscalatedToLead"
    ESCALATION_CLOSED = "EscalationClosed"
    LEDGER_EXPORTED = "LedgerExported"
    LEDGER_VERIFIED = "LedgerVerified"
    LINK_RESENT = "LinkResent"
    LINKS_REVOKED = "LinksRevoked"
    MEETING_ADDED = "MeetingAdded"
    MEETING_CHANGED = "MeetingChanged"
    MILESTONE_ADDED = "MilestoneAdded"
    MILESTONE_CANCELLED = "MilestoneCancelled"
    MILESTONE_CHANGED = "MilestoneChanged"
    MILESTONE_MISSED = "MilestoneMissed"
    MILESTONE_UPDATED = "MilestoneUpdated"
    NOTICE_FAILED = "NoticeFailed"
    NOTICE_REVIVED = "NoticeRevived"
    NOTICE_RETRIED = "NoticeRetried"
    NOTICE_SENT = "NoticeSent"
    OVERDUE_NOTICE_QUEUED = "OverdueNoticeQueued"
    PACK_APPROVED = "PackApproved"
    PACK_BUILT = "PackBuilt"
    PACK_COMMENTARY_WRITTEN = "PackCommentaryWritten"
    PACK_FILES_RESTORED = "PackFilesRestored"
    PACK_PUBLISHED = "PackPublished"
    PACK_READY_FOR_REVIEW = "PackReadyForReview"
    PACK_SUPERSEDED = "PackSuperseded"
    PACK_TEMPLATE_SET = "PackTemplateSet"
    PERSON_ADDED = "PersonAdded"
    PERSON_CHANGED = "PersonChanged"
    PLAN_CHANGED = "PlanChanged"
    PLAN_CREATED = "PlanCreated"
    PLAN_IMPORTED = "PlanImported"
    PROGRESS_KEPT = "ProgressKept"
    REMINDER_QUEUED = "ReminderQueued"
    SCHEMA_MIGRATED = "SchemaMigrated"
    SIGN_IN_LINK_SENT = "SignInLinkSent"
    SIGNED_IN = "SignedIn"
    SIGNED_OUT = "SignedOut"
    SWEEP_FAILED = "SweepFailed"
    SWEEP_RECOVERED = "SweepRecovered"
    UPDATE_REQUESTED = "UpdateRequested"


# The kinds a reader writes: they record that something was read and change nothing any page shows. A new
# one goes here, in models.audit's list, and in a migration of the ledger's partial index (a test checks all
# three agree).
READERS = frozenset({EventKind.CONSOLE_PAGE_VIEWED, EventKind.LEDGER_EXPORTED, EventKind.LEDGER_VERIFIED})

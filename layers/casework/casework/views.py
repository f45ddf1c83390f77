"""Storage items to response schemas, for the records several capabilities show: people, cases, users, worktray
tasks, audit entries and MAPPA discussions (MAPPA details leave storage only here, MAP-2).

The rule for the rest: a record that one capability owns is translated by that capability, in one `<record>_out`
function beside its domain (`lscmi.assessments.assessment_out`, `lscmi.approval_requests.approval_out`,
`transfer.imports._import_out`, `library._document_out` ...); nothing else builds that response schema."""

from __future__ import annotations

from typing import Any

from casework import clock
from casework.access import Caller, Right
from casework.schemas.cases import CaseOut, PersonOut
from casework.schemas.directory import UserRef
from casework.schemas.mappa import MappaFlagOut, MappaOut, NotificationOut, RecipientOut
from casework.schemas.work import AuditEntryOut, TaskOut
from casework.store.models import (
    AuditItem,
    CaseItem,
    MappaItem,
    MappaNotificationItem,
    PersonItem,
    TaskItem,
    UserItem,
)


def case_out(case: CaseItem, *, multiple_cases: bool | None = None) -> CaseOut:
    return CaseOut(
        case_id=case.case_id,
        case_number=int(case.case_number),
        urn=case.urn,
        forename=case.forename,
        surname=case.surname,
        case_type=case.case_type,
        status=case.status,
        assigned_to=case.assigned_to,
        risk_need_level=case.risk_need_level,
        destruction_date=case.destruction_date,
        opened_at=case.opened_at,
        closed_at=case.closed_at,
        multiple_cases=bool(case.multiple_cases) if multiple_cases is None else multiple_cases,
        version=int(case.version or 0),
    )


def person_out(person: PersonItem, cases: list[CaseItem]) -> PersonOut:
    multiple = len(cases) > 1
    return PersonOut(
        urn=person.urn,
        forename=person.forename,
        surname=person.surname,
        date_of_birth=person.date_of_birth,
        chs_number=person.chs_number,
        cases=[case_out(c, multiple_cases=multiple) for c in cases],
        multiple_cases=multiple,
        mappa=mappa_flag(person),
    )


def user_ref(user: UserItem) -> UserRef:
    return UserRef(user_id=user.user_id, name=f"{user.forename} {user.surname}")


def task_out(task: TaskItem) -> TaskOut:
    overdue = task.completed_at is None and task.due_date is not None and task.due_date < clock.today().isoformat()
    return TaskOut(
        task_id=task.task_id,
        kind=task.task_kind,
        subject=task.subject,
        case_id=task.case_id,
        due_date=task.due_date,
        overdue=overdue,
        created_at=task.created_at,
        completed_at=task.completed_at,
        link=task.link or (f"/cases/{task.case_id}" if task.case_id else None),
    )


def audit_out(entry: AuditItem) -> AuditEntryOut:
    return AuditEntryOut(at=entry.at, action=entry.action, actor_id=entry.actor_id, before=entry.before,
                         after=entry.after, reason=entry.reason)


# ---------------------------------------------------------------- MAPPA (details only for right 100, MAP-2)


def _past(day: str | None) -> bool:
    return day is not None and day < clock.today().isoformat()


def _as_dict(value: Any) -> dict[str, Any]:
    """A raw map as PynamoDB hands it back (a MapAttribute once read, a dict when just built)."""
    return dict(value.as_dict() if hasattr(value, "as_dict") else value)


def recipients_of(note: MappaNotificationItem) -> dict[str, dict[str, Any]]:
    """user id -> {"name", "acknowledgedAt"?}."""
    return {user_id: _as_dict(r) for user_id, r in _as_dict(note.recipients).items()}


def mappa_flag(person: PersonItem) -> MappaFlagOut | None:
    if person.mappa_current:
        return MappaFlagOut(discussion_id=person.mappa_current, current=True, struck_through=False,
                            review_overdue=_past(person.mappa_review_date), review_date=person.mappa_review_date)
    if person.mappa_last_ended:
        return MappaFlagOut(discussion_id=person.mappa_last_ended, current=False, struck_through=True,
                            review_overdue=False, review_date=None)
    return None


def notification_out(note: MappaNotificationItem, person: PersonItem, *, queued: int = 0) -> NotificationOut:
    recipients = recipients_of(note)
    return NotificationOut(
        notification_id=note.notification_id, discussion_id=note.discussion_id, urn=note.urn,
        forename=person.forename, surname=person.surname, date_notified=note.date_notified,
        send_alert=bool(note.send_alert), sent_by=note.sent_by, sent_at=note.sent_at, queued=queued,
        recipients=[RecipientOut(user_id=user_id, name=r.get("name", ""), acknowledged="acknowledgedAt" in r,
                                 acknowledged_at=r.get("acknowledgedAt"))
                    for user_id, r in sorted(recipients.items(), key=lambda kv: kv[1].get("name", ""))],
    )


def mappa_out(caller: Caller, discussion: MappaItem, person: PersonItem,
              notes: list[MappaNotificationItem]) -> MappaOut:
    confidential = caller.has(Right.MAPPA_CONFIDENTIAL)
    current = discussion.date_ended is None
    return MappaOut(
        discussion_id=discussion.discussion_id, urn=discussion.urn,
        date_of_discussion=discussion.date_of_discussion, review_date=discussion.review_date,
        date_ended=discussion.date_ended, level=int(discussion.level), category=int(discussion.category),
        details=discussion.details if confidential else None, details_withheld=not confidential,
        current=current, review_overdue=current and _past(discussion.review_date),
        recorded_by=discussion.recorded_by, recorded_at=discussion.recorded_at, updated_at=discussion.updated_at,
        version=int(discussion.version or 0),
        notifications=[notification_out(n, person) for n in sorted(notes, key=lambda n: n.notification_id)],
    )

"""Storage items to response schemas, in one place."""

from __future__ import annotations

from casework import clock
from casework.schemas.cases import CaseOut, PersonOut
from casework.schemas.directory import UserRef
from casework.schemas.work import AuditEntryOut, TaskOut
from casework.store.models import AuditItem, CaseItem, PersonItem, TaskItem, UserItem


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
    )


def audit_out(entry: AuditItem) -> AuditEntryOut:
    return AuditEntryOut(at=entry.at, action=entry.action, actor_id=entry.actor_id, before=entry.before,
                         after=entry.after, reason=entry.reason)

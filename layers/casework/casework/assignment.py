"""Assignment (ASG): who works a case, the unassigned table and caseloads."""

from __future__ import annotations

from casework import cases, clock, ids, views
from casework.access import Caller, Right, require
from casework.compliance import deadlines
from casework.errors import Conflict, Invalid, NotFound, WriteConflict
from casework.observability import count
from casework.schemas.cases import AssignmentIn, AssignmentOut, CaseOut
from casework.schemas.common import Page
from casework.schemas.directory import UserRef
from casework.schemas.work import TaskKind
from casework.store import audit, records, work
from casework.store import directory as directory_store
from casework.store.models import UserItem
from casework.store.tx import Changes
from casework.versions import check_if_match


def assign(caller: Caller, case_id: str, body: AssignmentIn, if_match: int | None) -> AssignmentOut:
    """ASG-1/4/5/6: assign, reassign or unassign an open case; conditional on the version read."""
    require(caller, Right.CASE_ASSIGN)
    case = cases.load(caller, case_id)
    check_if_match(if_match, case, "case", lambda: cases.state(case))
    if case.status != "open":
        raise Conflict("Only an open case can be assigned.", current=cases.state(case))

    previous_id, new_id = case.assigned_to, body.user_id
    people = directory_store.users({u for u in (previous_id, new_id) if u})
    previous = views.user_ref(people[previous_id]) if previous_id in people else _unknown(previous_id)
    if new_id == previous_id:
        return AssignmentOut(case_id=case.case_id, previous=previous, current=previous, changed=False,
                             case=views.case_out(case))
    worker = people.get(new_id) if new_id else None
    if new_id:
        _check_assignable(caller, new_id, worker)

    now = clock.stamp()
    changes = Changes()
    old_task_id = case.assignment_task_id
    if previous_id and old_task_id:
        work.complete_in(changes, previous_id, old_task_id, now)
    task = None
    if worker is not None:
        task = work.new_task(
            task_id=ids.ulid(), user_id=worker.user_id, service_id=caller.service_id,
            kind=TaskKind.CASE_ASSIGNED, subject=f"Case {int(case.case_number)} ({case.surname}) assigned to you",
            case_id=case.case_id, due_date=None, created_at=now,
        )
        changes.create(task)
    deadlines.hand_over(changes, case, new_id or caller.user_id)  # CMP-1: a deadline is for the case's worker
    case.assigned_to = new_id
    case.assignment_task_id = task.task_id if task else None
    cases.hold(changes, case, changed=True)  # a worker now, or none: what record maintenance (DEL-3) waits for
    changes.create(audit.entry(
        audit.case_entity(case.case_id), service_id=caller.service_id,
        action="case.assigned" if new_id else "case.unassigned", actor_id=caller.user_id,
        before={"assignedTo": previous_id}, after={"assignedTo": new_id},
    ))
    try:
        changes.commit()
    except WriteConflict:
        raise Conflict("Someone else changed the case first.", current=cases.state_now(caller, case_id)) from None
    count("CaseAssigned" if new_id else "CaseUnassigned")
    return AssignmentOut(case_id=case.case_id, previous=previous, current=views.user_ref(worker) if worker else None,
                         changed=True, case=views.case_out(case))


def _unknown(user_id: str | None) -> UserRef | None:
    return UserRef(user_id=user_id, name="(former user)") if user_id else None


def _check_assignable(caller: Caller, user_id: str, worker: UserItem | None) -> None:
    """ASG-5: never to a locked user, a user of another service, or one without case-write."""
    if worker is None or worker.service_id != caller.service_id:
        raise Invalid("userId", "no user with this id in your service")
    if worker.locked:
        raise Invalid("userId", "the user is locked")
    group = directory_store.group(worker.service_id, worker.group_id)
    if group is None or int(Right.CASE_WRITE) not in {int(r) for r in group.rights}:
        raise Invalid("userId", f"the user's group lacks right {int(Right.CASE_WRITE)} (Case – Write)")


def unassigned_table(caller: Caller, *, sort: records.SortBy, limit: int, next_token: str | None) -> Page[CaseOut]:
    """ASG-2: the service's open cases with no worker, sorted by surname."""
    require(caller, Right.CASE_READ)
    page = records.held_by(caller.service_id, None, status="open", sort=sort, limit=limit, token=next_token)
    return cases.page_of(page)


def caseload(caller: Caller, user_id: str, *, status: records.Status, sort: records.SortBy, limit: int,
             next_token: str | None) -> Page[CaseOut]:
    """ASG-3: a worker's cases; your own, or anyone's with the assign right."""
    if user_id != caller.user_id:
        require(caller, Right.CASE_ASSIGN)
        worker = directory_store.user(user_id)
        if worker is None or worker.service_id != caller.service_id:
            raise NotFound("No user with that id.")
    else:
        require(caller, Right.CASE_READ)
    page = records.held_by(caller.service_id, user_id, status=status, sort=sort, limit=limit, token=next_token)
    return cases.page_of(page)

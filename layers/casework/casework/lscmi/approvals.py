"""Managerial approvals (APR): override and closure requests, the approvals table and the one decision.

A decision, the case change it makes (level or closure), the request leaving the approvals table, the audit
entry and the worker's worktray task are written in one transaction, conditional on the request still
being pending: two managers deciding at once can't both succeed."""

from __future__ import annotations

from datetime import date

from casework import cases, clock, ids, views
from casework.access import Caller, Right, require, visible
from casework.compliance import deadlines
from casework.errors import Conflict, Forbidden, Invalid, NotFound, WriteConflict
from casework.lscmi import assessments
from casework.lscmi.approval_requests import add_request, approval_out, new_request, state
from casework.observability import count
from casework.schemas.approvals import ApprovalOut, ClosureIn, DecisionIn, DecisionOut
from casework.schemas.common import Page
from casework.schemas.work import TaskKind
from casework.store import assessments as store
from casework.store import audit, work
from casework.store.models import ApprovalItem, CaseItem
from casework.store.tx import Changes

_TASKS = {
    ("override", "approved"): (TaskKind.OVERRIDE_APPROVED, "Override to {level} approved"),
    ("override", "not-approved"): (TaskKind.OVERRIDE_NOT_APPROVED,
                                   "Override not approved: withdraw it in section 6"),
    ("closure", "approved"): (TaskKind.CLOSURE_APPROVED, "Closure approved"),
    ("closure", "not-approved"): (TaskKind.CLOSURE_NOT_APPROVED, "Closure not approved: the case stays open"),
}


# ---------------------------------------------------------------- requests


def request_closure(caller: Caller, case_id: str, body: ClosureIn) -> ApprovalOut:
    """APR-1/3: close with no management plan (full 1-8 done, no plan needed) or a full case with its plan."""
    case = assessments.case_for_change(caller, case_id)
    if case.pending_closure:
        raise Conflict("A closure request for this case already awaits a decision.", current=cases.state(case),
                       approvalId=case.pending_closure)
    found, plans, _ = store.case_records(case)
    if any(a.status != "locked" for a in found):
        raise Conflict("An assessment of the case is in progress: lock (or delete) it before closing.",
                       current=cases.state(case))
    if body.kind == "no-plan":
        if not any(a.assessment_kind == "full" for a in found):
            raise Invalid("kind", "closing with no management plan needs a completed full LS/CMI 1-8")
        if plans:
            raise Invalid("kind", "the case has a management plan: request a closure with-plan")
    elif not plans:
        raise Invalid("kind", "the case has no management plan: request a closure no-plan")
    proposed = destruction_date(clock.today(), caller.retention_years)
    approval = new_request(caller, case, f"closure-{body.kind}", body.rationale,
                           proposed_destruction_date=proposed.isoformat())
    case.pending_closure = approval.approval_id
    changes = Changes()
    cases.hold(changes, case, changed=True)  # while it waits: no unlock, new assessment, deletion or other closure
    add_request(changes, caller, case, approval)
    try:
        changes.commit()
    except WriteConflict:
        raise Conflict("Someone else changed the case first.", current=cases.state_now(caller, case_id)) from None
    count("ClosureRequested")
    return approval_out(approval)


def destruction_date(start: date, years: int) -> date:
    """The record destruction date: `years` after `start` (29 February becomes 28 February)."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, day=28)


# ---------------------------------------------------------------- the approvals table


def approvals_table(caller: Caller, limit: int, next_token: str | None) -> Page[ApprovalOut]:
    """APR-4: what waits for a decision in the service, oldest request first."""
    require(caller, Right.APPROVE)
    page = store.pending_approvals(caller.service_id, limit, next_token)
    return Page[ApprovalOut](items=[approval_out(a) for a in page.items], next=page.next)


def load(caller: Caller, approval_id: str) -> ApprovalItem:
    require(caller, Right.CASE_READ)
    found = store.find_approval(approval_id) if ids.is_ulid(approval_id) else None
    if found is None:
        raise NotFound("No approval with that id.")
    visible(caller, found.service_id, "approval")
    return found


def approval(caller: Caller, approval_id: str) -> ApprovalOut:
    return approval_out(load(caller, approval_id))


# ---------------------------------------------------------------- the decision


def decide(caller: Caller, approval_id: str, body: DecisionIn) -> DecisionOut:
    """APR-2/3/5/6: approve or not approve, once; never your own request."""
    require(caller, Right.APPROVE)
    request = load(caller, approval_id)
    if request.status != "pending":
        raise _already_decided(request)
    if request.requested_by == caller.user_id:
        raise Forbidden("You can't decide your own request (APR-5).")
    closure = request.approval_type.startswith("closure")
    if body.destruction_date is not None and not closure:
        raise Invalid("destructionDate", "only a closure has a record destruction date")
    if body.destruction_date is not None and body.destruction_date <= clock.today():
        raise Invalid("destructionDate", "must be after today")
    case = store.case_of(request)
    if case is None:
        raise NotFound("The request's case no longer exists.")

    if case.status != "open":
        request = load(caller, approval_id)  # read again: the decision that closed the case may be this request's
        if request.status != "pending":
            raise _already_decided(request)
        raise Conflict("The case is closed: its requests can no longer be decided.", current=state(request))

    now, approve = clock.stamp(), body.decision == "approve"
    worker = case.assigned_to or request.requested_by
    before = views.case_out(case).model_dump(mode="json", by_alias=True,
                                             include={"status", "assigned_to", "risk_need_level",
                                                      "destruction_date"})
    changes = Changes()
    if closure:
        _decide_closure(changes, case, approve, body.destruction_date, caller, now)
    else:
        _decide_override(changes, case, request, approve)
    request.status = "approved" if approve else "not-approved"
    request.decided_by, request.decided_at, request.comment = caller.user_id, now, body.comment
    request.destruction_date = case.destruction_date if closure and approve else None
    store.decide_if_pending(changes, request)
    cases.hold(changes, case, changed=True)
    kind, subject = _TASKS[("closure" if closure else "override", request.status)]
    changes.create(work.new_task(
        task_id=ids.ulid(), user_id=worker, service_id=case.service_id, kind=kind,
        subject=f"Case {int(case.case_number)} ({case.surname}): " + subject.format(level=request.requested_level),
        case_id=case.case_id, due_date=None, created_at=now,
    ))
    changes.create(audit.entry(
        audit.case_entity(case.case_id), service_id=case.service_id, action=f"approval.{request.status}",
        actor_id=caller.user_id, before=before,
        after={"approvalId": request.approval_id, "type": request.approval_type, "status": case.status,
               "assignedTo": case.assigned_to, "riskNeedLevel": case.risk_need_level,
               "destructionDate": case.destruction_date},
        reason=body.comment,
    ))
    try:
        changes.commit()
    except WriteConflict:
        try:
            now_request = load(caller, approval_id)
        except NotFound:
            raise Conflict("The request and its case were deleted meanwhile.", current=None) from None
        if now_request.status != "pending":
            raise _already_decided(now_request) from None
        raise Conflict("The case changed while deciding; read the request again.",
                       current=state(now_request)) from None
    count("ApprovalDecided")
    return DecisionOut(approval=approval_out(request), case=views.case_out(case))


def _decide_closure(changes: Changes, case: CaseItem, approve: bool, chosen: date | None, caller: Caller,
                    now: str) -> None:
    case.pending_closure = None
    if not approve:
        return
    case.status, case.closed_at = "closed", now
    case.destruction_date = (chosen or destruction_date(clock.today(), caller.retention_years)).isoformat()
    if case.assigned_to and case.assignment_task_id:  # a closed case no longer waits in the worktray
        work.complete_in(changes, case.assigned_to, case.assignment_task_id, now)
    case.assigned_to, case.assignment_task_id = None, None  # nobody's caseload holds a closed case (ASG-3)
    deadlines.case_closed(changes, case, by=caller.user_id, at=now)  # CMP-1: its timescales stop with it


def _decide_override(changes: Changes, case: CaseItem, request: ApprovalItem, approve: bool) -> None:
    found, _, _ = store.case_records(case)
    item = next((a for a in found if a.assessment_id == request.assessment_id), None)
    if item is None or not item.override or item.override.get("approvalId") != request.approval_id:
        raise Conflict("The override was withdrawn or its assessment deleted.", current=state(request))
    item.override = {**item.override, "status": "approved" if approve else "not-approved"}
    changes.save(item)
    assessments.apply_level(case, assessments.with_replaced(found, item))


def _already_decided(request: ApprovalItem) -> Conflict:
    return Conflict(f"The request was already decided ({request.status}).", current=state(request))

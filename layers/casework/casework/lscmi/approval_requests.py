"""Requests for a manager's decision (APR-1, APR-2, APR-4): made by the requester's transaction (an override from its
assessment, a closure from its case), and shown as the approvals table and a 409 show them. Used by assessments and
approvals alike, and uses neither."""

from __future__ import annotations

from casework import clock, ids
from casework.access import Caller
from casework.schemas.approvals import ApprovalOut
from casework.schemas.directory import UserRef
from casework.store import assessments as store
from casework.store import audit
from casework.store import directory as directory_store
from casework.store.models import ApprovalItem, CaseItem
from casework.store.tx import Changes


def new_request(caller: Caller, case: CaseItem, approval_type: str, rationale: str, **details: str | None
                ) -> ApprovalItem:
    """A request for a decision; the worker named is the case's assigned worker (or the requester)."""
    worker_id = case.assigned_to or caller.user_id
    worker = directory_store.user(worker_id) if worker_id != caller.user_id else None
    worker_name = f"{worker.forename} {worker.surname}" if worker is not None else caller.name
    return store.new_approval(case, approval_id=ids.ulid(), approval_type=approval_type, rationale=rationale,
                              worker_id=worker_id, worker_name=worker_name, requested_by=caller.user_id,
                              requested_at=clock.stamp(), **details)


def add_request(changes: Changes, caller: Caller, case: CaseItem, approval: ApprovalItem) -> None:
    """The request, its reference and the audit entry join the requester's transaction."""
    changes.create(approval)
    changes.create(store.approval_ref(approval))
    changes.create(audit.entry(
        audit.case_entity(case.case_id), service_id=case.service_id, action="approval.requested",
        actor_id=caller.user_id,
        after={"approvalId": approval.approval_id, "type": approval.approval_type,
               "originalLevel": approval.original_level, "requestedLevel": approval.requested_level,
               "proposedDestructionDate": approval.proposed_destruction_date},
        reason=approval.rationale,
    ))


def state(item: ApprovalItem) -> dict[str, object]:
    """A request as a 409 answer carries it."""
    return approval_out(item).model_dump(mode="json", by_alias=True)


def approval_out(item: ApprovalItem) -> ApprovalOut:
    return ApprovalOut(
        approval_id=item.approval_id, type=item.approval_type, status=item.status, case_id=item.case_id,
        case_number=int(item.case_number), urn=item.urn, forename=item.forename, surname=item.surname,
        worker=UserRef(user_id=item.worker_id, name=item.worker_name), requested_by=item.requested_by,
        requested_at=item.requested_at, assessment_id=item.assessment_id, original_level=item.original_level,
        requested_level=item.requested_level, override_kind=item.override_kind, rationale=item.rationale,
        proposed_destruction_date=item.proposed_destruction_date, decided_by=item.decided_by,
        decided_at=item.decided_at, comment=item.comment, destruction_date=item.destruction_date,
        version=int(item.version or 0),
    )

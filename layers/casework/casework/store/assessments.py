"""Records access patterns for a case's LS/CMI assessments, plans and approval requests.

All of them live in the person's partition under the case (`CASE#<n>#ASMT#<id>`, `#PLAN#`, `#APR#`); an
approval is found by id through a reference item (`APPROVAL#<id>` / `REF`) derivable from the approval."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from casework.store import records
from casework.store.models import (
    ApprovalItem,
    ApprovalRefItem,
    AssessmentItem,
    CaseItem,
    PlanItem,
    RecordItem,
)
from casework.store.paging import Page, query_page
from casework.store.tx import Changes


def _case_sk(case_number: int) -> str:
    return f"CASE#{int(case_number):010d}"


def _approval_ref_pk(approval_id: str) -> str:
    return f"APPROVAL#{approval_id}"


# ---------------------------------------------------------------- assessments and plans


def new_assessment(case: CaseItem, *, assessment_id: str, kind: str, reassessment_of: str | None,
                   sections: dict[str, object], override: dict[str, object] | None, created_by: str,
                   created_at: str) -> AssessmentItem:
    return AssessmentItem(
        case.pk, f"{_case_sk(case.case_number)}#ASMT#{assessment_id}", service_id=case.service_id,
        assessment_id=assessment_id, case_id=case.case_id, case_number=case.case_number, assessment_kind=kind,
        reassessment_of=reassessment_of, status="in-progress", sections=sections, override=override,
        created_by=created_by, created_at=created_at,
    )


def new_plan(case: CaseItem, *, plan_id: str, assessment_id: str, plan_type: str, created_by: str,
             created_at: str) -> PlanItem:
    return PlanItem(
        case.pk, f"{_case_sk(case.case_number)}#PLAN#{plan_id}", service_id=case.service_id, plan_id=plan_id,
        case_id=case.case_id, case_number=case.case_number, assessment_id=assessment_id, plan_type=plan_type,
        sections={}, created_by=created_by, created_at=created_at,
    )


def case_records(case: CaseItem) -> tuple[list[AssessmentItem], list[PlanItem], list[ApprovalItem]]:
    """Every assessment, plan and approval of a case, oldest first: one Query of its key range."""
    assessments: list[AssessmentItem] = []
    plans: list[PlanItem] = []
    approvals: list[ApprovalItem] = []
    for item in RecordItem.query(case.pk, RecordItem.sk.startswith(f"{_case_sk(case.case_number)}#"),
                                 consistent_read=True):
        if isinstance(item, AssessmentItem):
            assessments.append(item)
        elif isinstance(item, PlanItem):
            plans.append(item)
        elif isinstance(item, ApprovalItem):
            approvals.append(item)
    return assessments, plans, approvals


def assessment(case: CaseItem, assessment_id: str) -> AssessmentItem | None:
    try:
        return AssessmentItem.get(case.pk, f"{_case_sk(case.case_number)}#ASMT#{assessment_id}",
                                  consistent_read=True)
    except DoesNotExist:
        return None


def plan(case: CaseItem, plan_id: str) -> PlanItem | None:
    try:
        return PlanItem.get(case.pk, f"{_case_sk(case.case_number)}#PLAN#{plan_id}", consistent_read=True)
    except DoesNotExist:
        return None


# ---------------------------------------------------------------- approvals


def new_approval(case: CaseItem, *, approval_id: str, approval_type: str, rationale: str, worker_id: str,
                 worker_name: str, requested_by: str, requested_at: str, assessment_id: str | None = None,
                 original_level: str | None = None, requested_level: str | None = None,
                 override_kind: str | None = None, proposed_destruction_date: str | None = None) -> ApprovalItem:
    approval = ApprovalItem(
        case.pk, f"{_case_sk(case.case_number)}#APR#{approval_id}", service_id=case.service_id,
        approval_id=approval_id, approval_type=approval_type, case_id=case.case_id,
        case_number=case.case_number, urn=case.urn, forename=case.forename, surname=case.surname,
        assessment_id=assessment_id, original_level=original_level, requested_level=requested_level,
        override_kind=override_kind, rationale=rationale, proposed_destruction_date=proposed_destruction_date,
        worker_id=worker_id, worker_name=worker_name, requested_by=requested_by, requested_at=requested_at,
        status="pending",
    )
    return refresh_pending_keys(approval)


def refresh_pending_keys(approval: ApprovalItem) -> ApprovalItem:
    """Only a pending request is on the `PendingApprovals` index: call before every save of an approval."""
    if approval.status == "pending":
        approval.pending_in = approval.service_id
        approval.pending_sort = f"{approval.requested_at}#{approval.approval_id}"
    else:
        approval.pending_in = None
        approval.pending_sort = None
    return approval


def decide_if_pending(changes: Changes, approval: ApprovalItem) -> None:
    """Save a decided request (off the approvals table), only if it is still pending: of two decisions at once,
    one commits (APR-5)."""
    changes.save(refresh_pending_keys(approval), ApprovalItem.status == "pending")


def approval_ref(approval: ApprovalItem) -> ApprovalRefItem:
    return ApprovalRefItem(_approval_ref_pk(approval.approval_id), "REF", service_id=approval.service_id,
                           urn=approval.urn, case_number=approval.case_number, partition=records.located_at(approval))


def find_approval(approval_id: str) -> ApprovalItem | None:
    """An approval by id: its reference, then the request and its person together, all strongly consistent (a
    request of a generation an import has replaced is not found)."""
    try:
        ref = ApprovalRefItem.get(_approval_ref_pk(approval_id), "REF", consistent_read=True)
    except DoesNotExist:
        return None
    found = records.current(ref.service_id, ref.urn, ref.partition,
                            f"{_case_sk(int(ref.case_number))}#APR#{approval_id}")
    return found if isinstance(found, ApprovalItem) else None


def case_of(approval: ApprovalItem) -> CaseItem | None:
    """The case a request is about: in the same partition, so no reference item is read."""
    try:
        return CaseItem.get(approval.pk, _case_sk(approval.case_number), consistent_read=True)
    except DoesNotExist:
        return None


def pending_approvals(service_id: str, limit: int, token: str | None) -> Page[ApprovalItem]:
    """APR-4: the service's requests awaiting a decision, oldest first: one Query of the sparse index."""
    return query_page(ApprovalItem.pending, service_id, "pendingIn", limit, token)

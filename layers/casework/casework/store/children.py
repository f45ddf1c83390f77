"""Children's social care access patterns (CSC): C&F assessments and visits beside their case in its partition
(`CASE#<n>#CF#<id>`, `CASE#<n>#VISIT#<id>`), and the case's deadlines that watch them."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist

from casework.store import deadlines
from casework.store.models import CaseItem, CfAssessmentItem, DeadlineItem, VisitItem
from casework.store.records import case_sk
from casework.store.tx import Changes


def _cf_sk(case_number: int, assessment_id: str) -> str:
    return f"{case_sk(case_number)}#CF#{assessment_id}"


def _visit_sk(case_number: int, visit_id: str) -> str:
    return f"{case_sk(case_number)}#VISIT#{visit_id}"


# ---------------------------------------------------------------- C&F assessments (CSC-1)


def new_assessment(case: CaseItem, assessment_id: str, **fields: Any) -> CfAssessmentItem:
    return CfAssessmentItem(case.pk, _cf_sk(int(case.case_number), assessment_id), service_id=case.service_id,
                            assessment_id=assessment_id, case_id=case.case_id, case_number=int(case.case_number),
                            urn=case.urn, **fields)


def assessment(case: CaseItem, assessment_id: str) -> CfAssessmentItem | None:
    try:
        return CfAssessmentItem.get(case.pk, _cf_sk(int(case.case_number), assessment_id), consistent_read=True)
    except DoesNotExist:
        return None


def assessments_of(case: CaseItem) -> list[CfAssessmentItem]:
    prefix = f"{case_sk(int(case.case_number))}#CF#"
    return list(CfAssessmentItem.query(case.pk, CfAssessmentItem.sk.startswith(prefix), consistent_read=True))


# ---------------------------------------------------------------- visits (CSC-2, CSC-3)


def new_visit(case: CaseItem, visit_id: str, **fields: Any) -> VisitItem:
    return VisitItem(case.pk, _visit_sk(int(case.case_number), visit_id), service_id=case.service_id,
                     visit_id=visit_id, case_id=case.case_id, case_number=int(case.case_number), urn=case.urn,
                     **fields)


def visit(case: CaseItem, visit_id: str) -> VisitItem | None:
    try:
        return VisitItem.get(case.pk, _visit_sk(int(case.case_number), visit_id), consistent_read=True)
    except DoesNotExist:
        return None


def visit_watched_by(deadline: DeadlineItem) -> VisitItem | None:
    """The visit a deadline of its own watches (its note to finalise), beside it in the case's partition."""
    if deadline.case_number is None or deadline.record_id is None:
        return None
    try:
        return VisitItem.get(deadline.pk, _visit_sk(int(deadline.case_number), deadline.record_id),
                             consistent_read=True)
    except DoesNotExist:
        return None


def visits_of(case: CaseItem) -> list[VisitItem]:
    prefix = f"{case_sk(int(case.case_number))}#VISIT#"
    return list(VisitItem.query(case.pk, VisitItem.sk.startswith(prefix), consistent_read=True))


def finalise_draft(changes: Changes, found: VisitItem, *, by: str, at: str) -> None:
    """The note becomes final, at the version read and only while still a draft (a finalisation by hand and the
    sweep's cannot both happen)."""
    found.status, found.finalised_by, found.finalised_at = "final", by, at
    changes.update(found, [VisitItem.status.set("final"), VisitItem.finalised_by.set(by),
                           VisitItem.finalised_at.set(at)], VisitItem.status == "draft")


# ---------------------------------------------------------------- the case's deadlines


def deadline(case: CaseItem, deadline_id: str) -> DeadlineItem | None:
    return deadlines.get(case.pk, deadlines.case_deadline_sk(int(case.case_number), deadline_id))

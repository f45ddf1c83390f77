"""Managerial approvals (APR): closure requests, the approvals table and decisions."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from casework.schemas.cases import CaseOut
from casework.schemas.common import Day, In, Out
from casework.schemas.directory import UserRef

Comment = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000)]


class ClosureIn(In):
    """APR-1/3: `no-plan` (full 1-8 done, no plan needed) or `with-plan` (no longer the service's case)."""

    kind: Literal["no-plan", "with-plan"]
    rationale: Comment


class DecisionIn(In):
    decision: Literal["approve", "not-approve"]
    destruction_date: Day | None = Field(
        default=None, description="Closures only: replaces the default (decision date + the service's retention).")
    comment: Comment | None = None


class ApprovalOut(Out):
    approval_id: str
    type: str = Field(description="override | closure-no-plan | closure-with-plan")
    status: str = Field(description="pending | approved | not-approved | withdrawn")
    case_id: str
    case_number: int
    urn: str
    forename: str
    surname: str
    worker: UserRef = Field(description="The worker responsible for the case when the request was made.")
    requested_by: str
    requested_at: str
    assessment_id: str | None
    original_level: str | None
    requested_level: str | None
    override_kind: str | None = Field(description="clinical (section 6.2) or administrative (6.3)")
    rationale: str
    proposed_destruction_date: str | None
    decided_by: str | None
    decided_at: str | None
    comment: str | None
    destruction_date: str | None
    version: int


class DecisionOut(Out):
    approval: ApprovalOut
    case: CaseOut

"""Children's social care records (CSC-1..3): C&F assessments, visits and their notes, failed-visit decisions."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from casework.schemas.common import Day, In, Out

Priority = Literal[10, 30, 45]
VisitType = Literal["statutory", "failed", "other"]
Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000)]
Remark = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]


class CfIn(In):
    """CSC-1: the referral is authorised, so the C&F assessment starts."""

    authorised_on: Day | None = Field(default=None, description="When the referral was authorised: the start. "
                                                                 "Today when not given; never in the future.")
    priority: Priority = Field(default=10, description="Working days to complete it: 10, 30 or 45.")


class PriorityIn(In):
    priority: Priority = Field(description="CSC-1: 10, 30 or 45 working days from the start; resets the due date.")


class CompletionIn(In):
    completed_on: Day = Field(description="The date the assessment was completed: not in the future, not before "
                                           "its start.")


class CfOut(Out):
    assessment_id: str
    case_id: str
    urn: str
    started_on: str = Field(description="When the referral was authorised.")
    authorised_by: str
    priority: int = Field(description="Working days from the start: 10, 30 or 45.")
    due_date: str
    priority_set_by: str | None
    status: Literal["in-progress", "completed"]
    completed_on: str | None
    completed_by: str | None
    created_at: str
    version: int


class VisitIn(In):
    visit_type: VisitType = Field(description="statutory (CSC-2: looked-after, child-protection and child-in-need "
                                              "cases), failed (CSC-3) or other.")
    visit_date: Day = Field(description="Not in the future.")
    note: Note


class CommentIn(In):
    comment: Remark = Field(description="A manager's comment on a draft statutory visit note (CSC-2).")


class CommentOut(Out):
    by: str
    name: str
    at: str
    text: str


class VisitOut(Out):
    visit_id: str
    case_id: str
    urn: str
    visit_type: str
    visit_date: str
    note: str
    status: Literal["draft", "final"]
    comments: list[CommentOut]
    comments_open: bool = Field(description="A draft statutory note: the manager may still comment (CSC-2).")
    finalised_automatically_after: str | None = Field(
        description="A draft note is finalised automatically once this day has ended (5 working days after the "
                    "visit), and its comments are closed.")
    recorded_by: str
    recorded_at: str
    finalised_by: str | None = Field(description='"sweep" when finalised automatically.')
    finalised_at: str | None
    version: int


class FailedVisitDecisionIn(In):
    decision: Remark = Field(description="The case-management decision on escalated failed visits (CSC-3).")


class FailedVisitDecisionOut(Out):
    by: str
    name: str
    at: str
    decision: str


class FailedVisitsOut(Out):
    """CSC-3: a case's ladder of failed visits, from the first failure until a successful visit ends it."""

    deadline_id: str
    case_id: str
    status: str
    failures: list[str] = Field(description="The dates of the failed visits, oldest first.")
    visit_again_by: str = Field(description="The date by which the worker must try again.")
    decisions: list[FailedVisitDecisionOut]

"""Deadlines and their stages (CMP-1, CMP-5)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from casework.schemas.common import Out


class DeadlineState(StrEnum):
    UPCOMING = "upcoming"  # open, not yet in its approaching window
    APPROACHING = "approaching"  # open, within its approaching window
    PASSED = "passed"  # open, its day has ended
    WAITING = "waiting"  # held back until an earlier alert is completed
    MET = "met"
    CANCELLED = "cancelled"


class StageOut(Out):
    name: str
    at: str = Field(description="When the stage is (or was) raised, UTC.")
    kind: str
    raised_at: str | None
    to: list[str] = Field(description="Who it is raised to: the worker (owner), a level of their supervisor chain "
                                      "(chain:1, chain:2 ...) or a named user (user:<id>).")
    sent_to: list[str] = Field(default_factory=list, description="The users it was raised to.")


class DeadlineOut(Out):
    deadline_id: str
    rule: str = Field(description="The DOMAIN.md rule id, e.g. CSC-1.")
    kind: str
    subject: str
    case_id: str | None
    urn: str
    link: str | None
    owner_id: str | None = Field(description="The worker the deadline is for.")
    owner_name: str | None = None
    start_date: str
    due_date: str
    state: DeadlineState
    next_stage: StageOut | None
    stages: list[StageOut]
    met_at: str | None
    met_how: str | None

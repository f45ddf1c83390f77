"""Worktray tasks and the audit trail."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field

from casework.schemas.common import Out


class TaskKind(StrEnum):
    CASE_ASSIGNED = "case-assigned"
    MAPPA_NOTIFICATION = "mappa-notification"
    # APR-6: a manager's decision on a request, to the case's worker.
    OVERRIDE_APPROVED = "override-approved"
    OVERRIDE_NOT_APPROVED = "override-not-approved"
    CLOSURE_APPROVED = "closure-approved"
    CLOSURE_NOT_APPROVED = "closure-not-approved"


class TaskOut(Out):
    task_id: str
    kind: str
    subject: str
    case_id: str | None
    due_date: str | None
    overdue: bool
    created_at: str
    completed_at: str | None
    link: str | None = Field(default=None, description="API path of the record the task is about.")


class AuditEntryOut(Out):
    at: str
    action: str
    actor_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None

"""Worktray tasks and the audit trail."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field

from casework.schemas.common import Out


class TaskKind(StrEnum):
    CASE_ASSIGNED = "case-assigned"
    MAPPA_NOTIFICATION = "mappa-notification"


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

"""The worktray (NTF-1): each user's tasks and alerts."""

from __future__ import annotations

from typing import Literal

from casework import clock, views
from casework.access import Caller
from casework.errors import NotFound
from casework.schemas.common import Page
from casework.schemas.work import TaskOut
from casework.store import work


def worktray(caller: Caller, *, status: Literal["open", "all"], limit: int, next_token: str | None) -> Page[TaskOut]:
    """Open tasks soonest due first; with `all`, completed ones too, newest first."""
    if status == "open":
        page = work.open_tasks(caller.user_id, limit, next_token)
    else:
        page = work.all_tasks(caller.user_id, limit, next_token)
    return Page[TaskOut](items=[views.task_out(t) for t in page.items], next=page.next)


def complete(caller: Caller, task_id: str) -> TaskOut:
    """NTF-1 "alert completed": only your own task (anyone else's is not found); a second time changes nothing."""
    task = work.complete(caller.user_id, task_id, clock.stamp())
    if task is None:
        raise NotFound("No task with that id in your worktray.")
    return views.task_out(task)

"""The worktray (NTF-1): each user's tasks and alerts."""

from __future__ import annotations

from typing import Literal

from casework import clock, views
from casework.access import Caller
from casework.errors import Conflict, NotFound, WriteConflict
from casework.schemas.common import Page
from casework.schemas.work import TaskOut
from casework.store import deadlines, work
from casework.store.tx import Changes


def worktray(caller: Caller, *, status: Literal["open", "all"], limit: int, next_token: str | None) -> Page[TaskOut]:
    """Open tasks soonest due first; with `all`, completed ones too, newest first."""
    if status == "open":
        page = work.open_tasks(caller.user_id, limit, next_token)
    else:
        page = work.all_tasks(caller.user_id, limit, next_token)
    return Page[TaskOut](items=[views.task_out(t) for t in page.items], next=page.next)


def complete(caller: Caller, task_id: str) -> TaskOut:
    """NTF-1 "alert completed": only your own task (anyone else's is not found); a second time changes nothing.
    An alert that holds back the next one of its kind (CSC-2) releases it in the same transaction; one marked so
    between the read and the write is seen by the write's condition, and completed the same way."""
    for _ in range(3):
        held = work.task(caller.user_id, task_id)
        if held is None:
            break
        if held.releases and held.completed_at is None:
            changes = Changes()
            work.complete_in(changes, caller.user_id, task_id, clock.stamp())
            deadlines.release_in(changes, held)
            try:
                changes.commit()
            except WriteConflict:
                continue
        task = work.complete(caller.user_id, task_id, clock.stamp())
        if task is not None:
            return views.task_out(task)
    if held is None:
        raise NotFound("No task with that id in your worktray.")
    raise Conflict("The alert changed while it was being completed; try again.")

"""Work access patterns: each user's worktray of tasks and alerts."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.expressions.update import Action

from casework.store.models import TaskItem
from casework.store.paging import Page, query_page
from casework.store.tx import Changes

_NO_DUE_DATE = "9999-12-31"


def _user_pk(user_id: str) -> str:
    return f"USER#{user_id}"


def new_task(*, task_id: str, user_id: str, service_id: str, kind: str, subject: str, case_id: str | None,
             due_date: str | None, created_at: str, link: str | None = None, rule: str | None = None,
             stage: str | None = None) -> TaskItem:
    return TaskItem(
        _user_pk(user_id), f"TASK#{task_id}", task_id=task_id, user_id=user_id, service_id=service_id,
        task_kind=kind, subject=subject, case_id=case_id, due_date=due_date, created_at=created_at,
        open_for=user_id, open_sort=f"{due_date or _NO_DUE_DATE}#{task_id}", link=link, rule=rule, stage=stage,
    )


def task_key(user_id: str, task_id: str) -> TaskItem:
    """A task addressed by key only, for an update inside a transaction."""
    return TaskItem(_user_pk(user_id), f"TASK#{task_id}")


def completion_if_open(completed_at: str) -> list[Action]:
    """Completing a task takes it off the open-tasks index; an earlier completion time is kept."""
    return [
        TaskItem.completed_at.set(TaskItem.completed_at | completed_at),
        TaskItem.open_for.remove(),
        TaskItem.open_sort.remove(),
    ]


def complete_in(changes: Changes, user_id: str, task_id: str, completed_at: str) -> None:
    """Complete a user's task as part of `changes` (a case leaving their worktray with the change that moves it)."""
    changes.update(task_key(user_id, task_id), completion_if_open(completed_at))


def redate_in(changes: Changes, user_id: str, task_id: str, due_date: str) -> None:
    """Move an open task's due date (a deadline recomputed); it must still be open."""
    changes.update(task_key(user_id, task_id),
                   [TaskItem.due_date.set(due_date), TaskItem.open_sort.set(f"{due_date}#{task_id}")],
                   TaskItem.open_for.exists(), versioned=False)


def hold_back_in(changes: Changes, user_id: str, task_id: str, deadline: dict[str, str]) -> None:
    """Mark an open alert as the one a deadline waits for: completing it releases the deadline (CSC-2)."""
    changes.update(task_key(user_id, task_id), [TaskItem.releases.set(deadline)], TaskItem.open_for.exists(),
                   versioned=False)


def open_tasks(user_id: str, limit: int, token: str | None) -> Page[TaskItem]:
    """Tasks not yet completed, soonest due first."""
    return query_page(TaskItem.open_tasks, user_id, "openFor", limit, token)


def all_tasks(user_id: str, limit: int, token: str | None) -> Page[TaskItem]:
    """Every task, completed too, newest first."""
    return query_page(TaskItem, _user_pk(user_id), "pk", limit, token, forward=False)


# ---------------------------------------------------------------- one task: read, create once, e-mail once, complete


def task(user_id: str, task_id: str) -> TaskItem | None:
    try:
        return TaskItem.get(_user_pk(user_id), f"TASK#{task_id}", consistent_read=True)
    except DoesNotExist:
        return None


def create_once(new: TaskItem) -> bool:
    """Put a task whose id is deterministic; False when it exists already (a redelivered message)."""
    try:
        new.save(condition=TaskItem.pk.does_not_exist())
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def claim_mail(user_id: str, task_id: str, at: str) -> bool:
    """Mark an existing task e-mailed unless it is already: True for the one caller that may send the e-mail."""
    try:
        task_key(user_id, task_id).update([TaskItem.emailed_at.set(at)],
                                          condition=TaskItem.pk.exists() & TaskItem.emailed_at.does_not_exist())
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def release_mail(user_id: str, task_id: str) -> None:
    """The e-mail was not sent after all: the next copy of the delivery may claim it again."""
    task_key(user_id, task_id).update([TaskItem.emailed_at.remove()])


def complete(user_id: str, task_id: str, completed_at: str) -> TaskItem | None:
    """Complete one of the user's own tasks (a second completion keeps the first time); None if not theirs, or if
    it is an open alert that holds a deadline back (that one is completed with the deadline's release)."""
    item = task_key(user_id, task_id)
    try:
        item.update(completion_if_open(completed_at), condition=TaskItem.pk.exists() & (
            TaskItem.releases.does_not_exist() | TaskItem.completed_at.exists()))
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return None
        raise
    return item

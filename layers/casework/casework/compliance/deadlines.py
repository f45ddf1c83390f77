"""Deadlines (CMP-1): what a capability calls to start, restage, meet or hand over a deadline, and the raising of
due stages that both those calls and the sweep use, so an alert is raised in one place only.

A deadline is raised stage by stage: each stage's alerts (one task per recipient, with a task id made from the
deadline, the stage and the recipient) are created in the same transaction that moves the deadline's next stage on,
conditional on the deadline's version. However often that is attempted, each stage raises its alerts once (CMP-2).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from casework import clock
from casework.compliance import rules
from casework.compliance.rules import Stage
from casework.store import deadlines as store
from casework.store import directory as directory_store
from casework.store import work
from casework.store.models import CaseItem, DeadlineItem, UserItem
from casework.store.tx import Changes

# What a stage whose action is not "alert" does, by action name: the capability owning the record registers it
# (children's social care: "finalise" an unfinalised visit note). It adds its writes to the stage's transaction.
Action = Callable[[Changes, DeadlineItem, dict[str, Any]], None]
ACTIONS: dict[str, Action] = {}

MAX_CHAIN = 6  # how far up a supervisor chain an escalation may look


def service_settings(service_id: str) -> rules.Settings:
    service = directory_store.service(service_id)
    return rules.settings_of(service.compliance if service is not None else None)


class People:
    """Who the recipients of a stage are, read from the directory once per user however many stages name them."""

    def __init__(self) -> None:
        self._users: dict[str, UserItem | None] = {}

    def user(self, user_id: str) -> UserItem | None:
        if user_id not in self._users:
            self._users[user_id] = directory_store.user(user_id)
        return self._users[user_id]

    def above(self, user_id: str, levels: int) -> str | None:
        """The `levels`-th supervisor above `user_id`; where the chain is shorter, the highest one there is, so an
        escalation is never lost for want of a level. None when the user has no supervisor at all."""
        found: str | None = None
        current = self.user(user_id)
        for level in range(1, min(levels, MAX_CHAIN) + 1):
            if current is None or not current.supervisor_id or current.supervisor_id in (user_id, found):
                break
            found = current.supervisor_id
            if level < levels:  # the supervisor's own entry only when the chain goes on above them
                current = self.user(found)
        return found

    def recipients(self, item: DeadlineItem, to: Iterable[str]) -> list[str]:
        found: list[str] = []
        for target in to:
            who: str | None = None
            if target == rules.OWNER:
                who = item.owner_id
            elif target.startswith("chain:") and item.owner_id:
                who = self.above(item.owner_id, int(target.removeprefix("chain:")))
            elif target.startswith("user:"):
                who = target.removeprefix("user:")
            if who and who not in found:
                found.append(who)
        return found


def task_id(item: DeadlineItem, stage_index: int, recipient_index: int) -> str:
    """Deterministic: the same deadline, stage and recipient always make the same task."""
    return f"{item.deadline_id}-{stage_index}-{recipient_index}"


def _subject(item: DeadlineItem, stage: dict[str, Any]) -> str:
    text = stage.get("text")
    if stage.get("kind") == "started":  # its due date is the task's own, which a restaged deadline moves
        return str(text or item.subject)
    if text:
        return f"{text}: {item.subject}"
    return {
        "approaching": f"Approaching: {item.subject}, due {item.due_date}",
        "passed": f"Passed: {item.subject}, was due {item.due_date}",
        "escalated": f"Escalated: {item.subject}, was due {item.due_date}",
    }.get(str(stage.get("kind")), item.subject)


def advance(changes: Changes, item: DeadlineItem, now: datetime, people: People) -> int:
    """Add to `changes` every stage of `item` due by `now` (its alerts, or its action), moving the deadline's next
    stage on. Returns how many stages that raises. The caller saves the deadline in the same `changes`."""
    if item.status != "open":
        return 0
    stages: list[dict[str, Any]] = list(item.stages or [])
    raised = 0
    at = clock.iso(now)
    while int(item.next_stage) < len(stages) and item.status == "open":
        index = int(item.next_stage)
        stage = dict(stages[index])
        if rules.parse_at(stage["at"]) > now:
            break
        held = store.held_for_worker(item, stage)
        if held and not any(rules.parse_at(s["at"]) <= now for s in stages[index + 1:]):
            break  # the worker's own alert waits for the earlier one to be completed (CSC-2, NTF-1)
        if stage.get("action", "alert") == "alert":
            sent = []
            to = [t for t in stage.get("to", []) if not (item.waits_for and t == rules.OWNER)]
            for n, recipient in enumerate(people.recipients(item, to)):
                task = task_id(item, index, n)
                changes.create(work.new_task(
                    task_id=task, user_id=recipient, service_id=item.service_id, kind=item.deadline_kind,
                    subject=_subject(item, stage), case_id=item.case_id, due_date=stage.get("due") or item.due_date,
                    created_at=at, link=item.link, rule=item.rule, stage=str(stage.get("kind")),
                ))
                sent.append({"userId": recipient, "taskId": task})
            stage["raised"] = sent
        else:
            ACTIONS[stage["action"]](changes, item, stage)
        stage["raisedAt"] = at
        stages[index] = stage
        item.stages = stages
        item.next_stage = index + 1
        raised += 1
    return raised


def start(changes: Changes, item: DeadlineItem, stages: list[Stage], *, now: datetime, people: People | None = None,
          waits_for: dict[str, str] | None = None) -> DeadlineItem:
    """A new deadline with its stages, those already due raised in the same `changes` (a "started" alert reaches
    the worktray with the record that starts it). `waits_for` (an open alert's user and task) holds back the
    worker's own alerts until that alert is completed (a stage to the worker alone waits; the worker is left out of
    a stage to others too, which is raised on time); the alert is marked so that its completion releases them."""
    item.stages = [s.as_data() for s in stages]
    item.next_stage = 0
    item.created_at = clock.iso(now)
    item.status = "open"
    if waits_for is not None:  # the worker's alerts wait; the managers' (passed, escalations) never do
        item.waits_for = waits_for
        work.hold_back_in(changes, waits_for["userId"], waits_for["taskId"], store.key(item))
    advance(changes, item, now, people or People())
    store.save(changes, item)
    return item


def restage(changes: Changes, item: DeadlineItem, stages: list[Stage], *, now: datetime, due_date: str | None = None,
            people: People | None = None, again: bool = False) -> DeadlineItem:
    """Replace the stages not yet raised (a priority changed, another failure on a ladder): those already raised
    stay as they were, and raised alerts still open show the new due date. A stage already raised is not raised
    again under the same name, unless `again` (a new due date the worker must be told about: its approaching,
    passed and escalations are raised afresh; only its "started" alert is never repeated)."""
    raised = list(item.stages or [])[: int(item.next_stage)]
    done = {s["name"] for s in raised if not again or s.get("kind") == "started"}
    if due_date is not None and due_date != item.due_date:
        item.due_date = due_date
        for stage in raised:
            if "due" in stage or stage.get("kind") not in ("started", "approaching") or (
                    again and stage.get("kind") != "started"):
                continue  # an alert that the date passed stays about the date that passed
            for sent in stage.get("raised", []):
                task = work.task(sent["userId"], sent["taskId"])
                if task is not None and task.completed_at is None:
                    work.redate_in(changes, sent["userId"], sent["taskId"], due_date)
    item.stages = raised + [s.as_data() for s in stages if s.name not in done]
    advance(changes, item, now, people or People())
    store.save(changes, item)
    return item


def meet(changes: Changes, item: DeadlineItem, *, by: str, how: str, at: str) -> None:
    """The event that satisfies the deadline: it raises nothing more (its alerts already raised stay until their
    recipients complete them)."""
    item.status = "met"
    item.met_at, item.met_by, item.met_how = at, by, how
    store.save(changes, item)


def cancel(changes: Changes, item: DeadlineItem, *, by: str, how: str, at: str) -> None:
    """The deadline no longer applies (its record ended another way)."""
    item.status = "cancelled"
    item.met_at, item.met_by, item.met_how = at, by, how
    store.save(changes, item)


def case_closed(changes: Changes, case: CaseItem, *, by: str, at: str) -> int:
    """A closed case's timescales no longer run: its open alerting deadlines are cancelled with the closure."""
    closed = 0
    for item in open_ones(store.of_case(case)):
        if any(stage.get("action", "alert") != "alert" for stage in item.stages or []):
            continue  # a deadline that does the record's own work (finalising a note) still does it
        cancel(changes, item, by=by, how="case closed", at=at)
        closed += 1
    return closed


def open_ones(items: Iterable[DeadlineItem], kind: str | None = None) -> list[DeadlineItem]:
    return [d for d in items if d.status in store.OPEN and (kind is None or d.deadline_kind == kind)]


def hand_over(changes: Changes, case: CaseItem, owner_id: str) -> int:
    """A case's open deadlines follow it to its new worker, in the change that assigns it. An unassigned case's
    go to whoever unassigned it (a team leader), so that no alert is addressed to nobody."""
    moved = 0
    for item in open_ones(store.of_case(case)):
        if item.owner_id != owner_id:
            item.owner_id = owner_id
            if item.waits_for and item.waits_for.get("userId") != owner_id:
                item.waits_for = None  # the alert it waited for stays with the former worker
            store.save(changes, item)
            moved += 1
    return moved


"""CSC-1 Child and family (C&F) assessments: started when the referral is authorised with a priority of 10 working
days; a practice manager may change it to 10, 30 or 45, which resets the due date; five working days after the start
the worker's supervisor is asked "C&F, please set priority".

Two deadlines watch an assessment (CMP-1): `cf-<id>`, the assessment itself, whose "started" task reaches the
worker's worktray with its due date at once (and shows the new date when the priority changes), and `cfp-<id>`, the
supervisor's reminder to set the priority, met when a priority is set.
"""

from __future__ import annotations

from datetime import date

from casework import cases, clock, ids
from casework.access import Caller, Right, require
from casework.children.casefile import (
    case_for_change,
    child,
    children_case,
    commit,
    entry,
    is_open,
    new_deadline,
    open_children_case,
    owner,
)
from casework.compliance import deadlines, rules
from casework.errors import Conflict, Invalid, NotFound
from casework.observability import count
from casework.schemas.children import CfIn, CfOut, CompletionIn, PriorityIn
from casework.store import children as store
from casework.store.models import CaseItem, CfAssessmentItem
from casework.store.tx import Changes

RULE = "CSC-1"
SET_PRIORITY_AFTER = 5  # working days from the start: "C&F, please set priority" to the worker's supervisor
SET_PRIORITY = "C&F, please set priority"


# ---------------------------------------------------------------- the arithmetic


def due_date(started_on: date, priority: int, nation: str) -> date:
    """The start plus the priority in working days (a start on a non-working day counts from the next one)."""
    return rules.working_days_from(started_on, priority, nation)


def assessment_stages(due: date, subject: str | None, settings: rules.Settings, nation: str) -> list[rules.Stage]:
    """The worker's ladder: "started" at once when `subject` is given (the task with its due date), approaching,
    passed (worker and supervisor), then up the chain."""
    steps = rules.Ladder(approaching=settings.approaching.get(RULE), escalate_after=settings.escalate_after,
                         started=subject)
    return rules.ladder(due, nation=nation, steps=steps, now=clock.now())


def priority_stages(started_on: date, nation: str) -> list[rules.Stage]:
    """One alert to the worker's supervisor, at the start of the fifth working day after the start."""
    ask = rules.working_days_from(started_on, SET_PRIORITY_AFTER, nation)
    return [rules.Stage("set-priority", rules.start_of(ask), (rules.chain(1),), kind="set-priority")]


def _ids(item: CfAssessmentItem) -> tuple[str, str]:
    return f"cf-{item.assessment_id}", f"cfp-{item.assessment_id}"


# ---------------------------------------------------------------- the routes


def start(caller: Caller, case_id: str, body: CfIn) -> CfOut:
    """The referral is authorised (right 30, a practice manager): the assessment, its deadline with the worker's
    task, the supervisor's priority reminder and the audit entry, in one transaction. One in progress per case."""
    require(caller, Right.APPROVE)
    case = open_children_case(caller, case_id)
    today = clock.today()
    started_on = body.authorised_on or today
    if started_on > today:
        raise Invalid("authorisedOn", "must not be in the future")
    current = [a for a in store.assessments_of(case) if a.completed_on is None]
    if current:
        raise Conflict("The case has a C&F assessment in progress: complete it first.", current=state(current[0]))
    due = due_date(started_on, body.priority, caller.nation)
    now, at = clock.now(), clock.stamp()
    item = store.new_assessment(case, ids.ulid(), started_on=started_on.isoformat(), authorised_by=caller.user_id,
                                priority=body.priority, due_date=due.isoformat(), created_at=at)
    cf_id, cfp_id = _ids(item)
    subject = f"C&F assessment for {child(case)}"
    link = f"/cases/{case.case_id}/cf-assessments/{item.assessment_id}"
    settings = deadlines.service_settings(case.service_id)
    ask = rules.working_days_from(started_on, SET_PRIORITY_AFTER, caller.nation)  # the priority is due by then
    changes = Changes()
    changes.create(item)
    deadlines.start(changes, new_deadline(case, cf_id, RULE, "cf-assessment", subject=subject, link=link,
                                            owner_id=owner(case, caller), nation=caller.nation,
                                            start_date=started_on.isoformat(), due_date=due.isoformat(),
                                            detail={"priority": body.priority}),
                    assessment_stages(due, subject, settings, caller.nation), now=now)
    if "priority" in body.model_fields_set:  # set by the practice manager who starts it: nothing to ask for
        item.priority_set_by = caller.user_id
    else:
        deadlines.start(changes, new_deadline(case, cfp_id, RULE, "cf-priority",
                                                subject=f"{SET_PRIORITY}: {child(case)}", link=link,
                                                owner_id=owner(case, caller), nation=caller.nation,
                                                start_date=started_on.isoformat(), due_date=ask.isoformat()),
                        priority_stages(started_on, caller.nation), now=now)
    cases.hold(changes, case, changed=True)  # one in progress per case: two starts at once can't both commit
    changes.create(entry(caller.user_id, case, "cf.started", {
        "assessmentId": item.assessment_id, "startedOn": item.started_on, "priority": body.priority,
        "dueDate": item.due_date}))
    commit(changes, "C&F assessment", lambda: _current(caller, case_id))
    count("CfStarted")
    return _out(item)


def assessments(caller: Caller, case_id: str) -> list[CfOut]:
    """A case's C&F assessments, newest first."""
    case = children_case(caller, case_id)
    return [_out(a) for a in sorted(store.assessments_of(case), key=lambda a: a.assessment_id, reverse=True)]


def assessment(caller: Caller, case_id: str, assessment_id: str) -> CfOut:
    return _out(_find(children_case(caller, case_id), assessment_id))


def set_priority(caller: Caller, case_id: str, assessment_id: str, body: PriorityIn) -> CfOut:
    """A practice manager sets the priority: the due date is reset from the start, the worker's open task shows the
    new date, and the supervisor's reminder is met."""
    require(caller, Right.APPROVE)
    case = open_children_case(caller, case_id)
    item = _find(case, assessment_id)
    if item.completed_on is not None:
        raise Conflict("The C&F assessment is completed; its priority can't change.", current=state(item))
    if int(item.priority) == body.priority and item.priority_set_by is not None:
        return _out(item)
    cf_id, cfp_id = _ids(item)
    due = due_date(date.fromisoformat(item.started_on), body.priority, caller.nation)
    before = {"priority": int(item.priority), "dueDate": item.due_date}
    item.priority, item.due_date, item.priority_set_by = body.priority, due.isoformat(), caller.user_id
    now, at = clock.now(), clock.stamp()
    changes = Changes()
    changes.save(item)
    watched = store.deadline(case, cf_id)
    if watched is not None and is_open(watched):
        watched.detail = {**(watched.detail or {}), "priority": body.priority}
        deadlines.restage(changes, watched, assessment_stages(
            due, None, deadlines.service_settings(case.service_id), watched.nation), now=now, due_date=due.isoformat(),
            again=due.isoformat() != watched.due_date)  # CSC-1: a new due date's stages are the worker's to hear
    reminder = store.deadline(case, cfp_id)
    if reminder is not None and is_open(reminder):
        deadlines.meet(changes, reminder, by=caller.user_id, how=f"priority set to {body.priority}", at=at)
    cases.hold(changes, case, changed=False)
    changes.create(entry(caller.user_id, case, "cf.priority-set", {
        "assessmentId": item.assessment_id, "before": before,
        "priority": body.priority, "dueDate": item.due_date}))
    commit(changes, "C&F assessment", lambda: _current_one(caller, case_id, assessment_id))
    count("CfPrioritySet")
    return _out(item)


def complete(caller: Caller, case_id: str, assessment_id: str, body: CompletionIn) -> CfOut:
    """The worker (or a manager) records the date the assessment was completed: its deadline is met and the
    priority reminder, if still open, no longer applies."""
    case = case_for_change(caller, case_id)
    item = _find(case, assessment_id)
    if item.completed_on is not None:
        raise Conflict("The C&F assessment is already completed.", current=state(item))
    if body.completed_on > clock.today():
        raise Invalid("completedOn", "must not be in the future")
    if body.completed_on.isoformat() < item.started_on:
        raise Invalid("completedOn", f"must not be before the assessment started ({item.started_on})")
    at = clock.stamp()
    item.completed_on, item.completed_by = body.completed_on.isoformat(), caller.user_id
    cf_id, cfp_id = _ids(item)
    changes = Changes()
    changes.save(item)
    watched = store.deadline(case, cf_id)
    if watched is not None and is_open(watched):
        deadlines.meet(changes, watched, by=caller.user_id, how=f"completed on {item.completed_on}", at=at)
    reminder = store.deadline(case, cfp_id)
    if reminder is not None and is_open(reminder):
        deadlines.cancel(changes, reminder, by=caller.user_id, how="assessment completed before a priority was set",
                         at=at)
    cases.hold(changes, case, changed=False)
    changes.create(entry(caller.user_id, case, "cf.completed", {
        "assessmentId": item.assessment_id, "completedOn": item.completed_on, "dueDate": item.due_date}))
    commit(changes, "C&F assessment", lambda: _current_one(caller, case_id, assessment_id))
    count("CfCompleted")
    return _out(item)


# ---------------------------------------------------------------- helpers


def _find(case: CaseItem, assessment_id: str) -> CfAssessmentItem:
    found = store.assessment(case, assessment_id) if ids.is_ulid(assessment_id) else None
    if found is None:
        raise NotFound("No C&F assessment with that id in this case.")
    return found


def _current(caller: Caller, case_id: str) -> object:
    return [a.model_dump(mode="json", by_alias=True) for a in assessments(caller, case_id)]


def _current_one(caller: Caller, case_id: str, assessment_id: str) -> object:
    return assessment(caller, case_id, assessment_id).model_dump(mode="json", by_alias=True)


def state(item: CfAssessmentItem) -> dict[str, object]:
    """An assessment as a 409 answer carries it."""
    return _out(item).model_dump(mode="json", by_alias=True)


def _out(item: CfAssessmentItem) -> CfOut:
    return CfOut(
        assessment_id=item.assessment_id, case_id=item.case_id, urn=item.urn, started_on=item.started_on,
        authorised_by=item.authorised_by, priority=int(item.priority), due_date=item.due_date,
        priority_set_by=item.priority_set_by, status="completed" if item.completed_on else "in-progress",
        completed_on=item.completed_on, completed_by=item.completed_by, created_at=item.created_at,
        version=int(item.version or 0),
    )

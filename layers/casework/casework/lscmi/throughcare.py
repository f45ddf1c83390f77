"""Justice throughcare (THR-1, THR-2): the events of an LS/CMI case that start a timescale, and their deadlines.

THR-1: a custody sentence with statutory post-release supervision starts a deadline for the LS/CMI assessment, five
months from sentence; locking a full assessment meets it. THR-2: a significant event, a progression (less secure
conditions, open estate, release) or the conference before the pre-release conference raises a reassessment alert at
once and starts a deadline of the service's reassessment working days; locking a reassessment meets it. An event,
its deadline (with any alert already due) and its audit entry are written in one transaction.

`lscmi.assessments` calls `assessment_locked` from its lock, so this module never imports it (no circle)."""

from __future__ import annotations

from datetime import date, datetime

from casework import cases, clock, ids
from casework.access import Caller
from casework.compliance import deadlines, rules
from casework.compliance.overview import deadline_out
from casework.errors import Conflict, Invalid, WriteConflict
from casework.observability import count
from casework.schemas.cases import JUSTICE_CASE_TYPES
from casework.schemas.throughcare import CaseEventIn, CaseEventListOut, CaseEventOut, EventKind
from casework.store import assessments as assessment_store
from casework.store import audit
from casework.store import deadlines as deadline_store
from casework.store import throughcare as store
from casework.store.models import AssessmentItem, CaseEventItem, CaseItem, DeadlineItem
from casework.store.tx import Changes

THR1, THR2 = "THR-1", "THR-2"
ASSESSMENT_DUE = "LS/CMI assessment due within five months of sentence"
SENTENCE_MONTHS = 5
# what each THR-2 trigger is called in an alert
TRIGGERS = {
    EventKind.SIGNIFICANT_EVENT: "significant event",
    EventKind.PROGRESSION: "progression",
    EventKind.PRE_RELEASE_CONFERENCE: "conference before the pre-release conference",
}


def deadline_id(event: CaseEventItem) -> str | None:
    """The deadline an event starts, if any: `thr1-<eventId>` or `thr2-<eventId>`."""
    if event.event_kind == EventKind.CUSTODY_SENTENCE:
        return f"thr1-{event.event_id}" if event.post_release_supervision else None
    return f"thr2-{event.event_id}"


# ---------------------------------------------------------------- recording an event


def _case_for_change(caller: Caller, case_id: str) -> CaseItem:
    """An open LS/CMI case of the caller's service that they may change."""
    return cases.for_change(caller, case_id, case_types=JUSTICE_CASE_TYPES,
                            records="throughcare events: they belong to justice (LS/CMI) cases")


def _check(body: CaseEventIn) -> None:
    if body.event_date > clock.today():
        raise Invalid("eventDate", "must not be in the future")
    if body.kind == EventKind.CUSTODY_SENTENCE and body.post_release_supervision is None:
        raise Invalid("postReleaseSupervision", "a custody sentence needs it: true or false")
    if body.kind != EventKind.CUSTODY_SENTENCE and body.post_release_supervision is not None:
        raise Invalid("postReleaseSupervision", "belongs to a custody sentence only")


def record_event(caller: Caller, case_id: str, body: CaseEventIn) -> CaseEventOut:
    """THR-1/THR-2: the event, the deadline it starts (a THR-2 alert raised at once) and the audit entry, together,
    conditional on the case as read (one closed or replaced meanwhile takes no event)."""
    case = _case_for_change(caller, case_id)
    _check(body)
    now = clock.now()
    event = store.new_event(
        case, event_id=ids.ulid(), kind=body.kind.value, event_date=body.event_date.isoformat(), details=body.details,
        post_release_supervision=body.post_release_supervision, recorded_by=caller.user_id, recorded_at=clock.iso(now))
    changes = Changes()
    changes.create(event)
    deadline = _start_deadline(changes, case, event, owner_id=case.assigned_to or caller.user_id,
                               nation=caller.nation, now=now)
    cases.hold(changes, case, changed=False)
    changes.create(audit.entry(
        audit.case_entity(case.case_id), service_id=case.service_id, action="case.event-recorded",
        actor_id=caller.user_id,
        after={"eventId": event.event_id, "kind": event.event_kind, "eventDate": event.event_date,
               "postReleaseSupervision": event.post_release_supervision,
               "deadlineId": deadline.deadline_id if deadline else None},
    ))
    try:
        changes.commit()
    except WriteConflict:
        raise Conflict("Someone else changed the case first; read it again.",
                       current=cases.state_now(caller, case.case_id)) from None
    count("CaseEventRecorded")
    return event_out(event, deadline, nation=caller.nation)


def _start_deadline(changes: Changes, case: CaseItem, event: CaseEventItem, *, owner_id: str, nation: str,
                    now: datetime) -> DeadlineItem | None:
    found = deadline_id(event)
    if found is None or _already_done(case, event):
        return None
    settings = deadlines.service_settings(case.service_id)
    happened = date.fromisoformat(event.event_date)
    if event.event_kind == EventKind.CUSTODY_SENTENCE:
        rule, kind, subject = THR1, "lscmi-due", ASSESSMENT_DUE
        due = rules.add_months(happened, SENTENCE_MONTHS)
        steps = rules.Ladder(approaching=settings.approaching.get(THR1), escalate_after=settings.escalate_after)
    else:
        trigger = TRIGGERS[EventKind(event.event_kind)]
        rule, kind = THR2, "reassessment"
        subject = f"LS/CMI reassessment after the {trigger} of {event.event_date}"
        due = rules.working_days_from(happened, settings.reassessment_working_days, nation)
        steps = rules.Ladder(approaching=settings.approaching.get(THR2), escalate_after=settings.escalate_after,
                             started=f"Reassessment needed: {trigger}")
    item = deadline_store.for_case(
        case, found, rule=rule, deadline_kind=kind, subject=subject, link=f"/cases/{case.case_id}/events",
        owner_id=owner_id, nation=nation, start_date=event.event_date, due_date=due.isoformat(),
        detail={"eventId": event.event_id, "eventKind": event.event_kind})
    return deadlines.start(changes, item, rules.ladder(due, nation=nation, steps=steps, now=now), now=now)


def _already_done(case: CaseItem, event: CaseEventItem) -> bool:
    """An event recorded after the assessment it calls for was locked (after the event's day) starts no timescale:
    THR-1's full assessment, THR-2's reassessment are already done."""
    wanted = (lambda a: a.assessment_kind == "full") if event.event_kind == EventKind.CUSTODY_SENTENCE else (
        lambda a: bool(a.reassessment_of))
    locked, _, _ = assessment_store.case_records(case)
    return any(a.status == "locked" and (a.locked_at or "")[:10] > event.event_date and wanted(a) for a in locked)


# ---------------------------------------------------------------- meeting them


def assessment_locked(changes: Changes, case: CaseItem, assessment: AssessmentItem, *, by: str, at: str) -> list[str]:
    """Add to the lock's `changes` the deadlines it meets: a full assessment (the first or a reassessment) meets the
    case's open THR-1 deadlines, a reassessment of either kind its open THR-2 ones. Returns their ids."""
    met_rules = {THR1} if assessment.assessment_kind == "full" else set()
    if assessment.reassessment_of:
        met_rules.add(THR2)
    if not met_rules:
        return []
    met = []
    for item in deadlines.open_ones(deadline_store.of_case(case)):
        if item.rule in met_rules:
            deadlines.meet(changes, item, by=by, how=f"assessment {assessment.assessment_id} locked", at=at)
            met.append(item.deadline_id)
    return met


# ---------------------------------------------------------------- reading


def events(caller: Caller, case_id: str) -> CaseEventListOut:
    """A case's events, the latest first, each with the deadline it started; whoever may read the case."""
    case = cases.load(caller, case_id)
    started = {d.deadline_id: d for d in deadline_store.of_case(case)}
    found = sorted(store.events_of(case), key=lambda e: (e.event_date, e.event_id), reverse=True)
    return CaseEventListOut(case_id=case.case_id, items=[
        event_out(e, started.get(deadline_id(e) or ""), nation=caller.nation) for e in found])


def event_out(event: CaseEventItem, deadline: DeadlineItem | None, *, nation: str) -> CaseEventOut:
    return CaseEventOut(
        event_id=event.event_id, case_id=event.case_id, kind=event.event_kind, event_date=event.event_date,
        details=event.details, post_release_supervision=event.post_release_supervision,
        recorded_by=event.recorded_by, recorded_at=event.recorded_at,
        deadline=deadline_out(deadline, nation=nation) if deadline is not None else None,
    )

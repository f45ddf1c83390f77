"""CSC-2 Statutory visits (looked-after, child-protection and child-in-need cases) are recorded as a draft visit note
that the manager can comment on; five working days after the visit an unfinalised note is finalised automatically and
manager comments are closed. Completing a statutory-visit alert is what allows the next one to be raised.

Every visit is recorded here: statutory ones (CSC-2), failed ones (CSC-3, `failed`) and others. The deadlines
(CMP-1): `sv-<id>`, the next statutory visit, due the case type's interval after the last one (the first from the
day the case was opened); `vn-<visit id>`, the note's automatic finalisation, done by the sweep ("finalise").
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from casework import cases, clock, ids
from casework.access import Caller, Right, require
from casework.children import failed
from casework.children.casefile import (
    VISITED,
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
from casework.schemas.children import CommentIn, CommentOut, VisitIn, VisitOut
from casework.store import children as store
from casework.store import deadlines as deadline_store
from casework.store import work
from casework.store.models import CaseItem, DeadlineItem, VisitItem
from casework.store.tx import Changes

RULE = "CSC-2"
NEXT_VISIT = "statutory-visit"
NOTE = "visit-note"
FINALISE_AFTER = 5  # working days after the visit
AUTOMATIC = "sweep"  # who finalised a note finalised automatically


# ---------------------------------------------------------------- the arithmetic


def finalised_after(visit_date: date, nation: str) -> date:
    """The last day a statutory visit note stays a draft: once it has ended, the note is finalised."""
    return rules.working_days_from(visit_date, FINALISE_AFTER, nation)


def next_visit_due(last: date, case_type: str, settings: rules.Settings) -> date | None:
    every = settings.visit_every_days.get(case_type)
    return None if every is None else last + timedelta(days=every)


def next_visit_stages(due: date, settings: rules.Settings, nation: str, now: datetime) -> list[rules.Stage]:
    steps = rules.Ladder(approaching=settings.approaching.get(RULE), escalate_after=settings.escalate_after)
    return rules.ladder(due, nation=nation, steps=steps, now=now)


def note_stages(visit_date: date, nation: str) -> list[rules.Stage]:
    return [rules.Stage("finalise", rules.end_of(finalised_after(visit_date, nation)), (), kind="finalise",
                        action="finalise")]


# ---------------------------------------------------------------- a case opened, the sweep finalising a note


def opened(changes: Changes, case: CaseItem, caller: Caller) -> None:
    """`cases.OPENED`: a looked-after, child-protection or child-in-need case's first statutory visit is due the
    case type's interval after the day it was opened."""
    if case.case_type not in VISITED:
        return
    settings = deadlines.service_settings(case.service_id)
    day = rules.uk_day(rules.parse_at(case.opened_at))
    due = next_visit_due(day, case.case_type, settings)
    if due is None:
        return
    now = clock.now()
    item = new_deadline(case, f"sv-{case.case_id}", RULE, NEXT_VISIT, subject=f"Statutory visit to {child(case)}",
                        link=f"/cases/{case.case_id}/visits", owner_id=owner(case, caller), nation=caller.nation,
                        start_date=day.isoformat(), due_date=due.isoformat())
    deadlines.start(changes, item, next_visit_stages(due, settings, caller.nation, now), now=now)


def finalise_by_sweep(changes: Changes, deadline: DeadlineItem, stage: dict[str, Any]) -> None:
    """`deadlines.ACTIONS["finalise"]`: the note still a draft five working days after the visit is finalised (its
    comments close), and the deadline is met, in the sweep's transaction. The sweep saves the deadline itself with
    its stages moved on, so it is marked met here, not saved a second time."""
    at = clock.stamp()
    found = store.visit_watched_by(deadline)
    if found is not None and found.status == "draft":
        store.finalise_draft(changes, found, by=AUTOMATIC, at=at)
    deadline.status = "met"
    deadline.met_at, deadline.met_by, deadline.met_how = at, AUTOMATIC, "note finalised automatically"


# ---------------------------------------------------------------- the routes


def record(caller: Caller, case_id: str, body: VisitIn) -> VisitOut:
    """A visit by the case's worker (or a manager). Statutory: a draft note, its finalisation's deadline, the
    statutory-visit deadline met and the next one started. Failed: the CSC-3 ladder. Any successful visit ends the
    ladder. All in one transaction with the audit entry."""
    case = case_for_change(caller, case_id)
    if body.visit_type == "statutory" and case.case_type not in VISITED:
        raise Invalid("visitType", "statutory visits are for looked-after, child-protection and child-in-need cases")
    if body.visit_date > clock.today():
        raise Invalid("visitDate", "must not be in the future")
    now, at = clock.now(), clock.stamp()
    held = deadline_store.of_case(case)
    visit_id = ids.ulid()
    changes = Changes()
    if body.visit_type == "statutory":
        draft = rules.end_of(finalised_after(body.visit_date, caller.nation)) > now
        item = _new(case, caller, visit_id, body, at, draft=draft)
        changes.create(item)
        if draft:
            _watch_note(changes, case, caller, item, now)
        _next_statutory_visit(changes, case, caller, item, held, now, at)
        failed.visited(changes, caller, item, held, at)
    else:
        item = _new(case, caller, visit_id, body, at, draft=False)
        changes.create(item)
        if body.visit_type == "failed":
            failed.failed(changes, case, caller, item, held, now)
        else:
            failed.visited(changes, caller, item, held, at)
    # a ladder is one per case and the next statutory visit is decided from the case's deadlines as read: two visits
    # recorded at once don't both commit
    cases.hold(changes, case, changed=True)
    changes.create(entry(caller.user_id, case, "visit.recorded", {
        "visitId": visit_id, "visitType": item.visit_type, "visitDate": item.visit_date, "status": item.status}))
    commit(changes, "visit", lambda: _listing(caller, case_id))
    count("VisitRecorded")
    return visit_out(item, caller.nation)


def visits(caller: Caller, case_id: str) -> list[VisitOut]:
    """A case's visits, latest first."""
    case = children_case(caller, case_id)
    found = sorted(store.visits_of(case), key=lambda v: (v.visit_date, v.visit_id), reverse=True)
    return [visit_out(v, caller.nation) for v in found]


def visit(caller: Caller, case_id: str, visit_id: str) -> VisitOut:
    return visit_out(_find(children_case(caller, case_id), visit_id), caller.nation)


def comment(caller: Caller, case_id: str, visit_id: str, body: CommentIn) -> VisitOut:
    """A manager's comment (right 30) on a draft statutory visit note; once final, comments are closed."""
    require(caller, Right.APPROVE)
    case = open_children_case(caller, case_id)
    item = _find(case, visit_id)
    if not _comments_open(item, caller.nation):
        raise Conflict("Comments are closed: the visit note is final.", current=state(item, caller.nation))
    item.comments = [*(item.comments or []),
                     {"by": caller.user_id, "name": caller.name, "at": clock.stamp(), "text": body.comment}]
    changes = Changes()
    changes.save(item)
    cases.hold(changes, case, changed=False)
    changes.create(entry(caller.user_id, case, "visit.commented", {"visitId": item.visit_id}))
    commit(changes, "visit", lambda: _one(caller, case_id, visit_id))
    count("VisitCommented")
    return visit_out(item, caller.nation)


def finalise(caller: Caller, case_id: str, visit_id: str) -> VisitOut:
    """The worker (or a manager) finalises the note: comments close and the automatic finalisation is met."""
    case = case_for_change(caller, case_id)
    item = _find(case, visit_id)
    if item.status != "draft":
        raise Conflict("The visit note is already final.", current=state(item, caller.nation))
    at = clock.stamp()
    changes = Changes()
    store.finalise_draft(changes, item, by=caller.user_id, at=at)
    note = store.deadline(case, f"vn-{item.visit_id}")
    if note is not None and is_open(note):
        deadlines.meet(changes, note, by=caller.user_id, how="note finalised", at=at)
    cases.hold(changes, case, changed=False)
    changes.create(entry(caller.user_id, case, "visit.finalised", {"visitId": item.visit_id}))
    commit(changes, "visit", lambda: _one(caller, case_id, visit_id))
    count("VisitFinalised")
    return visit_out(item, caller.nation)


# ---------------------------------------------------------------- helpers


def _new(case: CaseItem, caller: Caller, visit_id: str, body: VisitIn, at: str, *, draft: bool) -> VisitItem:
    """A statutory note is a draft until finalised; one recorded after its five working days is final at once, as
    the sweep would have made it. Other visits have no draft."""
    automatic = body.visit_type == "statutory" and not draft
    return store.new_visit(
        case, visit_id, visit_type=body.visit_type, visit_date=body.visit_date.isoformat(), note=body.note,
        status="draft" if draft else "final", comments=[], recorded_by=caller.user_id, recorded_at=at,
        finalised_by=None if draft else (AUTOMATIC if automatic else caller.user_id),
        finalised_at=None if draft else at,
    )


def _watch_note(changes: Changes, case: CaseItem, caller: Caller, item: VisitItem, now: datetime) -> None:
    visited_on = date.fromisoformat(item.visit_date)
    deadline = new_deadline(
        case, f"vn-{item.visit_id}", RULE, NOTE, subject=f"Statutory visit note for {child(case)}",
        link=f"/cases/{case.case_id}/visits/{item.visit_id}", owner_id=owner(case, caller), nation=caller.nation,
        start_date=item.visit_date, due_date=finalised_after(visited_on, caller.nation).isoformat(),
        record_id=item.visit_id)
    deadlines.start(changes, deadline, note_stages(visited_on, caller.nation), now=now)


def _next_statutory_visit(changes: Changes, case: CaseItem, caller: Caller, item: VisitItem,
                          held: list[DeadlineItem], now: datetime, at: str) -> None:
    """The open statutory-visit deadline is met and the next one starts from this visit. If the worker has not yet
    completed the last one's alert, the next waits for it: completing it raises the next one's (CSC-2)."""
    current = next(iter(deadlines.open_ones(held, NEXT_VISIT)), None)
    if current is not None and current.start_date > item.visit_date:
        return  # an earlier visit recorded late: the timescale already runs from a later one
    settings = deadlines.service_settings(case.service_id)
    visited_on = date.fromisoformat(item.visit_date)
    due = next_visit_due(visited_on, case.case_type, settings)
    waits_for = None
    if current is not None:
        waits_for = _open_alert(current)
        deadlines.meet(changes, current, by=caller.user_id, how=f"statutory visit on {item.visit_date}", at=at)
    if due is None:
        return
    deadline = new_deadline(
        case, f"sv-{item.visit_id}", RULE, NEXT_VISIT, subject=f"Statutory visit to {child(case)}",
        link=f"/cases/{case.case_id}/visits", owner_id=owner(case, caller), nation=caller.nation,
        start_date=item.visit_date, due_date=due.isoformat(), record_id=item.visit_id)
    deadlines.start(changes, deadline, next_visit_stages(due, settings, caller.nation, now), now=now,
                    waits_for=waits_for)


def _open_alert(previous: DeadlineItem) -> dict[str, str] | None:
    """The alert the next statutory-visit deadline waits for: the latest of the previous one's alerts to its worker
    still open; or, when the previous one was itself still waiting, the alert it waited for."""
    if previous.waits_for:
        return {"userId": previous.waits_for["userId"], "taskId": previous.waits_for["taskId"]}
    raised = list(previous.stages or [])[: int(previous.next_stage)]
    for stage in reversed(raised):
        for sent in stage.get("raised", []):
            if sent["userId"] != previous.owner_id:
                continue
            task = work.task(sent["userId"], sent["taskId"])
            if task is not None and task.completed_at is None:
                return {"userId": sent["userId"], "taskId": sent["taskId"]}
    return None


def _comments_open(item: VisitItem, nation: str) -> bool:
    """A draft statutory note until its five working days have ended (the sweep may not have finalised it yet)."""
    if item.visit_type != "statutory" or item.status != "draft":
        return False
    return clock.now() < rules.end_of(finalised_after(date.fromisoformat(item.visit_date), nation))


def _find(case: CaseItem, visit_id: str) -> VisitItem:
    found = store.visit(case, visit_id) if ids.is_ulid(visit_id) else None
    if found is None:
        raise NotFound("No visit with that id in this case.")
    return found


def _listing(caller: Caller, case_id: str) -> object:
    return [v.model_dump(mode="json", by_alias=True) for v in visits(caller, case_id)]


def _one(caller: Caller, case_id: str, visit_id: str) -> object:
    return visit(caller, case_id, visit_id).model_dump(mode="json", by_alias=True)


def state(item: VisitItem, nation: str) -> dict[str, object]:
    """A visit as a 409 answer carries it."""
    return visit_out(item, nation).model_dump(mode="json", by_alias=True)


def visit_out(item: VisitItem, nation: str) -> VisitOut:
    draft = item.visit_type == "statutory" and item.status == "draft"
    return VisitOut(
        visit_id=item.visit_id, case_id=item.case_id, urn=item.urn, visit_type=item.visit_type,
        visit_date=item.visit_date, note=item.note, status="draft" if item.status == "draft" else "final",
        comments=[CommentOut(**c) for c in item.comments or []], comments_open=_comments_open(item, nation),
        finalised_automatically_after=finalised_after(date.fromisoformat(item.visit_date), nation).isoformat()
        if draft else None,
        recorded_by=item.recorded_by, recorded_at=item.recorded_at, finalised_by=item.finalised_by,
        finalised_at=item.finalised_at, version=int(item.version or 0),
    )

"""CSC-3 Failed visits escalate: after a failed visit the worker must try again within 3 working days; a second
failure goes to the practice manager within 1 working day; failed access over 10 days alerts the team manager, over
two weeks the senior manager. Failed visits are recorded as visits, not statutory visits; when they are escalated a
manager records a case-management decision to evidence management oversight.

A case's failed visits are one deadline, `fv-<first failed visit id>` (the ladder), open from the first failure until
a successful visit; each further failure is added to it and its stages are recomputed (`rules.failed_visit_stages`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from casework import cases, clock
from casework.access import Caller, Right, require
from casework.children.casefile import child, children_case, commit, entry, new_deadline, open_children_case, owner
from casework.compliance import deadlines, rules
from casework.errors import Conflict
from casework.observability import count
from casework.schemas.children import FailedVisitDecisionIn, FailedVisitDecisionOut, FailedVisitsOut
from casework.store import deadlines as deadline_store
from casework.store import work
from casework.store.models import CaseItem, DeadlineItem, VisitItem
from casework.store.tx import Changes

RULE = "CSC-3"
KIND = "failed-visits"
VISIT_AGAIN_WITHIN = 3  # working days


def visit_again_by(last_failure: date, nation: str) -> date:
    return rules.working_days_from(last_failure, VISIT_AGAIN_WITHIN, nation)


def open_ladder(held: list[DeadlineItem]) -> DeadlineItem | None:
    return next(iter(deadlines.open_ones(held, KIND)), None)


def failed(changes: Changes, case: CaseItem, caller: Caller, visit: VisitItem, held: list[DeadlineItem],
           now: datetime) -> None:
    """A failed visit: the first starts the ladder; another is added to the open one, whose stages are recomputed
    (the practice manager's alert for a second failure is raised at once)."""
    day = date.fromisoformat(visit.visit_date)
    ladder = open_ladder(held)
    if ladder is None:
        failures, recorded = [day], [now]
        item = new_deadline(
            case, f"fv-{visit.visit_id}", RULE, KIND, subject=f"Failed visits to {child(case)}",
            link=f"/cases/{case.case_id}/visits", owner_id=owner(case, caller), nation=caller.nation,
            start_date=day.isoformat(), due_date=visit_again_by(day, caller.nation).isoformat(),
            record_id=visit.visit_id, detail=_detail(failures, recorded, []))
        deadlines.start(changes, item, rules.failed_visit_stages(failures, recorded, nation=caller.nation), now=now)
        return
    detail: dict[str, Any] = ladder.detail or {}
    failures = sorted([*(date.fromisoformat(d) for d in detail.get("failures", [])), day])
    recorded = [*(rules.parse_at(r) for r in detail.get("recorded", [])), now]
    ladder.detail = _detail(failures, recorded, list(detail.get("decisions", [])))
    deadlines.restage(changes, ladder, rules.failed_visit_stages(failures, recorded, nation=ladder.nation), now=now,
                      due_date=visit_again_by(failures[-1], ladder.nation).isoformat())


def visited(changes: Changes, caller: Caller, visit: VisitItem, held: list[DeadlineItem], at: str) -> None:
    """A successful visit (statutory or other) ends the ladder."""
    ladder = open_ladder(held)
    failures = list((ladder.detail or {}).get("failures", [])) if ladder is not None else []
    if ladder is not None and failures and visit.visit_date < max(str(f) for f in failures):
        return  # a visit from before the last failure, recorded late, is not the visit that ends the ladder
    if ladder is not None:
        deadlines.meet(changes, ladder, by=caller.user_id, how=f"visited on {visit.visit_date}", at=at)


def decide(caller: Caller, case_id: str, body: FailedVisitDecisionIn) -> FailedVisitsOut:
    """A manager's case-management decision on the open ladder (right 30): kept on the ladder and in the audit
    trail as evidence of oversight; the manager's own open alerts of the ladder are completed with it."""
    require(caller, Right.APPROVE)
    case = open_children_case(caller, case_id)
    held = deadline_store.of_case(case)
    ladder = open_ladder(held)
    if ladder is None:
        last = _latest(held)
        raise Conflict("The case has no failed visits awaiting a decision.",
                       current=None if last is None else ladder_out(last).model_dump(mode="json", by_alias=True))
    at = clock.stamp()
    detail: dict[str, Any] = dict(ladder.detail or {})
    decision = {"by": caller.user_id, "name": caller.name, "at": at, "decision": body.decision}
    ladder.detail = {**detail, "decisions": [*detail.get("decisions", []), decision]}
    changes = Changes()
    for stage in list(ladder.stages or [])[: int(ladder.next_stage)]:
        for sent in stage.get("raised", []):
            if sent["userId"] != caller.user_id:
                continue
            task = work.task(caller.user_id, sent["taskId"])
            if task is not None and task.completed_at is None:
                work.complete_in(changes, caller.user_id, sent["taskId"], at)
    deadline_store.save(changes, ladder)
    cases.hold(changes, case, changed=False)
    changes.create(entry(caller.user_id, case, "failed-visits.decision", {
        "deadlineId": ladder.deadline_id, "failures": ladder.detail.get("failures", []),
        "decision": body.decision}))
    commit(changes, "failed visits", lambda: _now(caller, case_id))
    count("FailedVisitDecision")
    return ladder_out(ladder)


def _detail(failures: list[date], recorded: list[datetime], decisions: list[dict[str, Any]]) -> dict[str, Any]:
    return {"failures": [d.isoformat() for d in failures], "recorded": [clock.iso(r) for r in recorded],
            "decisions": decisions}


def _latest(held: list[DeadlineItem]) -> DeadlineItem | None:
    ladders = [d for d in held if d.deadline_kind == KIND]
    return max(ladders, key=lambda d: d.created_at) if ladders else None


def _now(caller: Caller, case_id: str) -> object:
    last = _latest(deadline_store.of_case(children_case(caller, case_id)))
    return None if last is None else ladder_out(last).model_dump(mode="json", by_alias=True)


def ladder_out(item: DeadlineItem) -> FailedVisitsOut:
    detail: dict[str, Any] = item.detail or {}
    return FailedVisitsOut(
        deadline_id=item.deadline_id, case_id=item.case_id or "", status=item.status,
        failures=list(detail.get("failures", [])), visit_again_by=item.due_date,
        decisions=[FailedVisitDecisionOut(**d) for d in detail.get("decisions", [])],
    )

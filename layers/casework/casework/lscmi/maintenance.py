"""Record maintenance (DEL): delete a full 1-8 or a reassessment, a case, a person; unlock an assessment.

Each needs the dedicated right (50), the case(s) unassigned, the exact confirmation phrase and a reason, and
leaves an audit tombstone (what, who, why) in the Audit table, which the deletion never touches. Every
deletion is one transaction (all or nothing); one that would exceed a transaction is refused with the
way round it (delete the person's cases one by one first)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from casework import cases
from casework.access import Caller, Right, require
from casework.errors import Conflict, Invalid, NotFound, WriteConflict
from casework.lscmi import assessments
from casework.observability import count
from casework.schemas.assessments import MaintenanceIn, MaintenanceOut
from casework.store import assessments as store
from casework.store import audit, records
from casework.store import refs as references
from casework.store.models import ApprovalItem, AssessmentItem, CaseItem, PlanItem, RecordItem
from casework.store.tx import MAX_ITEMS, Changes


def _confirmed(body: MaintenanceIn, expected: str) -> None:
    if body.confirm != expected:
        raise Invalid("confirm", f"type exactly `{expected}` to confirm")


def _case(caller: Caller, case_id: str) -> CaseItem:
    """DEL-3: the dedicated right and an unassigned case."""
    require(caller, Right.RECORD_MAINTENANCE)
    case = cases.load(caller, case_id)
    if case.assigned_to:
        raise Conflict("Unassign the case first: records are deleted or unlocked only on an unassigned case.",
                       current=cases.state(case))
    return case


def _commit(changes: Changes, current: Callable[[], Any]) -> None:
    try:
        changes.commit()
    except WriteConflict:
        raise Conflict("The record changed meanwhile; nothing was changed: look again.", current=current()) from None


def _tombstone(entity: str, caller: Caller, action: str, what: dict[str, Any], reason: str) -> Any:
    return audit.entry(entity, service_id=caller.service_id, action=action, actor_id=caller.user_id, before=what,
                       reason=reason)


# ---------------------------------------------------------------- assessments


def delete_assessment(caller: Caller, case_id: str, assessment_id: str, body: MaintenanceIn) -> MaintenanceOut:
    """DEL-1: a full 1-8 started instead of an initial assessment, or a reassessment started by mistake."""
    case = _case(caller, case_id)
    item = assessments.find(case, assessment_id)
    _confirmed(body, f"DELETE ASSESSMENT {int(case.case_number)}")
    if case.status != "open":
        raise Conflict("The case is closed: its assessments are kept as they were closed.", current=cases.state(case))
    if item.assessment_kind != "full" and item.reassessment_of is None:
        raise Invalid("assessmentId", "only a full LS/CMI 1-8 or a reassessment is deleted; unlock an initial "
                                      "assessment to mend it")
    if case.pending_closure:
        raise Conflict("A closure request awaits a decision: have it decided first.", current=cases.state(case))
    found, plans, approvals = store.case_records(case)
    if any(a.reassessment_of == item.assessment_id for a in found):
        raise Conflict("A later reassessment copies this assessment: delete that first.", current=cases.state(case))
    gone: list[RecordItem] = [item, *(p for p in plans if p.assessment_id == item.assessment_id),
                              *(a for a in approvals if a.assessment_id == item.assessment_id)]
    before_level = case.risk_need_level
    changes = Changes()
    _delete(changes, gone, "report it: an assessment never carries this many records", besides=3)
    assessments.apply_level(case, [a for a in found if a.assessment_id != item.assessment_id])
    cases.hold(changes, case, changed=True)
    what = {"assessmentId": item.assessment_id, "kind": item.assessment_kind, "reassessmentOf": item.reassessment_of,
            "status": item.status, "caseNumber": int(case.case_number), "riskNeedLevel": before_level,
            "plans": [p.plan_id for p in plans if p.assessment_id == item.assessment_id]}
    changes.create(_tombstone(audit.case_entity(case.case_id), caller, "assessment.deleted", what, body.reason))
    _commit(changes, lambda: cases.state_now(caller, case_id))
    count("AssessmentDeleted")
    return MaintenanceOut(action="assessment.deleted", deleted=[f"assessment {item.assessment_id}"] + [
        f"plan {p.plan_id}" for p in plans if p.assessment_id == item.assessment_id],
        audit_entity=audit.case_entity(case.case_id))


def unlock(caller: Caller, case_id: str, assessment_id: str, body: MaintenanceIn) -> MaintenanceOut:
    """DEL-2: reopen an initial or full assessment locked in error (the case's latest one)."""
    case = _case(caller, case_id)
    item = assessments.find(case, assessment_id)
    _confirmed(body, f"UNLOCK ASSESSMENT {int(case.case_number)}")
    if item.status != "locked":
        raise Conflict("The assessment is not locked.", current=assessments.state(item))
    found, _, _ = store.case_records(case)
    if max(a.assessment_id for a in found) != item.assessment_id:
        raise Conflict("A later assessment follows this one: only the latest can be unlocked.",
                       current=assessments.state(item))
    if case.status != "open":
        raise Conflict("The case is closed.", current=cases.state(case))
    if case.pending_closure:
        raise Conflict("A closure request awaits a decision: have it decided first.", current=cases.state(case))
    item.status, item.locked_by, item.locked_at = "in-progress", None, None
    changes = Changes()
    changes.save(item)
    cases.hold(changes, case, changed=True)  # an assessment in progress again: no closure request, no new one
    changes.create(_tombstone(audit.case_entity(case.case_id), caller, "assessment.unlocked",
                              {"assessmentId": item.assessment_id, "kind": item.assessment_kind}, body.reason))
    _commit(changes, lambda: cases.state_now(caller, case_id))
    count("AssessmentUnlocked")
    return MaintenanceOut(action="assessment.unlocked", deleted=[], audit_entity=audit.case_entity(case.case_id))


# ---------------------------------------------------------------- cases and people


def delete_case(caller: Caller, case_id: str, body: MaintenanceIn) -> MaintenanceOut:
    """DEL-1: a case that can't be completed, with every record of it: all of the case's key range, whatever the
    kind (assessments, plans, approvals, throughcare events, deadlines, C&F assessments, visits ...), so nothing is
    left behind (a deadline left would alert about a case gone)."""
    case = _case(caller, case_id)
    _confirmed(body, f"DELETE CASE {int(case.case_number)}")
    person, all_cases = records.person_with_cases(case.service_id, case.urn)
    held = records.case_key_range(case)
    found = [i for i in held if isinstance(i, AssessmentItem)]
    plans = [i for i in held if isinstance(i, PlanItem)]
    approvals = [i for i in held if isinstance(i, ApprovalItem)]
    changes = Changes()
    _delete(changes, [case, *held], "delete its reassessments one at a time (latest first)", besides=4)
    others = [c for c in all_cases if c.case_id != case.case_id]
    if person is not None:
        person.case_count = len(others)
        changes.save(person)
    if len(others) == 1 and others[0].multiple_cases:  # the remaining case is now its person's only one
        others[0].multiple_cases = False
        changes.save(others[0])
    what = {"caseNumber": int(case.case_number), "urn": case.urn, "caseType": case.case_type, "status": case.status,
            "assessments": [a.assessment_id for a in found], "plans": [p.plan_id for p in plans],
            "approvals": [a.approval_id for a in approvals], "records": _counts(held)}
    changes.create(_tombstone(audit.case_entity(case.case_id), caller, "case.deleted", what, body.reason))
    changes.create(_tombstone(audit.person_entity(case.service_id, case.urn), caller, "case.deleted", what,
                              body.reason))
    _commit(changes, lambda: cases.state_now(caller, case_id))
    count("CaseDeleted")
    return MaintenanceOut(action="case.deleted", deleted=[f"case {int(case.case_number)}"] + [
        records.named(i) for i in held], audit_entity=audit.case_entity(case.case_id))


def delete_person(caller: Caller, urn: str, body: MaintenanceIn) -> MaintenanceOut:
    """DEL-1, the nuclear option: the person and every case they ever had, with all their records."""
    require(caller, Right.RECORD_MAINTENANCE)
    require(caller, Right.CASE_READ)
    urn = urn.upper()
    person, held = records.person_with_records(caller.service_id, urn)
    if person is None:
        raise NotFound("No person with that URN.")
    items: list[RecordItem] = [person, *held]
    case_items = [i for i in items if isinstance(i, CaseItem)]
    assigned = [int(c.case_number) for c in case_items if c.assigned_to]
    if assigned:
        raise Conflict("Unassign every case of the person first: " + ", ".join(f"case {n}" for n in assigned)
                       + " still assigned.", assigned=assigned, current=_person_now(caller, urn))
    _confirmed(body, f"DELETE PERSON {urn}")
    what = {"urn": urn, "surname": person.surname,
            "cases": [int(c.case_number) for c in case_items],
            "records": _counts(i for i in held if not isinstance(i, CaseItem))}
    changes = Changes()
    _delete(changes, items, "delete the person's cases one at a time", besides=1)
    changes.create(_tombstone(audit.person_entity(caller.service_id, urn), caller, "person.deleted", what,
                              body.reason))
    for case in case_items:
        if len(changes) < MAX_ITEMS:  # each case's own trail says where it went, as far as the transaction holds
            changes.create(_tombstone(audit.case_entity(case.case_id), caller, "person.deleted", what, body.reason))
    _commit(changes, lambda: _person_now(caller, urn))
    count("PersonDeleted")
    return MaintenanceOut(action="person.deleted", deleted=[f"person {urn}"] + [
        f"case {int(c.case_number)}" for c in case_items], audit_entity=audit.person_entity(caller.service_id, urn))


def _counts(items: Iterable[RecordItem]) -> dict[str, int]:
    """A tombstone's count of the records deleted, by kind (`assessments`, `plans`, `approvals`, always named, and
    each other kind found: `cf-assessments`, `visits`, `deadlines` ...)."""
    counts = {"assessments": 0, "plans": 0, "approvals": 0}
    for item in items:
        kind = f"{records.kind_of(item)}s"
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def _person_now(caller: Caller, urn: str) -> dict[str, Any] | None:
    """The person as they are now, for a 409: None once deleted."""
    try:
        return cases.person(caller, urn).model_dump(mode="json", by_alias=True)
    except NotFound:
        return None


def _delete(changes: Changes, items: list[RecordItem], way_round: str, *, besides: int) -> None:
    """Each item (conditional on its version where it has one) and the reference items derived from it; `besides`:
    how many other items the transaction must still hold."""
    refs = references.all_refs(items)
    if len(items) + len(refs) + besides > MAX_ITEMS:
        raise Conflict(f"This would delete {len(items) + len(refs)} items, more than one transaction holds "
                       f"({MAX_ITEMS}); {way_round} first.")
    for item in [*items, *refs]:
        changes.delete(item)


"""LS/CMI assessments (LSA): parts and sections, scoring, lock, reassessment, overrides, plans, case history.

The level a case shows is written only by `apply_level`, from `scoring.case_level` over the case's assessments:
the score-driven level of its latest full assessment, or that assessment's approved override."""

from __future__ import annotations

from typing import Any

from casework import cases, clock, ids
from casework.access import Caller
from casework.errors import Conflict, Invalid, NotFound, WriteConflict
from casework.lscmi import approval_requests, scoring, throughcare
from casework.observability import count
from casework.schemas.approvals import ApprovalOut
from casework.schemas.assessments import (
    AssessmentIn,
    AssessmentOut,
    HistoryOut,
    OverrideIn,
    PlanIn,
    PlanOut,
    PlanSectionIn,
    SectionIn,
    SectionOut,
)
from casework.schemas.cases import JUSTICE_CASE_TYPES
from casework.store import assessments as store
from casework.store import audit
from casework.store.models import AssessmentItem, CaseItem, PlanItem
from casework.store.tx import Changes
from casework.versions import check_if_match

COMMUNITY = "justice-community"


# ---------------------------------------------------------------- the one writer of a case's level


def apply_level(case: CaseItem, assessments: list[AssessmentItem]) -> bool:
    """Set the case's shown level from its assessments (after a change); True when it changed."""
    level = scoring.case_level((a.assessment_id, a.assessment_kind, a.sections or {}, a.override) for a in assessments)
    changed = level != case.risk_need_level
    case.risk_need_level = level
    return changed


def with_replaced(assessments: list[AssessmentItem], changed: AssessmentItem) -> list[AssessmentItem]:
    return [changed if a.assessment_id == changed.assessment_id else a for a in assessments] + (
        [] if any(a.assessment_id == changed.assessment_id for a in assessments) else [changed])


# ---------------------------------------------------------------- loading with the per-record checks


def case_for_change(caller: Caller, case_id: str) -> CaseItem:
    """An open LS/CMI case of the caller's service that they may change: assigned to them, or the team-leader
    right."""
    return cases.for_change(caller, case_id, case_types=JUSTICE_CASE_TYPES,
                            records="LS/CMI assessment, plan or closure request")


def find(case: CaseItem, assessment_id: str) -> AssessmentItem:
    """An assessment of the case (404 otherwise)."""
    found = store.assessment(case, assessment_id) if ids.is_ulid(assessment_id) else None
    if found is None:
        raise NotFound("No assessment with that id in this case.")
    return found


def _editable(case: CaseItem, assessment_id: str, if_match: int | None) -> AssessmentItem:
    found = find(case, assessment_id)
    if found.status == "locked":
        raise Conflict("The assessment is locked and can't be edited (LSA-5).", current=state(found))
    check_if_match(if_match, found, "assessment", lambda: state(found))
    return found


def _commit(changes: Changes, what: str, reload: Any) -> None:
    try:
        changes.commit()
    except WriteConflict:
        try:
            current = reload()
        except NotFound:
            current = None  # deleted meanwhile
        changed = "the case" if what == "case" else f"the {what} or its case"
        raise Conflict(f"Someone else changed {changed} first; read it again.", current=current) from None


# ---------------------------------------------------------------- assessments


def start(caller: Caller, case_id: str, body: AssessmentIn) -> AssessmentOut:
    """LSA-1: an initial assessment (community, before sentence) or a full LS/CMI 1-8, starting with the OHF."""
    case = case_for_change(caller, case_id)
    if body.kind == "initial" and caller.service_kind != COMMUNITY:
        raise Invalid("kind", "an initial assessment is for community services only, before sentence")
    existing, _, _ = store.case_records(case)
    if any(a.status != "locked" for a in existing):
        raise Conflict("The case has an assessment in progress: complete and lock it first.",
                       current=[state(a) for a in existing if a.status != "locked"])
    if any(a.assessment_kind == body.kind for a in existing):
        raise Conflict(f"The case already has an {body.kind} assessment: start a reassessment instead.",
                       current=cases.state(case))
    item = store.new_assessment(case, assessment_id=ids.ulid(), kind=body.kind, reassessment_of=None,
                                sections={}, override=None, created_by=caller.user_id, created_at=clock.stamp())
    _create(caller, case, item, "assessment.started")
    return assessment_out(item)


def reassess(caller: Caller, case_id: str) -> AssessmentOut:
    """LSA-5: a new assessment of the same case copying forward the last one (which must be locked)."""
    case = case_for_change(caller, case_id)
    existing, _, _ = store.case_records(case)
    if not existing:
        raise Conflict("The case has no assessment to reassess: start one.", current=cases.state(case))
    last = max(existing, key=lambda a: a.assessment_id)
    if last.status != "locked":
        raise Conflict("The last assessment is still in progress: lock it before reassessing.",
                       current=state(last))
    # An approved override is carried forward with the answers, so starting a reassessment never moves the
    # case's level; the assessor withdraws it in the reassessment if it no longer applies.
    carried = dict(last.override) if last.override and last.override.get("status") == "approved" else None
    item = store.new_assessment(case, assessment_id=ids.ulid(), kind=last.assessment_kind,
                                reassessment_of=last.assessment_id, sections=dict(last.sections or {}),
                                override=carried, created_by=caller.user_id, created_at=clock.stamp())
    _create(caller, case, item, "assessment.reassessment-started")
    return assessment_out(item)


def _no_closure_waiting(case: CaseItem, what: str) -> None:
    """The manager decides on the case as it was asked to close: nothing new is added while they decide."""
    if case.pending_closure:
        raise Conflict(f"A closure request for the case awaits a manager's decision: no new {what} until it is "
                       "decided.", current=cases.state(case))


def _create(caller: Caller, case: CaseItem, item: AssessmentItem, action: str) -> None:
    _no_closure_waiting(case, "assessment")
    changes = Changes()
    changes.create(item)
    cases.hold(changes, case, changed=True)  # a new assessment in progress: no other start, closure or unlock
    changes.create(audit.entry(
        audit.case_entity(case.case_id), service_id=case.service_id, action=action, actor_id=caller.user_id,
        after={"assessmentId": item.assessment_id, "kind": item.assessment_kind,
               "reassessmentOf": item.reassessment_of},
    ))
    _commit(changes, "case", lambda: cases.state_now(caller, case.case_id))
    count("AssessmentStarted")


def get(caller: Caller, case_id: str, assessment_id: str) -> AssessmentOut:
    return assessment_out(find(cases.load(caller, case_id), assessment_id))


def save_section(caller: Caller, case_id: str, assessment_id: str, section: str, body: SectionIn,
                 if_match: int | None) -> AssessmentOut:
    """Store one section's scores, answers and text; section 1 also moves the case's level (LSA-2, LSA-3)."""
    case = case_for_change(caller, case_id)
    item = _editable(case, assessment_id, if_match)
    if section not in scoring.SECTIONS[item.assessment_kind]:
        raise Invalid("section", f"an {item.assessment_kind} assessment has sections "
                                 + ", ".join(scoring.SECTIONS[item.assessment_kind]))
    pending = bool(item.override and item.override.get("status") == "pending")
    if pending and section in ("1", "6"):
        raise Conflict("An override of this assessment awaits a manager's decision: sections 1 and 6 can't change "
                       "until it is decided.", current=state(item))
    content = _section_content(section, body, item)
    content.update(savedBy=caller.user_id, savedAt=clock.stamp())
    sections = dict(item.sections or {})
    sections[section] = content
    item.sections = sections

    changes = Changes()
    changes.save(item)
    before_level = case.risk_need_level
    cases.hold(changes, case, changed=section == "1" and apply_level(
        case, with_replaced(store.case_records(case)[0], item)))
    changes.create(audit.entry(
        audit.case_entity(case.case_id), service_id=case.service_id, action="assessment.section-saved",
        actor_id=caller.user_id, before={"riskNeedLevel": before_level} if section == "1" else None,
        after={"assessmentId": item.assessment_id, "section": section,
               **({"total": content["total"], "riskNeedLevel": case.risk_need_level} if section == "1" else {})},
    ))
    _commit(changes, "assessment", lambda: state(find(case, assessment_id)))
    count("AssessmentSectionSaved")
    return assessment_out(item)


def _section_content(section: str, body: SectionIn, item: AssessmentItem) -> dict[str, Any]:
    """Each section takes what belongs to it; anything else is refused naming the field."""
    owned = (("scores", body.scores, "1"), ("fullAssessmentMerited", body.full_assessment_merited, "7"),
             ("planType", body.plan_type, "7.4"))
    for name, given, owner in owned:
        if given is not None and section != owner:
            raise Invalid(name, f"belongs to section {owner} only")
    content: dict[str, Any] = {"answers": body.answers, "text": body.text}
    if section == "1":
        if body.scores is None:
            raise Invalid("scores", "section 1 needs the score of every subcomponent")
        scores = body.scores.model_dump(by_alias=True)
        content.update(scores=scores, total=scoring.total(scores))
    elif section == "7":
        if body.full_assessment_merited is None:
            raise Invalid("fullAssessmentMerited", "section 7 needs the 7.3.2 answer")
        content["fullAssessmentMerited"] = body.full_assessment_merited
    elif section == "7.4":
        seven = (item.sections or {}).get("7") or {}
        if not seven.get("fullAssessmentMerited"):
            raise Invalid("section", "7.4 is completed only when 7.3.2 says a full risk of serious harm "
                                     "assessment is merited")
        if body.plan_type is None:
            raise Invalid("planType", "7.4 ends in the plan type: cmp or rmp")
        content["planType"] = body.plan_type
    return content


def lock(caller: Caller, case_id: str, assessment_id: str, if_match: int | None) -> AssessmentOut:
    """LSA-5: a completed assessment is locked; from then on it can't be edited."""
    case = case_for_change(caller, case_id)
    item = _editable(case, assessment_id, if_match)
    missing = [s for s in _required_sections(item) if s not in (item.sections or {})]
    if missing:
        raise Invalid("sections", "complete these sections before locking: " + ", ".join(missing))
    status = (item.override or {}).get("status")
    if status == "pending":
        raise Conflict("An override awaits a manager's decision: lock after it is decided.",
                       current=state(item))
    if status == "not-approved":
        raise Conflict("The override was not approved: withdraw it (section 6) before locking.",
                       current=state(item))
    locked_at = clock.stamp()
    item.status, item.locked_by, item.locked_at = "locked", caller.user_id, locked_at
    changes = Changes()
    changes.save(item)
    cases.hold(changes, case, changed=False)
    # THR-1/THR-2: the assessment or reassessment the case's throughcare deadlines wait for
    met = throughcare.assessment_locked(changes, case, item, by=caller.user_id, at=locked_at)
    changes.create(audit.entry(
        audit.case_entity(case.case_id), service_id=case.service_id, action="assessment.locked",
        actor_id=caller.user_id, after={"assessmentId": item.assessment_id, "kind": item.assessment_kind,
                                        **({"deadlinesMet": met} if met else {})},
    ))
    _commit(changes, "assessment", lambda: state(find(case, assessment_id)))
    count("AssessmentLocked")
    return assessment_out(item)


def _required_sections(item: AssessmentItem) -> list[str]:
    sections = item.sections or {}
    merited = bool((sections.get("7") or {}).get("fullAssessmentMerited"))
    return [s for s in scoring.SECTIONS[item.assessment_kind] if s != "7.4" or merited]


# ---------------------------------------------------------------- overrides (section 6)


def request_override(caller: Caller, case_id: str, assessment_id: str, body: OverrideIn) -> ApprovalOut:
    """APR-1/2: an override of the score-driven level, recorded in section 6 and sent for a manager's approval."""

    case = case_for_change(caller, case_id)
    item = _editable(case, assessment_id, None)
    if item.assessment_kind != "full":
        raise Invalid("assessmentId", "only a full LS/CMI 1-8 assessment has a section 6 override")
    original = scoring.assessment_score_level(item.sections or {})
    if original is None:
        raise Invalid("requestedLevel", "score section 1 first: the override departs from its level")
    if body.requested_level == original:
        raise Invalid("requestedLevel", f"the score-driven level is already {original}")
    if item.override and item.override.get("status") == "pending":
        raise Conflict("An override of this assessment already awaits a decision.", current=state(item))
    approval = approval_requests.new_request(
        caller, case, "override", body.rationale, assessment_id=item.assessment_id, original_level=original,
        requested_level=body.requested_level.value, override_kind=body.kind)
    item.override = {"kind": body.kind, "originalLevel": original, "requestedLevel": body.requested_level.value,
                     "rationale": body.rationale, "status": "pending", "approvalId": approval.approval_id}
    changes = Changes()
    changes.save(item)
    existing, _, _ = store.case_records(case)
    # a previously approved override stops applying
    cases.hold(changes, case, changed=apply_level(case, with_replaced(existing, item)))
    approval_requests.add_request(changes, caller, case, approval)
    _commit(changes, "assessment", lambda: state(find(case, assessment_id)))
    count("OverrideRequested")
    return approval_requests.approval_out(approval)


def withdraw_override(caller: Caller, case_id: str, assessment_id: str) -> AssessmentOut:
    """APR-2: after a 'not approve' the assessor withdraws the override (6.2/6.3 back to no)."""
    case = case_for_change(caller, case_id)
    item = _editable(case, assessment_id, None)
    status = (item.override or {}).get("status")
    if status is None:
        raise Conflict("The assessment has no override to withdraw.", current=state(item))
    if status == "pending":
        raise Conflict("The override awaits a manager's decision.", current=state(item))
    before = dict(item.override or {})
    item.override = None
    changes = Changes()
    changes.save(item)
    before_level = case.risk_need_level
    existing, _, _ = store.case_records(case)
    cases.hold(changes, case, changed=apply_level(case, with_replaced(existing, item)))
    changes.create(audit.entry(
        audit.case_entity(case.case_id), service_id=case.service_id, action="assessment.override-withdrawn",
        actor_id=caller.user_id, before={"override": before, "riskNeedLevel": before_level},
        after={"assessmentId": item.assessment_id, "riskNeedLevel": case.risk_need_level},
    ))
    _commit(changes, "assessment", lambda: state(find(case, assessment_id)))
    return assessment_out(item)


# ---------------------------------------------------------------- management plans (sections 9-11)


def start_plan(caller: Caller, case_id: str, body: PlanIn) -> PlanOut:
    """LSA-4: the plan the locked assessment's section 7 (and 7.4) decided: case or risk management plan."""
    case = case_for_change(caller, case_id)
    _no_closure_waiting(case, "plan")
    item = store.assessment(case, body.assessment_id) if ids.is_ulid(body.assessment_id) else None
    if item is None:
        raise Invalid("assessmentId", "no assessment with this id in the case")
    if item.assessment_kind != "full" or item.status != "locked":
        raise Invalid("assessmentId", "a plan follows a locked full LS/CMI 1-8 assessment")
    kind = scoring.plan_type(item.sections or {})
    if kind is None:
        raise Invalid("assessmentId", "the assessment's section 7.4 does not say which plan is needed")
    _, plans, _ = store.case_records(case)
    if any(p.assessment_id == item.assessment_id for p in plans):
        raise Conflict("This assessment already has its plan.", current=cases.state(case))
    plan = store.new_plan(case, plan_id=ids.ulid(), assessment_id=item.assessment_id, plan_type=kind,
                          created_by=caller.user_id, created_at=clock.stamp())
    changes = Changes()
    changes.create(plan)
    # A plan decides which closure the case may ask for (APR-1) and that its assessment has its plan; the locked
    # assessment it follows is held by the case too (an unlock moves the case on).
    cases.hold(changes, case, changed=True)
    changes.create(audit.entry(
        audit.case_entity(case.case_id), service_id=case.service_id, action="plan.started", actor_id=caller.user_id,
        after={"planId": plan.plan_id, "planType": kind, "assessmentId": item.assessment_id},
    ))
    _commit(changes, "case", lambda: cases.state_now(caller, case.case_id))
    count("PlanStarted")
    return plan_out(plan)


def save_plan_section(caller: Caller, case_id: str, plan_id: str, section: str, body: PlanSectionIn,
                      if_match: int | None) -> PlanOut:
    case = case_for_change(caller, case_id)
    plan = store.plan(case, plan_id) if ids.is_ulid(plan_id) else None
    if plan is None:
        raise NotFound("No plan with that id in this case.")
    check_if_match(if_match, plan, "plan", lambda: plan_out(plan).model_dump(mode="json", by_alias=True))
    if section not in scoring.PLAN_SECTIONS:
        raise Invalid("section", "a plan has sections 9 (plan), 10 (progress record) and 11 (discharge summary)")
    if section != "9" and (body.actions or body.contingency is not None):
        raise Invalid("actions", "actions and a contingency plan belong to section 9")
    if section == "9" and plan.plan_type == "rmp" and not (body.contingency or "").strip():
        raise Invalid("contingency", "a risk management plan includes a contingency plan")
    if section == "9" and plan.plan_type == "cmp" and body.contingency is not None:
        raise Invalid("contingency", "a contingency plan belongs to a risk management plan, not a case management "
                                     "plan")
    content: dict[str, Any] = {"answers": body.answers, "text": body.text, "savedBy": caller.user_id,
                               "savedAt": clock.stamp()}
    if section == "9":
        content["actions"] = [a.model_dump() for a in body.actions]
        if body.contingency is not None:
            content["contingency"] = body.contingency
    plan.sections = {**(plan.sections or {}), section: content}
    changes = Changes()
    changes.save(plan)
    cases.hold(changes, case, changed=False)  # a closed case's plan is final
    changes.create(audit.entry(
        audit.case_entity(case.case_id), service_id=case.service_id, action="plan.section-saved",
        actor_id=caller.user_id, after={"planId": plan.plan_id, "section": section},
    ))
    _commit(changes, "plan", lambda: _plan_state(case, plan_id))
    return plan_out(plan)


def _plan_state(case: CaseItem, plan_id: str) -> dict[str, Any]:
    found = store.plan(case, plan_id)
    if found is None:
        raise NotFound("No plan with that id in this case.")
    return plan_out(found).model_dump(mode="json", by_alias=True)


def history(caller: Caller, case_id: str) -> HistoryOut:
    """LSA-6: every assessment, reassessment and plan of the case, including a previous plan of the other type."""
    case = cases.load(caller, case_id)
    found, plans, _ = store.case_records(case)
    return HistoryOut(case_id=case.case_id, risk_need_level=case.risk_need_level,
                      assessments=[assessment_out(a) for a in found], plans=[plan_out(p) for p in plans])


# ---------------------------------------------------------------- shapes


def assessment_out(item: AssessmentItem) -> AssessmentOut:
    sections = item.sections or {}
    override = item.override
    return AssessmentOut(
        assessment_id=item.assessment_id, case_id=item.case_id, kind=item.assessment_kind,
        reassessment_of=item.reassessment_of, status=item.status,
        sections={k: section_out(v) for k, v in sections.items()},
        score_level=scoring.assessment_score_level(sections),
        level=scoring.assessment_level(sections, override),
        override=override, plan_type=scoring.plan_type(sections), created_by=item.created_by,
        created_at=item.created_at, locked_by=item.locked_by, locked_at=item.locked_at,
        version=int(item.version or 0),
    )


def state(item: AssessmentItem) -> dict[str, Any]:
    """An assessment as a 409 answer carries it."""
    return assessment_out(item).model_dump(mode="json", by_alias=True)


def plan_out(plan: PlanItem) -> PlanOut:
    return PlanOut(plan_id=plan.plan_id, case_id=plan.case_id, assessment_id=plan.assessment_id,
                   plan_type=plan.plan_type,
                   sections={k: section_out(v) for k, v in (plan.sections or {}).items()},
                   created_by=plan.created_by, created_at=plan.created_at, version=int(plan.version or 0))


def section_out(content: dict[str, Any]) -> SectionOut:
    return SectionOut(
        answers=content.get("answers") or {}, text=content.get("text") or "", scores=content.get("scores"),
        total=content.get("total"), full_assessment_merited=content.get("fullAssessmentMerited"),
        plan_type=content.get("planType"), actions=content.get("actions"), contingency=content.get("contingency"),
        saved_by=content["savedBy"], saved_at=content["savedAt"],
    )

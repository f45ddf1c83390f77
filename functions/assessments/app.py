"""Assessments function: LS/CMI assessments, overrides, management plans, case history, throughcare events and
record maintenance."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path

from casework import api
from casework.lscmi import assessments, maintenance, throughcare
from casework.schemas.approvals import ApprovalOut
from casework.schemas.assessments import (
    AssessmentIn,
    AssessmentOut,
    HistoryOut,
    MaintenanceIn,
    MaintenanceOut,
    OverrideIn,
    PlanIn,
    PlanOut,
    PlanSectionIn,
    SectionIn,
)
from casework.schemas.throughcare import CaseEventIn, CaseEventListOut, CaseEventOut

app = api.resolver()

CaseId = Annotated[str, Path(min_length=1, max_length=64)]
RecordId = Annotated[str, Path(min_length=1, max_length=64)]
Section = Annotated[str, Path(min_length=1, max_length=20, description="e.g. ohf, 1 .. 8, 7.4, 9, 10, 11")]


@app.post("/cases/<caseId>/assessments", tags=["Assessments"])
def start(caseId: CaseId, body: AssessmentIn) -> Response[AssessmentOut]:
    caller = api.caller(app)
    return api.created(api.once(app, f"assessments.start.{caseId}", body, AssessmentOut,
                                lambda: assessments.start(caller, caseId, body)))


@app.post("/cases/<caseId>/reassessments", tags=["Assessments"])
def reassess(caseId: CaseId) -> Response[AssessmentOut]:
    return api.created(assessments.reassess(api.caller(app), caseId))


@app.get("/cases/<caseId>/history", tags=["Assessments"])
def history(caseId: CaseId) -> HistoryOut:
    return assessments.history(api.caller(app), caseId)


@app.get("/cases/<caseId>/assessments/<assessmentId>", tags=["Assessments"])
def assessment(caseId: CaseId, assessmentId: RecordId) -> Response[AssessmentOut]:
    found = assessments.get(api.caller(app), caseId, assessmentId)
    return api.with_etag(found, found.version)


@app.put("/cases/<caseId>/assessments/<assessmentId>/sections/<section>", tags=["Assessments"])
def save_section(caseId: CaseId, assessmentId: RecordId, section: Section, body: SectionIn
                 ) -> Response[AssessmentOut]:
    saved = assessments.save_section(api.caller(app), caseId, assessmentId, section, body, api.if_match(app))
    return api.with_etag(saved, saved.version)


@app.post("/cases/<caseId>/assessments/<assessmentId>/lock", tags=["Assessments"])
def lock(caseId: CaseId, assessmentId: RecordId) -> Response[AssessmentOut]:
    locked = assessments.lock(api.caller(app), caseId, assessmentId, api.if_match(app))
    return api.with_etag(locked, locked.version)


@app.post("/cases/<caseId>/assessments/<assessmentId>/override", tags=["Assessments"])
def request_override(caseId: CaseId, assessmentId: RecordId, body: OverrideIn) -> Response[ApprovalOut]:
    return api.created(assessments.request_override(api.caller(app), caseId, assessmentId, body))


@app.delete("/cases/<caseId>/assessments/<assessmentId>/override", tags=["Assessments"])
def withdraw_override(caseId: CaseId, assessmentId: RecordId) -> AssessmentOut:
    return assessments.withdraw_override(api.caller(app), caseId, assessmentId)


@app.post("/cases/<caseId>/plans", tags=["Assessments"])
def start_plan(caseId: CaseId, body: PlanIn) -> Response[PlanOut]:
    return api.created(assessments.start_plan(api.caller(app), caseId, body))


@app.put("/cases/<caseId>/plans/<planId>/sections/<section>", tags=["Assessments"])
def save_plan_section(caseId: CaseId, planId: RecordId, section: Section, body: PlanSectionIn) -> Response[PlanOut]:
    saved = assessments.save_plan_section(api.caller(app), caseId, planId, section, body, api.if_match(app))
    return api.with_etag(saved, saved.version)


# ---------------------------------------------------------------- throughcare events (THR-1, THR-2)


@app.post("/cases/<caseId>/events", tags=["Throughcare"])
def record_event(caseId: CaseId, body: CaseEventIn) -> Response[CaseEventOut]:
    caller = api.caller(app)
    return api.created(api.once(app, f"throughcare.event.{caseId}", body, CaseEventOut,
                                lambda: throughcare.record_event(caller, caseId, body)))


@app.get("/cases/<caseId>/events", tags=["Throughcare"])
def events(caseId: CaseId) -> CaseEventListOut:
    return throughcare.events(api.caller(app), caseId)


# ---------------------------------------------------------------- record maintenance (DEL)


@app.post("/cases/<caseId>/assessments/<assessmentId>/deletion", tags=["Record maintenance"])
def delete_assessment(caseId: CaseId, assessmentId: RecordId, body: MaintenanceIn) -> MaintenanceOut:
    return maintenance.delete_assessment(api.caller(app), caseId, assessmentId, body)


@app.post("/cases/<caseId>/assessments/<assessmentId>/unlock", tags=["Record maintenance"])
def unlock(caseId: CaseId, assessmentId: RecordId, body: MaintenanceIn) -> MaintenanceOut:
    return maintenance.unlock(api.caller(app), caseId, assessmentId, body)


@app.post("/cases/<caseId>/deletion", tags=["Record maintenance"])
def delete_case(caseId: CaseId, body: MaintenanceIn) -> MaintenanceOut:
    return maintenance.delete_case(api.caller(app), caseId, body)


@app.post("/people/<urn>/deletion", tags=["Record maintenance"])
def delete_person(urn: Annotated[str, Path(min_length=3, max_length=40, pattern=r"^[A-Za-z0-9-]+$")],
                  body: MaintenanceIn) -> MaintenanceOut:
    return maintenance.delete_person(api.caller(app), urn, body)


handler = api.entrypoint(app)

"""Children function: C&F assessments (CSC-1), statutory visit notes (CSC-2) and failed visits (CSC-3), each
timescale a deadline the compliance sweep watches."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path

from casework import api
from casework.children import cf, failed, visits
from casework.schemas.children import (
    CfIn,
    CfOut,
    CommentIn,
    CompletionIn,
    FailedVisitDecisionIn,
    FailedVisitsOut,
    PriorityIn,
    VisitIn,
    VisitOut,
)

app = api.resolver()

CaseId = Annotated[str, Path(min_length=1, max_length=64)]
RecordId = Annotated[str, Path(min_length=1, max_length=64)]


@app.post("/cases/<caseId>/cf-assessments", tags=["Children"])
def start_cf(caseId: CaseId, body: CfIn) -> Response[CfOut]:
    caller = api.caller(app)
    answer = api.once(app, f"children.cf.start#{caseId}", body, CfOut, lambda: cf.start(caller, caseId, body))
    return api.with_etag(answer, answer.version, status=201)


@app.get("/cases/<caseId>/cf-assessments", tags=["Children"])
def cf_assessments(caseId: CaseId) -> list[CfOut]:
    return cf.assessments(api.caller(app), caseId)


@app.get("/cases/<caseId>/cf-assessments/<assessmentId>", tags=["Children"])
def cf_assessment(caseId: CaseId, assessmentId: RecordId) -> Response[CfOut]:
    answer = cf.assessment(api.caller(app), caseId, assessmentId)
    return api.with_etag(answer, answer.version)


@app.put("/cases/<caseId>/cf-assessments/<assessmentId>/priority", tags=["Children"])
def set_cf_priority(caseId: CaseId, assessmentId: RecordId, body: PriorityIn) -> Response[CfOut]:
    answer = cf.set_priority(api.caller(app), caseId, assessmentId, body)
    return api.with_etag(answer, answer.version)


@app.post("/cases/<caseId>/cf-assessments/<assessmentId>/completion", tags=["Children"])
def complete_cf(caseId: CaseId, assessmentId: RecordId, body: CompletionIn) -> Response[CfOut]:
    answer = cf.complete(api.caller(app), caseId, assessmentId, body)
    return api.with_etag(answer, answer.version)


@app.post("/cases/<caseId>/visits", tags=["Children"])
def record_visit(caseId: CaseId, body: VisitIn) -> Response[VisitOut]:
    caller = api.caller(app)
    answer = api.once(app, f"children.visit#{caseId}", body, VisitOut, lambda: visits.record(caller, caseId, body))
    return api.with_etag(answer, answer.version, status=201)


@app.get("/cases/<caseId>/visits", tags=["Children"])
def case_visits(caseId: CaseId) -> list[VisitOut]:
    return visits.visits(api.caller(app), caseId)


@app.get("/cases/<caseId>/visits/<visitId>", tags=["Children"])
def visit(caseId: CaseId, visitId: RecordId) -> Response[VisitOut]:
    answer = visits.visit(api.caller(app), caseId, visitId)
    return api.with_etag(answer, answer.version)


@app.post("/cases/<caseId>/visits/<visitId>/comments", tags=["Children"])
def comment_on_visit(caseId: CaseId, visitId: RecordId, body: CommentIn) -> Response[VisitOut]:
    caller = api.caller(app)
    answer = api.once(app, f"children.visit.comment#{visitId}", body, VisitOut,
                      lambda: visits.comment(caller, caseId, visitId, body))
    return api.with_etag(answer, answer.version, status=201)


@app.post("/cases/<caseId>/visits/<visitId>/finalise", tags=["Children"])
def finalise_visit(caseId: CaseId, visitId: RecordId) -> Response[VisitOut]:
    answer = visits.finalise(api.caller(app), caseId, visitId)
    return api.with_etag(answer, answer.version)


@app.post("/cases/<caseId>/failed-visits/decisions", tags=["Children"])
def failed_visit_decision(caseId: CaseId, body: FailedVisitDecisionIn) -> Response[FailedVisitsOut]:
    caller = api.caller(app)
    return api.created(api.once(app, f"children.failed-visits.decision#{caseId}", body, FailedVisitsOut,
                                lambda: failed.decide(caller, caseId, body)))


handler = api.entrypoint(app)

"""Approvals function: closure requests, the approvals table and managers' decisions."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path

from casework import api
from casework.lscmi import approvals
from casework.schemas.approvals import ApprovalOut, ClosureIn, DecisionIn, DecisionOut
from casework.schemas.common import Page

app = api.resolver()

ApprovalId = Annotated[str, Path(min_length=1, max_length=64)]


@app.post("/cases/<caseId>/closure-requests", tags=["Approvals"])
def request_closure(caseId: Annotated[str, Path(min_length=1, max_length=64)], body: ClosureIn
                    ) -> Response[ApprovalOut]:
    return api.created(approvals.request_closure(api.caller(app), caseId, body))


@app.get("/approvals", tags=["Approvals"])
def approvals_table(limit: api.Limit = 50, next_token: api.Next = None) -> Page[ApprovalOut]:
    return approvals.approvals_table(api.caller(app), limit, next_token)


@app.get("/approvals/<approvalId>", tags=["Approvals"])
def approval(approvalId: ApprovalId) -> ApprovalOut:
    return approvals.approval(api.caller(app), approvalId)


@app.post("/approvals/<approvalId>/decision", tags=["Approvals"])
def decide(approvalId: ApprovalId, body: DecisionIn) -> DecisionOut:
    return approvals.decide(api.caller(app), approvalId, body)


handler = api.entrypoint(app)

"""Assignment function: assign and unassign, the unassigned table, caseloads and the worktray."""

from __future__ import annotations

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from casework import api, assignment, worktray
from casework.schemas.cases import AssignmentIn, AssignmentOut, CaseOut
from casework.schemas.common import Page
from casework.schemas.work import TaskOut

app = api.resolver()

Status = Annotated[Literal["open", "closed", "all"], Query()]
Sort = Annotated[Literal["surname", "caseNumber"], Query()]


@app.put("/cases/<caseId>/assignment", tags=["Assignment"])
def assign(caseId: Annotated[str, Path(min_length=1, max_length=64)], body: AssignmentIn) -> Response[AssignmentOut]:
    answer = assignment.assign(api.caller(app), caseId, body, api.if_match(app))
    return api.with_etag(answer, answer.case.version)


@app.get("/cases/unassigned", tags=["Assignment"])
def unassigned(sort: Sort = "surname", limit: api.Limit = 50, next_token: api.Next = None) -> Page[CaseOut]:
    return assignment.unassigned_table(api.caller(app), sort=sort, limit=limit, next_token=next_token)


@app.get("/users/<userId>/caseload", tags=["Assignment"])
def caseload(
    userId: Annotated[str, Path(min_length=1, max_length=64)],
    status: Status = "open",
    sort: Sort = "surname",
    limit: api.Limit = 50,
    next_token: api.Next = None,
) -> Page[CaseOut]:
    return assignment.caseload(api.caller(app), userId, status=status, sort=sort, limit=limit,
                               next_token=next_token)


@app.get("/me/caseload", tags=["Assignment"])
def my_caseload(status: Status = "open", sort: Sort = "surname", limit: api.Limit = 50,
                next_token: api.Next = None) -> Page[CaseOut]:
    caller = api.caller(app)
    return assignment.caseload(caller, caller.user_id, status=status, sort=sort, limit=limit,
                               next_token=next_token)


@app.get("/me/worktray", tags=["Worktray"])
def my_worktray(status: Annotated[Literal["open", "all"], Query()] = "open", limit: api.Limit = 50,
                next_token: api.Next = None) -> Page[TaskOut]:
    return worktray.worktray(api.caller(app), status=status, limit=limit, next_token=next_token)


@app.post("/worktray/<taskId>/complete", tags=["Worktray"])
def complete_task(taskId: Annotated[str, Path(min_length=1, max_length=64)]) -> TaskOut:
    return worktray.complete(api.caller(app), taskId)


handler = api.entrypoint(app)

"""Compliance function: deadlines at a glance (CMP-5) and on a case, and the scheduled sweep that raises their
alerts and escalations once per stage (CMP-1, CMP-2)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from casework import api, children  # noqa: F401  (children registers what its stages do: finalising notes)
from casework.compliance import overview, sweep
from casework.schemas.common import Page
from casework.schemas.compliance import DeadlineOut

app = api.resolver()

CaseId = Annotated[str, Path(min_length=1, max_length=64)]


@app.get("/deadlines", tags=["Compliance"])
def team_deadlines(state: Annotated[Literal["open", "approaching", "passed"], Query()] = "open",
                   limit: api.Limit = 50, next_token: api.Next = None) -> Page[DeadlineOut]:
    return overview.team(api.caller(app), state=state, limit=limit, next_token=next_token)


@app.get("/cases/<caseId>/deadlines", tags=["Compliance"])
def case_deadlines(caseId: CaseId) -> list[DeadlineOut]:
    return overview.of_case(api.caller(app), caseId)


http_handler = api.entrypoint(app)
sweep_handler = api.scheduled_within(sweep.sweep)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The schedule's event (`{"sweep": "deadlines"}`): the sweep. Everything else: HTTP."""
    if event.get("sweep") == "deadlines":
        return sweep_handler(event, context)
    return http_handler(event, context)

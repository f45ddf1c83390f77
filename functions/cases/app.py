"""Cases function: the caller, the rights catalogue, people, cases, the system cases table and audit."""

from __future__ import annotations

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from casework import api, cases, children, directory  # noqa: F401  (children: what opening a case starts, CSC-2)
from casework.schemas.cases import CaseIn, CaseOut, PersonIn, PersonOut
from casework.schemas.common import Page
from casework.schemas.directory import AccessRightOut, MeOut
from casework.schemas.work import AuditEntryOut

app = api.resolver()

CaseId = Annotated[str, Path(min_length=1, max_length=64)]


@app.get("/me", tags=["Directory"])
def me() -> MeOut:
    return directory.me(api.caller(app))


@app.get("/access-rights", tags=["Directory"])
def access_rights() -> list[AccessRightOut]:
    return directory.access_rights()


@app.post("/people", tags=["People"])
def record_person(body: PersonIn) -> Response[PersonOut]:
    caller = api.caller(app)
    return api.created(api.once(app, "people.record", body, PersonOut, lambda: cases.record_person(caller, body)))


@app.get("/people/<urn>", tags=["People"])
def person(urn: Annotated[str, Path(min_length=3, max_length=40, pattern=r"^[A-Za-z0-9-]+$")]) -> PersonOut:
    return cases.person(api.caller(app), urn)


@app.get("/people/<urn>/audit", tags=["People"])
def person_audit(urn: Annotated[str, Path(min_length=3, max_length=40, pattern=r"^[A-Za-z0-9-]+$")],
                 limit: api.Limit = 50, next_token: api.Next = None) -> Page[AuditEntryOut]:
    return cases.person_audit(api.caller(app), urn, limit, next_token)


@app.post("/cases", tags=["Cases"])
def open_case(body: CaseIn) -> Response[CaseOut]:
    caller = api.caller(app)
    return api.created(api.once(app, "cases.open", body, CaseOut, lambda: cases.open_case(caller, body)))


@app.get("/cases", tags=["Cases"])
def cases_table(
    status: Annotated[Literal["open", "closed", "all"], Query()] = "open",
    assigned_to: Annotated[str | None, Query(alias="assignedTo", max_length=64)] = None,
    sort: Annotated[Literal["surname", "caseNumber"], Query()] = "surname",
    limit: api.Limit = 50,
    next_token: api.Next = None,
) -> Page[CaseOut]:
    return cases.cases_table(api.caller(app), status=status, assigned_to=assigned_to, sort=sort, limit=limit,
                             next_token=next_token)


@app.get("/cases/<caseId>", tags=["Cases"])
def case(caseId: CaseId) -> Response[CaseOut]:
    found = cases.case(api.caller(app), caseId)
    return api.with_etag(found, found.version)


@app.get("/cases/<caseId>/audit", tags=["Cases"])
def case_audit(caseId: CaseId, limit: api.Limit = 50, next_token: api.Next = None) -> Page[AuditEntryOut]:
    return cases.audit_trail(api.caller(app), caseId, limit, next_token)


handler = api.entrypoint(app)

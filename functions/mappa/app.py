"""MAPPA function: a person's MAPPA discussions (MAP-1..4), details only for the confidential right (MAP-2)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path

from casework import api, mappa
from casework.schemas.mappa import MappaIn, MappaListOut, MappaOut, MappaPatch

app = api.resolver()

Urn = Annotated[str, Path(min_length=3, max_length=40)]
DiscussionId = Annotated[str, Path(min_length=1, max_length=64)]


@app.post("/people/<urn>/mappa", tags=["MAPPA"])
def record(urn: Urn, body: MappaIn) -> Response[MappaOut]:
    caller = api.caller(app)
    answer = api.once(app, f"mappa.record#{urn.upper()}", body, MappaOut, lambda: mappa.record(caller, urn, body))
    return api.with_etag(answer, answer.version, status=201)


@app.get("/people/<urn>/mappa", tags=["MAPPA"])
def discussions(urn: Urn) -> MappaListOut:
    return mappa.discussions(api.caller(app), urn)


@app.get("/mappa/<discussionId>", tags=["MAPPA"])
def discussion(discussionId: DiscussionId) -> Response[MappaOut]:
    answer = mappa.discussion(api.caller(app), discussionId)
    return api.with_etag(answer, answer.version)


@app.patch("/mappa/<discussionId>", tags=["MAPPA"])
def amend(discussionId: DiscussionId, body: MappaPatch) -> Response[MappaOut]:
    answer = mappa.amend(api.caller(app), discussionId, body, api.if_match(app))
    return api.with_etag(answer, answer.version)


handler = api.entrypoint(app)

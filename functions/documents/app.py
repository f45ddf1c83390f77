"""Documents function: the service's document library over HTTP, and the S3 upload events from its queue."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path

from casework import api, library
from casework.schemas.common import Page
from casework.schemas.library import DocumentIn, DocumentOut, UploadOut, VersionOut

app = api.resolver()

DocId = Annotated[str, Path(min_length=1, max_length=64)]


@app.get("/library", tags=["Library"])
def listing(limit: api.Limit = 50, next_token: api.Next = None) -> Page[DocumentOut]:
    return library.listing(api.caller(app), limit, next_token)


@app.post("/library", tags=["Library"])
def add(body: DocumentIn) -> Response[UploadOut]:
    caller = api.caller(app)
    return api.created(api.once(app, "library.add", body, UploadOut, lambda: library.add(caller, body)))


@app.get("/library/<docId>", tags=["Library"])
def document(docId: DocId) -> DocumentOut:
    return library.document(api.caller(app), docId)


@app.put("/library/<docId>", tags=["Library"])
def replace(docId: DocId, body: DocumentIn) -> UploadOut:
    return library.replace(api.caller(app), docId, body)


@app.delete("/library/<docId>", tags=["Library"])
def delete(docId: DocId) -> Response[None]:
    library.delete(api.caller(app), docId)
    return Response(status_code=204)


@app.get("/library/<docId>/versions", tags=["Library"])
def versions(docId: DocId, limit: api.Limit = 50, next_token: api.Next = None) -> Page[VersionOut]:
    return library.versions(api.caller(app), docId, limit, next_token)


@app.get("/library/<docId>/versions/<versionId>", tags=["Library"])
def version(docId: DocId, versionId: Annotated[str, Path(min_length=1, max_length=64)]) -> VersionOut:
    return library.version(api.caller(app), docId, versionId)


http_handler = api.entrypoint(app)
uploads_handler = api.queue_batch(library.confirm_uploads)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """HTTP requests go to the routes; SQS batches (S3 upload events) are confirmed one record at a time, and
    only the records that failed come back (ReportBatchItemFailures)."""
    if "Records" in event:
        return uploads_handler(event, context)
    return http_handler(event, context)

"""Transfer function: destinations and allowed senders, exports, imports (upload, confirm, cancel), and the S3
events of uploaded transfer files and inbound mail from its queue."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from casework import api
from casework.schemas.common import Page
from casework.schemas.transfer import (
    ConfirmIn,
    DestinationIn,
    DestinationOut,
    ExportIn,
    ExportOut,
    ImportIn,
    ImportOut,
    ImportStatus,
    SenderIn,
    SenderOut,
)
from casework.transfer import addresses, imports, inbound, outbound

app = api.resolver()

JobId = Annotated[str, Path(min_length=1, max_length=64)]


@app.get("/destinations", tags=["Transfer"])
def destinations(limit: api.Limit = 50, next_token: api.Next = None) -> Page[DestinationOut]:
    return addresses.destinations(api.caller(app), limit, next_token)


@app.post("/destinations", tags=["Transfer"])
def add_destination(body: DestinationIn) -> Response[DestinationOut]:
    return api.created(addresses.add_destination(api.caller(app), body))


@app.delete("/destinations/<destinationId>", tags=["Transfer"])
def remove_destination(destinationId: JobId) -> Response[None]:
    addresses.remove_destination(api.caller(app), destinationId)
    return Response(status_code=204)


@app.get("/import-senders", tags=["Transfer"])
def senders(limit: api.Limit = 50, next_token: api.Next = None) -> Page[SenderOut]:
    return addresses.senders(api.caller(app), limit, next_token)


@app.post("/import-senders", tags=["Transfer"])
def add_sender(body: SenderIn) -> Response[SenderOut]:
    return api.created(addresses.add_sender(api.caller(app), body))


@app.delete("/import-senders/<email>", tags=["Transfer"])
def remove_sender(email: Annotated[str, Path(min_length=3, max_length=254)]) -> Response[None]:
    addresses.remove_sender(api.caller(app), email)
    return Response(status_code=204)


@app.post("/exports", tags=["Transfer"])
def export(body: ExportIn) -> Response[ExportOut]:
    caller = api.caller(app)
    return api.created(api.once(app, "transfer.export", body, ExportOut, lambda: outbound.export(caller, body)))


@app.get("/exports", tags=["Transfer"])
def exports(limit: api.Limit = 50, next_token: api.Next = None) -> Page[ExportOut]:
    return outbound.exports(api.caller(app), limit, next_token)


@app.get("/exports/<exportId>", tags=["Transfer"])
def export_of(exportId: JobId) -> ExportOut:
    return outbound.export_of(api.caller(app), exportId)


@app.post("/imports", tags=["Transfer"])
def start_import(body: ImportIn) -> Response[ImportOut]:
    caller = api.caller(app)
    return api.created(api.once(app, "transfer.import", body, ImportOut, lambda: imports.start_import(caller, body)))


@app.get("/imports", tags=["Transfer"])
def list_imports(status: Annotated[ImportStatus | None, Query()] = None, limit: api.Limit = 50,
                 next_token: api.Next = None) -> Page[ImportOut]:
    return imports.imports(api.caller(app), status.value if status else None, limit, next_token)


@app.get("/imports/<importId>", tags=["Transfer"])
def import_of(importId: JobId) -> ImportOut:
    return imports.import_of(api.caller(app), importId)


@app.post("/imports/<importId>/confirm", tags=["Transfer"])
def confirm(importId: JobId, body: ConfirmIn) -> ImportOut:
    return imports.confirm(api.caller(app), importId, body)


@app.delete("/imports/<importId>", tags=["Transfer"])
def cancel(importId: JobId) -> ImportOut:
    return imports.cancel(api.caller(app), importId)


http_handler = api.entrypoint(app)
events_handler = api.queue_batch(inbound.handle_message)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """HTTP requests go to the routes; SQS batches (S3 events of uploads and inbound mail) are handled a record at
    a time, and only the records that failed come back (ReportBatchItemFailures)."""
    if "Records" in event:
        return events_handler(event, context)
    return http_handler(event, context)

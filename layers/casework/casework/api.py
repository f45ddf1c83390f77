"""The one resolver factory: validation, the caller, problem+json errors, paging and ETags."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from pydantic import BaseModel

from casework import directory, idempotency
from casework.access import Caller
from casework.errors import BadRequest, CaseworkError, NotFound, Unauthorized
from casework.observability import Handler, logger, metrics, traced

T = TypeVar("T", bound=BaseModel)

# The paging parameters every list route takes (DESIGN: limit default 50, at most 200; opaque next).
Limit = Annotated[int, Query(ge=1, le=200, description="Page size (default 50, at most 200).")]
Next = Annotated[str | None, Query(alias="next", max_length=2048, description="Token from the previous page.")]
PROBLEM = "application/problem+json"
_TYPE_BASE = "https://casework.invalid/problems/"


def problem(error: CaseworkError) -> Response[Any]:
    return Response(status_code=error.status, content_type=PROBLEM, body=json.dumps(_problem_body(error)))


def _problem_body(error: CaseworkError) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": _TYPE_BASE + error.slug,
        "title": error.title,
        "status": error.status,
        "detail": error.detail,
    }
    if error.errors:
        body["errors"] = error.errors
    body.update(error.extra)
    return body


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def _validation_problem(error: RequestValidationError) -> Response[Any]:
    problems = error.errors()
    if any(p.get("type") == "json_invalid" for p in problems):
        return problem(BadRequest("The body is not valid JSON.", errors=[{"field": "body", "message": "invalid JSON"}]))
    errors = [{"field": _field(tuple(p.get("loc", ()))), "message": str(p.get("msg", "invalid"))} for p in problems]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return problem(_Unprocessable(detail, errors=errors))


class _Unprocessable(CaseworkError):
    status, title, slug = 422, "Invalid request", "invalid"


def resolver() -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(enable_validation=True)

    @app.exception_handler(CaseworkError)
    def _domain_error(error: CaseworkError) -> Response[Any]:
        if error.status >= 500:
            logger.exception("domain error")
        return problem(error)

    @app.exception_handler(RequestValidationError)
    def _invalid(error: RequestValidationError) -> Response[Any]:
        return _validation_problem(error)

    @app.not_found
    def _no_route(_: Exception) -> Response[Any]:
        return problem(NotFound("No such route."))

    return app


def caller(app: APIGatewayHttpResolver) -> Caller:
    return app.context["caller"]  # type: ignore[no-any-return]


def header(app: APIGatewayHttpResolver, name: str) -> str | None:
    return (app.current_event.headers or {}).get(name.lower())


def once(app: APIGatewayHttpResolver, operation: str, request: BaseModel, out: type[T],
         action: Callable[[], T]) -> T:
    """Run a creation once per `Idempotency-Key` header (when the client sends one)."""
    return idempotency.once(header(app, "Idempotency-Key"), caller(app), operation, request, out, action,
                            lambda_context=getattr(app, "lambda_context", None))


_VERSION_ETAG = re.compile(r'(?:W/)?"?([0-9]{1,18})"?')  # ASCII digits: isdigit() passes "²", int() refuses it


def if_match(app: APIGatewayHttpResolver) -> int | None:
    """The version a client last read (`If-Match: "3"`), checked by `casework.versions.check_if_match`; `*` (any
    version, RFC 9110) is no condition; anything else is refused."""
    value = header(app, "if-match")
    if value is None or value.strip() == "*":
        return None
    found = _VERSION_ETAG.fullmatch(value.strip())
    if found is None:
        raise BadRequest("If-Match must be an ETag this API issued.",
                         errors=[{"field": "If-Match", "message": "not a version ETag"}])
    return int(found.group(1))


def with_etag(body: Any, version: int, status: int = 200) -> Response[Any]:
    return Response(status_code=status, content_type="application/json", body=body,
                    headers={"ETag": f'"{version}"'})


def created(body: Any) -> Response[Any]:
    return Response(status_code=201, content_type="application/json", body=body)


def _body_problem(event: dict[str, Any]) -> CaseworkError | None:
    """Powertools raises on a body that is not UTF-8: refuse it as a client's mistake instead."""
    body = event.get("body")
    if body is None:
        return None
    try:
        raw = base64.b64decode(body, validate=True) if event.get("isBase64Encoded") else body.encode("utf-8")
        raw.decode("utf-8")
    except (binascii.Error, ValueError, UnicodeError):
        return BadRequest("The body must be UTF-8 JSON.", errors=[{"field": "body", "message": "not UTF-8"}])
    return None


def _identify(event: dict[str, Any]) -> Caller:
    claims = (((event.get("requestContext") or {}).get("authorizer") or {}).get("jwt") or {}).get("claims") or {}
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise Unauthorized("A valid token is required.")
    return directory.caller_for(sub)


def observed(handle: Handler, correlation_id_path: str | None = None) -> Handler:
    """What every way into a function goes through (HTTP, queue batches, schedules): this invocation's Lambda
    context on each log line (and no keys left from the last one, such as its correlation id), the tracer when
    on, and the metrics flushed as EMF when the invocation ends."""
    return logger.inject_lambda_context(correlation_id_path=correlation_id_path, clear_state=True)(
        metrics.log_metrics(traced(handle))
    )


def entrypoint(app: APIGatewayHttpResolver) -> Handler:
    """The Lambda handler: refuse bad bodies and unknown or locked callers before any route runs."""

    def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
        try:
            bad = _body_problem(event)
            if bad is not None:
                raise bad
            app.append_context(caller=_identify(event))
        except CaseworkError as error:
            return {
                "statusCode": error.status,
                "headers": {"Content-Type": PROBLEM},
                "body": json.dumps(_problem_body(error)),
                "isBase64Encoded": False,
            }
        return app.resolve(event, context)

    return observed(handle, correlation_paths.API_GATEWAY_HTTP)


def queue_batch(handle_body: Callable[[str], None]) -> Handler:
    """The Lambda handler of an SQS batch, a message body at a time; only the messages that failed come back
    (ReportBatchItemFailures), so SQS retries those alone and the rest are done."""

    def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
        # imported here: ~30 ms that an HTTP cold start doesn't need
        from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

        return process_partial_response(event=event, record_handler=lambda record: handle_body(record.body),
                                        processor=BatchProcessor(event_type=EventType.SQS), context=context)

    return observed(handle)


def scheduled(run: Callable[[], dict[str, Any]]) -> Handler:
    """The Lambda handler of a schedule's run; the run's summary is its answer."""
    return observed(lambda event, context: run())

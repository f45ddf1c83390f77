"""The one resolver factory: validation, the caller, problem+json errors, paging and ETags."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from itertools import accumulate
from typing import Annotated, Any, TypeVar

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from pydantic import BaseModel

from casework import directory, idempotency
from casework.access import Caller
from casework.errors import BadRequest, CaseworkError, NotFound, Unauthorized, UnsupportedMediaType
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
    problems = error.errors()  # the body is JSON by now (`_checked_body`): these are about its shape
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


JSON = "application/json"
MAX_DEPTH = 64  # far more than any request model nests; 1,000 levels (a 2 KB body) overflowed the parser's stack
# A JSON string, or an unterminated one to the end of the text: it matches at every quote, so a scan is linear.
_STRING = re.compile(r'"[^"\\]*+(?:\\[\s\S][^"\\]*+)*+(?:"|\\?\Z)')
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_NESTING = {"[": 1, "{": 1, "]": -1, "}": -1}


def _checked_body(event: dict[str, Any]) -> dict[str, Any]:
    """The one guard on a request body, before any route reads it: UTF-8 JSON (no Content-Type, or
    application/json with any parameters), nested at most MAX_DEPTH deep, that Python reads as written. What it
    refuses, powertools answered with a 500 (not UTF-8, too deep, multipart without a boundary, a 5,000-digit
    number) or with a 415 of its own shape. An empty body is no body, whatever its declared type: a route that
    reads none is not refused for it, and one that needs a body says it is missing. Returns the event to route,
    with the Content-Type powertools goes by (application/json) when one was declared."""
    headers = event.get("headers") or {}
    declared = next((str(v) for k, v in headers.items() if k.lower() == "content-type"), None)
    if event.get("body"):
        _check_json(_body_text(event, declared or ""))
    if declared is None:
        return event
    return {**event, "headers": {**{k: v for k, v in headers.items() if k.lower() != "content-type"},
                                 "content-type": JSON}}


def _body_text(event: dict[str, Any], declared: str) -> str:
    media_type = declared.split(";", 1)[0].strip().lower()
    if declared.strip() and media_type != JSON:
        shown = declared[:100]
        reason = f"{shown} is not accepted: send {JSON}"
        raise UnsupportedMediaType(f"The body must be JSON (Content-Type: {JSON}), not {shown}.",
                                   errors=[{"field": "Content-Type", "message": reason}])
    body = event["body"]
    try:
        raw = base64.b64decode(body, validate=True) if event.get("isBase64Encoded") else body.encode("utf-8")
        return raw.decode("utf-8")
    except (binascii.Error, ValueError):  # a UnicodeError is a ValueError
        raise _bad_body("not UTF-8", "The body must be UTF-8 JSON.") from None


def _check_json(text: str) -> None:
    """Depth first, counted without recursion (brackets outside strings), so the parser never nests past it."""
    nesting = accumulate(map(_NESTING.__getitem__, _NOT_BRACKETS.sub("", _STRING.sub("", text))))
    if any(map(MAX_DEPTH.__lt__, nesting)):
        raise _bad_body(f"nested deeper than {MAX_DEPTH} levels",
                        f"The body is nested deeper than {MAX_DEPTH} levels.")
    try:
        json.loads(text, parse_constant=_not_json)
    except json.JSONDecodeError as error:
        raise _bad_body(f"invalid JSON: {error.msg} (line {error.lineno}, column {error.colno})",
                        "The body is not valid JSON.") from None
    except ValueError:  # an integer longer than Python converts (4,300 digits)
        raise _bad_body("invalid JSON: a number too long to read", "The body is not valid JSON.") from None


def _not_json(constant: str) -> Any:
    raise _bad_body(f"invalid JSON: {constant} is not a JSON value", "The body is not valid JSON.")


def _bad_body(reason: str, detail: str) -> BadRequest:
    return BadRequest(detail, errors=[{"field": "body", "message": reason}])


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
            event = _checked_body(event)
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


def queue_batch(handle_body: Callable[[str], object]) -> Handler:
    """The Lambda handler of an SQS batch, a message body at a time; only the messages that failed come back
    (ReportBatchItemFailures), so SQS retries those alone and the rest are done."""

    def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
        # imported here: ~30 ms that an HTTP cold start doesn't need
        from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

        return dict(process_partial_response(event=event, record_handler=lambda record: handle_body(record.body),
                                             processor=BatchProcessor(event_type=EventType.SQS), context=context))

    return observed(handle)


def scheduled(run: Callable[[], dict[str, Any]]) -> Handler:
    """The Lambda handler of a schedule's run; the run's summary is its answer."""
    return observed(lambda event, context: run())


def scheduled_within(run: Callable[[float], dict[str, Any]], *, margin_seconds: float = 15.0) -> Handler:
    """A schedule's run given the seconds it may take: the invocation's time left less a margin, so that it stops
    (leaving the rest for the next run) before Lambda would stop it part-way."""

    def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
        left = context.get_remaining_time_in_millis() / 1000 if context is not None else 60.0
        return run(max(1.0, left - margin_seconds))

    return observed(handle)

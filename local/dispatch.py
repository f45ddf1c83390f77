"""One request in, one Lambda response out: the route from the template, the event as API Gateway builds it, and
the answers API Gateway gives itself before or instead of a function's (its own `{"message": ...}` shape)."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from local import template
from local.events import LambdaContext, http_event
from local.lambdas import FunctionError

# API Gateway's integration timeout for an HTTP API: past it the client gets 503 while the function runs on.
INTEGRATION_TIMEOUT_S = 30.0

Run = Callable[[template.Function, dict[str, Any]], Any]


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def gateway_error(status: int, message: str) -> Answer:
    """An answer API Gateway makes itself: no route, no valid token, too large, the function failed or was late."""
    return Answer(status, {"content-type": "application/json"}, json.dumps({"message": message}).encode())


_idle: dict[str, list[tuple[int, Any]]] = {}  # in-process "instances" of each function handling nothing now
_instances: dict[str, int] = {}
_pool = threading.Lock()


def _in_process(function: template.Function, event: dict[str, Any]) -> Any:
    """Handle the event in this process, in an instance of the function that handles nothing else meanwhile: a
    handler module's resolver holds the current event and caller, so two events at once (a test's threads) each
    get their own copy of the module, as two Lambda instances would. One at a time always uses the first."""
    with _pool:
        free = _idle.setdefault(function.name, [])
        if free:
            instance, handler = free.pop(free.index(min(free, key=lambda pair: pair[0])))
        else:
            instance = _instances.get(function.name, 0)
            _instances[function.name] = instance + 1
            handler = None
    if handler is None:
        handler = template.handler_of(function, instance)
    try:
        return handler(event, LambdaContext(function.name))
    finally:
        with _pool:
            _idle[function.name].append((instance, handler))


def invoke(method: str, path: str, *, query: str = "", headers: dict[str, str] | None = None,
           body: bytes | str | None = None, claims: dict[str, Any] | None, run: Run | None = None,
           integration_timeout_s: float | None = None) -> Answer:
    """`path` as the client sent it: API Gateway (HTTP API) percent-decodes it before routing and hands the
    function the decoded path and parameters. `claims=None` means the JWT authorizer refused the request.
    `run` invokes the function (in this process unless told otherwise, so a test sees a handler's exception)."""
    path = unquote(path)
    found = template.match(method, path)
    if found is None:
        return gateway_error(404, "Not Found")
    if claims is None:
        return gateway_error(401, "Unauthorized")
    route, params = found
    function = template.functions()[route.function]
    event = http_event(method, path, route_key=route.key, path_parameters=params, query=query,
                       headers=headers, body=body, claims=claims)
    if run is None:
        return _answer(_in_process(function, event))
    return _through_integration(run, function, event, integration_timeout_s or INTEGRATION_TIMEOUT_S)


def _through_integration(run: Run, function: template.Function, event: dict[str, Any], timeout_s: float) -> Answer:
    """The Lambda integration: a function error is API Gateway's 500; no answer in time is its 503, and the
    invocation goes on (Lambda does not stop a function because the client stopped waiting)."""
    outcome: dict[str, Any] = {}
    done = threading.Event()

    def call() -> None:
        try:
            outcome["result"] = run(function, event)
        except FunctionError as error:
            outcome["error"] = error
        finally:
            done.set()

    threading.Thread(target=call, name=f"invoke-{function.name}", daemon=True).start()
    if not done.wait(timeout_s):
        return gateway_error(503, "Service Unavailable")
    if "error" in outcome:
        return gateway_error(500, "Internal Server Error")
    result = outcome["result"]
    if not isinstance(result, dict) or "statusCode" not in result:  # payload 2.0: any other JSON is a 200 body
        return Answer(200, {"content-type": "application/json"}, json.dumps(result).encode())
    return _answer(result)


def _answer(result: dict[str, Any]) -> Answer:
    headers = {k.lower(): str(v) for k, v in (result.get("headers") or {}).items()}
    for key, values in (result.get("multiValueHeaders") or {}).items():
        headers[key.lower()] = ", ".join(values)
    raw = result.get("body") or ""
    body = base64.b64decode(raw) if result.get("isBase64Encoded") else raw.encode("utf-8")
    return Answer(int(result.get("statusCode", 200)), headers, body)

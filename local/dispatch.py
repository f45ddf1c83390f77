"""One request in, one Lambda response out: the route from the template, the event as API Gateway builds it."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from local import template
from local.events import LambdaContext, http_event


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def _problem(status: int, title: str, detail: str) -> Answer:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return Answer(status, {"content-type": "application/problem+json"}, json.dumps(body).encode())


def invoke(method: str, path: str, *, query: str = "", headers: dict[str, str] | None = None,
           body: bytes | str | None = None, claims: dict[str, Any] | None) -> Answer:
    """`claims=None` means the JWT authorizer refused the request (API Gateway answers 401 itself)."""
    found = template.match(method, path)
    if found is None:
        return _problem(404, "Not Found", "No route matches this method and path.")
    if claims is None:
        return _problem(401, "Unauthorized", "A valid bearer token is required.")
    route, params = found
    function = template.functions()[route.function]
    event = http_event(method, path, route_key=route.key, path_parameters=params, query=query,
                       headers=headers, body=body, claims=claims)
    result = template.handler_of(function)(event, LambdaContext(function.name))
    return _answer(result)


def _answer(result: dict[str, Any]) -> Answer:
    headers = {k.lower(): str(v) for k, v in (result.get("headers") or {}).items()}
    for key, values in (result.get("multiValueHeaders") or {}).items():
        headers[key.lower()] = ", ".join(values)
    raw = result.get("body") or ""
    body = base64.b64decode(raw) if result.get("isBase64Encoded") else raw.encode("utf-8")
    return Answer(int(result.get("statusCode", 200)), headers, body)

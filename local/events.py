"""API Gateway HTTP API (payload 2.0) events, built as API Gateway builds them, from `events/`."""

from __future__ import annotations

import base64
import copy
import json
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

EVENTS = Path(__file__).resolve().parent.parent / "events"


def sample(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return event


def http_event(
    method: str,
    path: str,
    *,
    route_key: str,
    path_parameters: dict[str, str] | None = None,
    query: str = "",
    headers: dict[str, str] | None = None,
    body: bytes | str | None = None,
    claims: dict[str, Any] | None = None,
    source_ip: str = "127.0.0.1",
) -> dict[str, Any]:
    event = copy.deepcopy(sample("http-api-request.json"))
    now = time.time()
    request_id = uuid.uuid4().hex
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    event.update(
        routeKey=route_key,
        rawPath=path,
        rawQueryString=query,
        headers=lowered,
        cookies=[],
    )
    params: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        params[key] = f"{params[key]},{value}" if key in params else value
    event["queryStringParameters"] = params or None
    event["pathParameters"] = path_parameters or None
    if event["queryStringParameters"] is None:
        event.pop("queryStringParameters")
    if event["pathParameters"] is None:
        event.pop("pathParameters")
    context = event["requestContext"]
    stamp = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now))
    context.update(requestId=request_id, routeKey=route_key, time=stamp, timeEpoch=int(now * 1000))
    context["http"].update(method=method.upper(), path=path, sourceIp=source_ip,
                           userAgent=lowered.get("user-agent", ""))
    if claims is None:
        context.pop("authorizer", None)
    else:
        context["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    if body is None:
        event.pop("body", None)
        event["isBase64Encoded"] = False
    elif isinstance(body, bytes):
        try:
            event["body"] = body.decode("utf-8")
            event["isBase64Encoded"] = False
        except UnicodeDecodeError:
            event["body"] = base64.b64encode(body).decode()
            event["isBase64Encoded"] = True
    else:
        event["body"] = body
        event["isBase64Encoded"] = False
    return event


class LambdaContext:
    """Enough of Lambda's context object for powertools."""

    def __init__(self, function_name: str, timeout_s: int = 10) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:eu-west-2:000000000000:function:{function_name}"
        self.memory_limit_in_mb = 512
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._deadline = time.time() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.time()) * 1000))

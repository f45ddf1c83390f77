"""The HTTP API on 127.0.0.1: verifies Cognito tokens as API Gateway's JWT authorizer does, then
dispatches to the same handlers Lambda runs. Also serves /openapi.json, Swagger UI at /docs, and
local-only helpers under /local/ (fresh tokens, firing schedules, draining queues)."""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from local import dispatch, openapi
from local.cloud import Cloud
from local.drivers import Drivers, Invoker

MAX_BODY = 10 * 1024 * 1024  # API Gateway's payload limit
CLOCK_REACH_SECONDS = 100 * 366 * 86400  # how far the local clock may move: every date stays computable


class Authorizer:
    """API Gateway's JWT authorizer: signature from the issuer's JWKS, issuer, audience, expiry."""

    def __init__(self, cloud: Cloud) -> None:
        self.issuer = cloud.issuer
        self.audience = cloud.client_id
        url = f"{cloud.endpoint}/{cloud.user_pool_id}/.well-known/jwks.json"
        with urllib.request.urlopen(url, timeout=5) as answer:
            self.keys = KeySet.import_key_set(json.loads(answer.read()))

    def claims(self, authorization: str | None) -> dict[str, str] | None:
        if not authorization:
            return None
        token = authorization.removeprefix("Bearer ").strip()
        try:
            decoded = jwt.decode(token, self.keys, algorithms=["RS256"])
            jwt.JWTClaimsRegistry(iss={"essential": True, "value": self.issuer},
                                  exp={"essential": True}).validate(decoded.claims)
        except (JoseError, ValueError):
            return None
        claims = decoded.claims
        audience = claims.get("aud") if claims.get("token_use") == "id" else claims.get("client_id")
        if audience != self.audience and not (isinstance(audience, list) and self.audience in audience):
            return None
        # API Gateway hands claims to the function as strings.
        return {k: v if isinstance(v, str) else json.dumps(v) if isinstance(v, (list, dict)) else str(v)
                for k, v in claims.items()}


class Gateway:
    def __init__(self, cloud: Cloud, drivers: Drivers, invoke: Invoker, host: str = "127.0.0.1",
                 port: int = 3000) -> None:
        self.cloud = cloud
        self.drivers = drivers
        self.invoke = invoke
        self.authorizer = Authorizer(cloud)
        self._doc: str | None = None
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt: str, *args: Any) -> None:
                return

            def _any(self) -> None:
                gateway.handle(self)

            def __getattr__(self, name: str) -> Any:
                # Every method reaches the gateway (TRACE, PROPFIND ...), as API Gateway takes them: an HTTP
                # method with no route is its 404, never the standard library's 501 page.
                if name.startswith("do_"):
                    return self._any
                raise AttributeError(name)

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.socket.getsockname()[:2]  # = server_address, which is typed for any socket family
        return f"http://{host}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # ------------------------------------------------------------------ requests

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(request.path)
        try:
            length = int(request.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self._send_gateway(request, dispatch.gateway_error(400, "Bad Request"), close=True)
            return
        if length > MAX_BODY:  # the body is not read: the connection is closed after the answer
            self._send_gateway(request, dispatch.gateway_error(413, "Request Entity Too Large"), close=True)
            return
        body = request.rfile.read(length) if length else None
        try:
            if parts.path == "/openapi.json":
                self._send(request, 200, {"content-type": "application/json"}, self.document().encode())
            elif parts.path == "/docs":
                self._send(request, 200, {"content-type": "text/html; charset=utf-8"}, self.swagger().encode())
            elif parts.path.startswith("/local/"):
                status, payload = self.local(request.command, parts.path, body)
                self._send(request, status, {"content-type": "application/json"}, json.dumps(payload).encode())
            else:
                headers = {k.lower(): v for k, v in request.headers.items()}
                claims = self.authorizer.claims(headers.get("authorization"))
                answer = self._dispatch(request.command, parts.path, parts.query, headers, body, claims)
                self._send(request, answer.status, answer.headers, answer.body)
        except Exception:  # whatever fails here is API Gateway's 500, never a dropped connection
            self._send_gateway(request, dispatch.gateway_error(500, "Internal Server Error"))

    def _dispatch(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes | None,
                  claims: dict[str, str] | None) -> dispatch.Answer:
        """Each call runs in an instance of its function; concurrent calls run in parallel instances."""
        return dispatch.invoke(method, path, query=query, headers=headers, body=body, claims=claims, run=self.invoke)

    def _send_gateway(self, request: BaseHTTPRequestHandler, answer: dispatch.Answer, close: bool = False) -> None:
        if close:
            request.close_connection = True
            answer.headers["connection"] = "close"
        self._send(request, answer.status, answer.headers, answer.body)

    @staticmethod
    def _send(request: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes) -> None:
        request.send_response(status)
        for key, value in headers.items():
            if key != "content-length":
                request.send_header(key, value)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        if request.command != "HEAD":
            request.wfile.write(body)

    # ------------------------------------------------------------------ documents

    def document(self) -> str:
        if self._doc is None:
            doc = openapi.document()
            doc["servers"] = [{"url": "/"}]
            self._doc = json.dumps(doc)
        return self._doc

    def swagger(self) -> str:
        from aws_lambda_powertools.event_handler.openapi import swagger_ui
        from aws_lambda_powertools.event_handler.openapi.swagger_ui import generate_swagger_html

        folder = Path(swagger_ui.__file__).parent
        js = (folder / "swagger-ui-bundle.min.js").read_text(encoding="utf-8")
        css = (folder / "swagger-ui.min.css").read_text(encoding="utf-8")
        return generate_swagger_html(self.document().replace("</", "<\\/"), js, css, "", None, True)

    # ------------------------------------------------------------------ local helpers

    def local(self, method: str, path: str, body: bytes | None) -> tuple[int, Any]:
        if method == "POST" and path == "/local/token":
            try:
                data = json.loads(body or b"{}")
                email, password = data["email"], data["password"]
            except (ValueError, KeyError, TypeError):
                return 400, {"detail": 'send {"email": "...", "password": "..."}'}
            return self.token(email, password)
        if method == "POST" and path.startswith("/local/schedules/"):
            name = path.removeprefix("/local/schedules/")
            try:
                return 200, {"schedule": name, "result": self.drivers.fire(name)}
            except KeyError:
                return 404, {"detail": f"no schedule named {name} in template.yaml"}
        if path == "/local/clock" and method in ("GET", "POST"):
            return self.clock((body or b"") if method == "POST" else None)  # a POST without a body is refused
        if method == "POST" and path == "/local/queues/drain":
            return 200, {"delivered": self.drivers.drain()}
        if method == "POST" and path == "/local/mail":
            return self.mail(body or b"")
        return 404, {"detail": "local helpers: POST /local/token, POST /local/schedules/{name}, "
                               "GET or POST /local/clock, POST /local/queues/drain, POST /local/mail"}

    def clock(self, raw: bytes | None) -> tuple[int, Any]:
        """The local run's clock, for every function at once: `{"at": "2027-01-04T09:00:00Z"}` sets it,
        `{"days": 3, "hours": 2, "minutes": 30}` moves it on from where it is, `{"reset": true}` puts it back."""
        path = os.environ.get("CASEWORK_LOCAL_CLOCK")
        if not path:
            return 404, {"detail": "this run has no movable clock (CASEWORK_LOCAL_CLOCK is not set)"}
        try:
            offset = float(Path(path).read_text(encoding="utf-8").strip() or 0)
        except (OSError, ValueError):
            offset = 0.0
        if raw is not None:
            try:
                data = json.loads(raw or b"{}")
                if not isinstance(data, dict) or not data:
                    raise ValueError
                if data.get("reset") is True:
                    offset = 0.0
                elif "at" in data:
                    at = datetime.fromisoformat(str(data["at"]).replace("Z", "+00:00"))
                    if at.tzinfo is None:
                        raise ValueError
                    offset = (at - datetime.now(UTC)).total_seconds()
                else:
                    moves = {k: data[k] for k in ("days", "hours", "minutes") if k in data}
                    if not moves or set(data) - set(moves) or not all(
                            isinstance(v, int | float) and not isinstance(v, bool) for v in moves.values()):
                        raise ValueError
                    offset += timedelta(**{k: float(v) for k, v in moves.items()}).total_seconds()
                if abs(offset) > CLOCK_REACH_SECONDS:
                    raise ValueError
            except (ValueError, TypeError, OverflowError):
                return 400, {"detail": 'send {"at": "<instant with a zone>"}, {"days": n, "hours": n, "minutes": n} '
                                       'or {"reset": true}, within 100 years of now'}
            partial = Path(path + ".partial")
            partial.write_text(repr(offset), encoding="utf-8")
            partial.replace(path)
        now = datetime.now(UTC) + timedelta(seconds=offset)
        return 200, {"now": now.isoformat(timespec="seconds").replace("+00:00", "Z"), "offsetSeconds": offset}

    def mail(self, raw: bytes) -> tuple[int, Any]:
        """What SES's receipt rule does: store an inbound message (a raw .eml) in the inbound mail bucket, whose
        S3 event then reaches the transfer function through its queue."""
        bucket = self.cloud.buckets.get("InboundMailBucket")
        if bucket is None:
            return 404, {"detail": "template.yaml has no InboundMailBucket"}
        if not raw.strip():
            return 400, {"detail": "send the message (a .eml file) as the body"}
        key = f"inbound/local-{time.time_ns()}"
        self.cloud.client("s3").put_object(Bucket=bucket, Key=key, Body=raw)
        return 202, {"stored": key, "bucket": bucket}

    def token(self, email: str, password: str) -> tuple[int, Any]:
        idp = self.cloud.client("cognito-idp")
        try:
            result = idp.initiate_auth(ClientId=self.cloud.client_id, AuthFlow="USER_PASSWORD_AUTH",
                                       AuthParameters={"USERNAME": email, "PASSWORD": password})
        except idp.exceptions.ClientError as error:
            return 401, {"detail": error.response["Error"].get("Message", "sign-in refused")}
        auth = result["AuthenticationResult"]
        return 200, {"idToken": auth["IdToken"], "accessToken": auth["AccessToken"],
                     "expiresIn": auth.get("ExpiresIn", 3600), "issuedAt": int(time.time())}

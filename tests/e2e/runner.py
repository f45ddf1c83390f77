"""Start `python -m local` as a real process on a free port, and stop it cleanly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import requests

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")


class LocalRun:
    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self._dir = tempfile.TemporaryDirectory()
        ready = Path(self._dir.name) / "ready.json"
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "RECORDS_", "DIRECTORY_",
                                                                          "WORK_", "AUDIT_", "JOBS_"))}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "local", "--port", "0", "--quiet", "--ready-file", str(ready), *args],
            cwd=ROOT, env={**clean, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        deadline = time.time() + 90
        while not ready.exists():
            if self.process.poll() is not None or time.time() > deadline:
                output = self.process.stdout.read() if self.process.stdout else ""
                self.stop()
                raise RuntimeError(f"local run did not start:\n{output}")
            time.sleep(0.1)
        self.ready: dict[str, Any] = json.loads(ready.read_text())
        self.url: str = self.ready["url"]

    def token(self, variable: str) -> str:
        return next(u["token"] for u in self.ready["users"] if u["variable"] == variable)

    def user_id(self, variable: str) -> str:
        return next(u["userId"] for u in self.ready["users"] if u["variable"] == variable)

    def call(self, method: str, path: str, as_user: str | None = None, **kw: Any) -> requests.Response:
        headers = kw.pop("headers", {})
        if as_user:
            headers["Authorization"] = f"Bearer {self.token(as_user)}"
        return requests.request(method, self.url + path, headers=headers, timeout=30, **kw)

    def api(self) -> HttpApi:
        """The same calls as `tests.support.Api`, over HTTP: a test's helpers (tests/integration/lscmi_flow.py)
        work against the runner too, with users named by their token variable (`COMMUNITY_LEADER`)."""
        return HttpApi(self)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()
        self._dir.cleanup()


class HttpAnswer:
    def __init__(self, response: requests.Response) -> None:
        self.status = response.status_code
        self.headers = {k.lower(): v for k, v in response.headers.items()}
        self.body = response.content

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class HttpApi:
    def __init__(self, run: LocalRun) -> None:
        self.run = run

    def call(self, method: str, path: str, user: str | None, *, body: Any = None,
             query: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> HttpAnswer:
        raw = body if isinstance(body, (bytes, str)) or body is None else json.dumps(body)
        hdrs = {"content-type": "application/json", **(headers or {})}
        return HttpAnswer(self.run.call(method, path, user, params=query, headers=hdrs, data=raw))

    def get(self, path: str, user: str | None, **kw: Any) -> HttpAnswer:
        return self.call("GET", path, user, **kw)

    def post(self, path: str, user: str | None, body: Any = None, **kw: Any) -> HttpAnswer:
        return self.call("POST", path, user, body=body, **kw)

    def put(self, path: str, user: str | None, body: Any = None, **kw: Any) -> HttpAnswer:
        return self.call("PUT", path, user, body=body, **kw)

    def delete(self, path: str, user: str | None, **kw: Any) -> HttpAnswer:
        return self.call("DELETE", path, user, **kw)


def at_once(**calls: Callable[[], T]) -> dict[str, T]:
    """Each call from its own thread, all released by one barrier; the answers by name. Against the local run,
    whose instances answer in parallel, the calls really race."""
    start = threading.Barrier(len(calls))

    def fire(call: Callable[[], T]) -> T:
        start.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = {name: pool.submit(fire, call) for name, call in calls.items()}
        return {name: future.result(timeout=120) for name, future in futures.items()}


def new_case(run: LocalRun, user: str, prefix: str, surname: str = "Brodie") -> dict[str, Any]:
    """A new person (a fresh URN starting with `prefix`) with one open LS/CMI case, unassigned; the case."""
    urn = f"{prefix}-{uuid.uuid4().hex[:8].upper()}"
    made = run.call("POST", "/people", user, json={
        "urn": urn, "forename": "Ailsa", "surname": surname, "dateOfBirth": "1990-06-01"})
    assert made.status_code == 201, made.text
    case = run.call("POST", "/cases", user, json={"urn": urn, "caseType": "ls-cmi"})
    assert case.status_code == 201, case.text
    return dict(case.json())

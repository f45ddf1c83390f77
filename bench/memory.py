"""The local run's memory under imports: `python -m local` as a user starts it, driven over HTTP.

Two imports of 1,000 records each (10 people of 100 records: the person and 99 cases), uploaded with the presigned
form and imported through the S3 event's queue, then a replace of the first 1,000 (the same people from other
files: each waits in conflict and is confirmed). The resident memory (RSS) is sampled every 0.2 s:
- **server**: the runner's own process, which holds moto (all of DynamoDB, S3 and SQS) and the gateway;
- **with instances**: the server plus every Lambda instance it runs (each a process of its own).
The budget is on the server, after the replace: at most 1,500 MB (`BUDGET_MB`). Linux only (reads /proc).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

from bench.common import ROOT, table

PEOPLE = 10
CASES_PER_PERSON = 99  # + the person: 100 records each, 1,000 a set
BUDGET_MB = 1500
LEADER = "COMMUNITY_LEADER"


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _descendants(pid: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        found += children
        todo += children
    return found


class Sampler:
    """Peak RSS of the server process, and of the server with its instances, per phase."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.phase = "start"
        self.peaks: dict[str, dict[str, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            server = _rss_mb(self.pid)
            total = server + sum(_rss_mb(p) for p in _descendants(self.pid))
            peak = self.peaks.setdefault(self.phase, {"server_mb": 0.0, "with_instances_mb": 0.0})
            peak["server_mb"] = max(peak["server_mb"], server)
            peak["with_instances_mb"] = max(peak["with_instances_mb"], total)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def now(self) -> dict[str, float]:
        server = _rss_mb(self.pid)
        return {"server_mb": round(server), "with_instances_mb": round(
            server + sum(_rss_mb(p) for p in _descendants(self.pid)))}


def run(log: Any = print) -> dict[str, Any]:
    import requests

    from local import env

    env.configure(None)  # the transfer files are built with the layer here; the run gets its own environment
    from tests.e2e.runner import LocalRun

    run_ = LocalRun()
    try:
        token = {"Authorization": f"Bearer {run_.token(LEADER)}"}

        def call(method: str, path: str, **kw: Any) -> Any:
            answer = requests.request(method, run_.url + path, headers=token, timeout=300, **kw)
            assert answer.status_code < 300, (path, answer.status_code, answer.text)
            return answer.json()

        def upload(files: list[bytes]) -> list[str]:
            jobs = []
            for raw in files:
                started = call("POST", "/imports", json={"size": len(raw)})
                form = started["upload"]
                sent = requests.post(form["url"], data=form["fields"], files={"file": ("f.json", raw)}, timeout=60)
                assert sent.status_code in (200, 201, 204), sent.text
                jobs.append(started["importId"])
            return jobs

        def settle(jobs: list[str], until: set[str]) -> None:
            for job in jobs:
                deadline = time.time() + 600
                while (status := call("GET", f"/imports/{job}")["status"]) not in until:
                    assert time.time() < deadline, (job, status)
                    time.sleep(0.2)
                assert status in until, status

        from tests.support import bulk_transfer_file

        def files(prefix: str, surname: str) -> list[bytes]:
            return [bulk_transfer_file(f"{prefix}-{p:04d}", f"{surname}{p}", CASES_PER_PERSON) for p in range(PEOPLE)]

        timings: dict[str, float] = {}
        with Sampler(run_.process.pid) as sampler:
            time.sleep(1)
            at_start = sampler.now()
            for phase, prefix, surname in (("import 1", "MEM-A", "First"), ("import 2", "MEM-B", "Second")):
                sampler.phase = phase
                began = time.perf_counter()
                settle(upload(files(prefix, surname)), {"imported"})
                timings[phase] = time.perf_counter() - began
            sampler.phase = "replace"
            began = time.perf_counter()
            waiting = upload(files("MEM-A", "Replaced"))
            settle(waiting, {"conflict"})
            for job in waiting:
                assert call("POST", f"/imports/{job}/confirm", json={"reopenLatestCase": False})["status"] == "imported"
            timings["replace"] = time.perf_counter() - began
            time.sleep(1)
            after = sampler.now()
        people = call("GET", "/cases", params={"limit": 1})  # still answering
        assert "items" in people
    finally:
        run_.stop()

    phases = ["start", "import 1", "import 2", "replace"]
    rows = [[p, f"{sampler.peaks.get(p, {}).get('server_mb', 0):.0f}",
             f"{sampler.peaks.get(p, {}).get('with_instances_mb', 0):.0f}",
             f"{timings[p]:.1f}" if p in timings else ""] for p in phases]
    peak_server = max(v["server_mb"] for v in sampler.peaks.values())
    log("\nlocal run memory: two 1,000-record imports and a replace of 1,000, over HTTP (peak RSS, MB)")
    log(table(["phase", "server", "with instances", "seconds"], rows, right={1, 2, 3}))
    verdict = "within" if peak_server <= BUDGET_MB else "OVER"
    log(f"server at start {at_start['server_mb']} MB, after the replace {after['server_mb']} MB; "
        f"peak {peak_server:.0f} MB against a budget of {BUDGET_MB} MB: {verdict}")
    return {
        "method": {"what": __doc__.strip().splitlines()[0], "records_per_import": PEOPLE * (CASES_PER_PERSON + 1),
                   "sampling_seconds": 0.2, "budget_mb": BUDGET_MB,
                   "instances_per_function": int(os.environ.get("LOCAL_LAMBDA_INSTANCES", 4))},
        "peaks_mb": {p: {k: round(v) for k, v in sampler.peaks.get(p, {}).items()} for p in phases},
        "at_start_mb": at_start, "after_replace_mb": after,
        "seconds": {k: round(v, 2) for k, v in timings.items()},
        "peak_server_mb": round(peak_server), "within_budget": peak_server <= BUDGET_MB,
    }


if __name__ == "__main__":
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    print(json.dumps(run(), indent=2))

"""The compliance sweep (CMP-2) by deadlines held: its DynamoDB items read per deadline due, its requests per alert
raised and its alerts per second, with the same deadlines due whether 1,000 or 100,000 are held.

Each size gets fresh tables from `template.yaml` in moto in-process (`mock_aws`), made faithful as the local run
makes its back end (`local.faithful`: atomic requests, and a cancelled transaction undoes only its own items rather
than a copy of the whole table). A children's service in England is set up through `casework.admin` (a leader, 4
practice managers under them, 20 social workers under those), then the Records table is bulk-loaded with PynamoDB
batch writes: cases (one per 100 deadlines, at least one per deadline due) and `size` deadlines on them, each as
`compliance.deadlines.start` leaves one (its stages from `rules.ladder`, its index keys from the store):

- `due` of them (100) have a stage due now: half their "approaching" alert (to the worker), half their "passed"
  alert (to the worker and their practice manager), the approaching one already raised;
- a tenth of the rest are met (in neither index), the others open with every stage still ahead (all in the due
  index, due over the coming year).

The schedule's event then goes to the compliance function's handler, as the local runner's instances invoke it
(`local.drivers.schedules()`, the function's template timeout), with every DynamoDB request counted by
`bench.dynamo.Meter`; then once more, which must find nothing. It runs in a child process (`python -m
bench.compliance`): it patches moto, which must not leak into the other benchmarks.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import ROOT, table

SERVICE = "sweep"
NATION = "england"
MANAGERS = 4
WORKERS = 20
DUE = 100
NOW = datetime(2027, 3, 3, 9, tzinfo=UTC)  # Wednesday 3 March 2027, GMT
CREATED = NOW - timedelta(days=20)  # when the deadlines were set


def run(sizes: list[int], due: int = DUE, log: Any = print) -> dict[str, Any]:
    """In a child process (see the module's docstring)."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "compliance.json"
        done = subprocess.run([sys.executable, "-m", "bench.compliance", "--sizes", ",".join(map(str, sizes)),
                               "--due", str(due), "--json", str(out)], cwd=ROOT, capture_output=True, text=True)
        log(done.stdout.rstrip())
        if done.returncode != 0 or not out.exists():
            return {"benchmark": "compliance", "sizes": sizes, "problems": [done.stderr[-3000:]]}
        return json.loads(out.read_text())  # type: ignore[no-any-return]


# ---------------------------------------------------------------- the service and its deadlines


def _people() -> tuple[str, list[str], list[str]]:
    from casework import admin

    leader = f"{SERVICE}-leader"
    admin.create_service(SERVICE, name="Sweep", nation=NATION, service_kind="children", retention_years=6,
                         actor_id="bench")
    admin.add_user(leader, service_id=SERVICE, forename="Lead", surname="Sweep", email="lead@sweep.example.org",
                   group_id="practice-manager", supervisor_id=None, actor_id="bench")
    managers = [f"{SERVICE}-pm-{n}" for n in range(MANAGERS)]
    workers = [f"{SERVICE}-sw-{n:02d}" for n in range(WORKERS)]
    for n, user_id in enumerate(managers):
        admin.add_user(user_id, service_id=SERVICE, forename=f"Manager{n}", surname="Sweep",
                       email=f"pm{n}@sweep.example.org", group_id="practice-manager", supervisor_id=leader,
                       actor_id="bench")
    for n, user_id in enumerate(workers):
        admin.add_user(user_id, service_id=SERVICE, forename=f"Worker{n}", surname="Sweep",
                       email=f"sw{n}@sweep.example.org", group_id="social-worker",
                       supervisor_id=managers[n % MANAGERS], actor_id="bench")
    return leader, managers, workers


def seed(size: int, due: int) -> dict[str, Any]:
    """The service, its cases and `size` deadlines, `due` of them with a stage due at NOW."""
    from casework import calendar, clock, ids
    from casework.compliance import rules
    from casework.store import deadlines as store
    from casework.store import records
    from casework.store.models import CaseItem, RecordItem

    started = time.perf_counter()
    _, _, workers = _people()
    steps = rules.Ladder(approaching=2, escalate_after=5, levels=3)
    today = NOW.date()
    at = clock.iso(CREATED)
    items: Counter[str] = Counter()
    cases: list[CaseItem] = []
    ladders: dict[date, list[dict[str, Any]]] = {}

    def stages_for(day: date) -> list[dict[str, Any]]:
        if day not in ladders:
            ladders[day] = [s.as_data() for s in rules.ladder(day, nation=NATION, steps=steps, now=CREATED)]
        return [dict(s) for s in ladders[day]]

    # due now: "approaching" for a deadline due in two working days (its warning began this morning) ...
    warned = rules.working_days_from(today, 2, NATION)
    # ... and "passed" for one due on the last working day (its day has ended; its approaching alert is raised)
    passed = calendar.add_working_days(today, -1, NATION)
    with RecordItem.batch_write() as batch:
        for n in range(max(due, size // 100)):  # the due ones on the same cases (and workers) at every size
            person = records.new_person(SERVICE, f"SW{n:06d}", forename="Kit", surname=f"Sweep{n}",
                                        date_of_birth="2015-04-01", chs_number=None, created_at=at)
            person.case_count, person.version = 1, 1
            case = records.new_case(person, case_id=ids.ulid(), case_number=n + 1, case_type="child-in-need",
                                    opened_at=at)
            case.assigned_to, case.version = workers[n % WORKERS], 1
            records.refresh_index_keys(case)
            batch.save(person)
            batch.save(case)
            batch.save(records.case_ref(case))
            cases.append(case)
            items["person"] += 1
            items["case"] += 1
            items["case-ref"] += 1
        for n in range(size):
            case = cases[n % len(cases)]
            day = (warned if n % 2 == 0 else passed) if n < due else today + timedelta(days=30 + n % 330)
            item = store.for_case(case, f"{n:07d}{ids.ulid()[-8:]}", rule="CSC-1", deadline_kind="cf-assessment",
                                  subject=f"C&F assessment for Kit {case.surname}",
                                  link=f"/cases/{case.case_id}/cf-assessments/{n}", owner_id=case.assigned_to,
                                  nation=NATION, start_date=CREATED.date().isoformat(), due_date=day.isoformat(),
                                  status="open", created_at=at)
            item.stages, item.next_stage, item.version = stages_for(day), 0, 1
            if n < due and n % 2 == 1:  # its approaching alert went out days ago
                item.stages[0]["raisedAt"] = item.stages[0]["at"]
                item.stages[0]["raised"] = [{"userId": case.assigned_to, "taskId": f"{item.deadline_id}-0-0"}]
                item.next_stage = 1
            elif n >= due and n % 10 == 0:
                item.status, item.met_at, item.met_by, item.met_how = "met", at, case.assigned_to, "bench"
            store.refresh_index_keys(item)
            batch.save(item)
            items["deadline due" if n < due else f"deadline {item.status}"] += 1
    return {"seconds": round(time.perf_counter() - started, 1), "items": dict(items),
            "due_dates": {"approaching": warned.isoformat(), "passed": passed.isoformat()}}


def expected_alerts(due: int) -> int:
    return (due + 1) // 2 + 2 * (due // 2)  # approaching: the worker; passed: the worker and their manager


# ---------------------------------------------------------------- one sweep, counted


def fire() -> tuple[Any, float]:
    """The schedule's event through the compliance function's handler, as the local runner's instances invoke it
    (with the function's template timeout, so the sweep's budget is the deployed one)."""
    from casework import clock
    from local import drivers, template
    from local.events import LambdaContext

    schedule = drivers.schedules()["SweepDeadlines"]
    handler = template.handler_of(schedule.function)
    with clock.frozen(NOW):
        started = time.perf_counter()
        result = handler(schedule.payload, LambdaContext(schedule.function.name,
                                                         timeout_s=schedule.function.timeout))
        return result, time.perf_counter() - started


@contextlib.contextmanager
def timed_requests() -> Iterator[dict[str, float]]:
    """Seconds spent in DynamoDB requests, by operation: moto answers an index Query by walking the whole table, a
    cost of the emulator that DynamoDB does not have, and the rate is shown with and without it."""
    from botocore.client import BaseClient

    spent: dict[str, float] = defaultdict(float)
    inner = BaseClient._make_api_call  # type: ignore[attr-defined]

    def timed(client: Any, operation: str, params: dict[str, Any]) -> Any:
        started = time.perf_counter()
        try:
            return inner(client, operation, params)
        finally:
            spent[operation] += time.perf_counter() - started

    BaseClient._make_api_call = timed  # type: ignore[attr-defined]
    try:
        yield spent
    finally:
        BaseClient._make_api_call = inner  # type: ignore[attr-defined]


def measure_size(meter: Any, size: int, due: int) -> dict[str, Any]:
    with meter.measuring() as calls, timed_requests() as spent:
        summary, seconds = fire()
    raising = seconds - spent["Query"]
    ops = Counter(c.operation for c in calls)
    index = [c for c in calls if c.operation == "Query" and c.target.endswith("/DueDeadlines")]
    transactions = [c for c in calls if c.operation == "TransactWriteItems"]
    alerts = sum(c.written for c in transactions) - len(transactions)  # each also writes its deadline
    read = sum(c.read for c in calls)
    with meter.measuring() as again:
        second, _ = fire()
    problems = []
    if summary.get("read") != due or not summary.get("finished"):
        problems.append(f"@{size}: the sweep read {summary.get('read')} of {due} due, "
                        f"finished {summary.get('finished')}")
    if alerts != expected_alerts(due):
        problems.append(f"@{size}: {alerts} alerts raised, {expected_alerts(due)} expected")
    if second.get("stages") or second.get("read"):
        problems.append(f"@{size}: a second run raised {second.get('stages')} stages (read {second.get('read')})")
    if any(c.error for c in calls):
        problems.append(f"@{size}: requests failed: {Counter(c.error for c in calls if c.error)}")
    return {
        "held": size,
        "due": due,
        "summary": summary,
        "seconds": round(seconds, 3),
        "requests": len(calls),
        "requests_by_operation": dict(ops),
        "requests_by_target": dict(Counter(f"{c.operation} {c.target}" for c in calls)),
        "items_read": read,
        "index_items_read": sum(c.read for c in index),
        "index_queries": len(index),
        "directory_items_read": sum(c.read for c in calls if c.target.startswith("directory")),
        "transactions": len(transactions),
        "alerts": alerts,
        "items_read_per_due": round(read / due, 3),
        "index_items_read_per_due": round(sum(c.read for c in index) / due, 3),
        "requests_per_alert": round(len(calls) / alerts, 3) if alerts else None,
        "items_written_per_alert": round(sum(c.written for c in calls) / alerts, 3) if alerts else None,
        "alerts_per_second": round(alerts / seconds, 1) if seconds else None,
        "seconds_in_requests": {op: round(t, 3) for op, t in spent.items()},
        "seconds_without_index_queries": round(raising, 3),
        "alerts_per_second_without_index_queries": round(alerts / raising, 1) if raising > 0 else None,
        "second_run": {"summary": second, "requests": len(again), "items_read": sum(c.read for c in again)},
        "problems": problems,
    }


def measure(sizes: list[int], due: int, log: Any = print) -> dict[str, Any]:
    if not 2 <= due <= min(sizes):
        raise SystemExit(f"--due must be between 2 and the smallest size ({min(sizes)})")
    from bench.dynamo import ENV, Meter, _environment

    _environment()
    warnings.filterwarnings("ignore", message="No application metrics to publish")  # the second, empty run
    import boto3
    from moto import mock_aws

    from local import drivers, faithful, template

    faithful.apply()
    template.handler_of(drivers.schedules()["SweepDeadlines"].function)  # its imports are not the sweep's time
    meter = Meter()
    by_size: dict[int, dict[str, Any]] = {}
    seeding: dict[int, dict[str, Any]] = {}
    quiet = io.StringIO()  # the handlers' metrics (EMF) lines
    with mock_aws(), contextlib.redirect_stdout(quiet):  # a first sweep, not measured: what it loads on first use
        template.create_tables(boto3.client("dynamodb", region_name=ENV["AWS_REGION"]))
        seed(10, 2)
        fire()
    with meter.installed():
        for size in sizes:
            with mock_aws():
                template.create_tables(boto3.client("dynamodb", region_name=ENV["AWS_REGION"]))
                with contextlib.redirect_stdout(quiet):
                    seeding[size] = seed(size, due)
                log(f"seeded {size:,} deadlines ({seeding[size]['items']}) in {seeding[size]['seconds']} s")
                with contextlib.redirect_stdout(quiet):
                    by_size[size] = measure_size(meter, size, due)
    problems = [p for r in by_size.values() for p in r["problems"]]
    ratios = {r["items_read_per_due"] for r in by_size.values()}
    same = len(ratios) == 1
    if max(ratios) > 2:
        problems.append(f"items read per deadline due {sorted(ratios)}: over the target of 2")
    if not same:
        problems.append(f"items read per deadline due differ by size: {sorted(ratios)} (CMP-2: work grows with the "
                        "deadlines due, not the deadlines held)")
    log(f"\ncompliance sweep: {due} deadlines due among those held (DynamoDB counted by bench.dynamo.Meter)")
    log(table(["held", "due", "alerts", "requests", "items read", "read / due", "index read / due",
               "requests / alert", "written / alert"], [
        [f"{s:,}", r["due"], r["alerts"], r["requests"], r["items_read"], r["items_read_per_due"],
         r["index_items_read_per_due"], r["requests_per_alert"], r["items_written_per_alert"]]
        for s, r in by_size.items()
    ], right=set(range(9))))
    log("\n" + table(["held", "seeded in s", "sweep s", "of it index queries s", "alerts / s",
                      "alerts / s without index queries"], [
        [f"{s:,}", seeding[s]["seconds"], r["seconds"], r["seconds_in_requests"].get("Query"), r["alerts_per_second"],
         r["alerts_per_second_without_index_queries"]] for s, r in by_size.items()
    ], right=set(range(6))))
    log("same at every size: " + ("yes" if same else "NO") + "   requests: "
        + "; ".join(f"{s:,}: {r['requests_by_operation']}" for s, r in by_size.items()))
    for problem in problems:
        log(f"PROBLEM: {problem}")
    return {
        "benchmark": "compliance",
        "what": "the compliance sweep's DynamoDB work and rate by deadlines held, with the same deadlines due",
        "method": {
            "backend": "moto in-process (mock_aws) made faithful (local.faithful), tables from template.yaml",
            "invocation": "the SweepDeadlines schedule's event through the ComplianceFunction handler, with its "
                          "template timeout (the sweep's budget: that less 15 s)",
            "data": f"a children's service ({NATION}): 1 leader, {MANAGERS} practice managers, {WORKERS} social "
                    "workers; cases one per 100 deadlines (at least one per deadline due: the due ones are on the "
                    f"same cases and workers at every size); {due} deadlines due (half approaching: 1 alert; half "
                    "passed: 2 alerts); of the rest a tenth met, the others open and due over the year",
            "items_read": "Query ScannedCount; GetItem 1 if found; BatchGetItem items returned (bench.dynamo.Meter)",
            "alerts": "tasks created by the sweep's transactions (each transaction also writes its deadline)",
            "rate": "alerts / the sweep's wall-clock seconds in moto, and the same without the seconds spent in the "
                    "index queries: moto answers a Query on an index by walking the whole table (DynamoDB reads only "
                    "the key range), so the first rate falls with the table in moto only; read both as relative",
            "second_run": "the schedule fired again at once: it must read and raise nothing",
        },
        "sizes": sizes,
        "due": due,
        "seeding": {str(s): v for s, v in seeding.items()},
        "same_at_every_size": same,
        "problems": problems,
        "by_size": {str(s): r for s, r in by_size.items()},
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.compliance")
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--due", type=int, default=DUE)
    parser.add_argument("--json", required=True, help="where to write the result")
    args = parser.parse_args()
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    result = measure(sizes, args.due)
    Path(args.json).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

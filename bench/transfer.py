"""Import and export of a person set totalling 1,000 records, against one moto server (as `make run` uses).

- **import**: for each person, the import job is started, its file put in the imports bucket and handled as
  the S3 event's consumer would (`imports.file_arrived`): validate, stage, switch, index. Timed from the file's
  arrival to `imported`, summed over the people.
- **raw**: the very items the imports wrote (people, cases, case references) written again, into a second
  table of the same shape and indexes, with plain `BatchWriteItem` requests of 25: the floor for writing that data.
- **ratio** = import / raw. The aim is at most 2.
- **replace**: the same people again from other files (other surnames): each import waits in conflict and is
  confirmed (`imports.confirm`), replacing the person whole: stage, switch, clean the old generation, index the
  new. Timed over the confirms.
- **requests**: the DynamoDB requests and items written by operation for the import and the replace (round 1),
  beside the raw write's, so a ratio can be read as work rather than as moto's speed.
- **export**: `transfer.outbound.export` of each person's latest (closed) case: reading the person, writing the file to
  S3 and the export job; the file sizes are summed.

Each timing is the median of `--runs` rounds, each round into fresh tables.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import ROOT, table

PEOPLE = 10
CASES_PER_PERSON = 99  # + the person: 100 records each, 1,000 in all


def run(runs: int = 3, log: Any = print) -> dict[str, Any]:
    """In a child process: PynamoDB's connections and the layer's clients are made once per interpreter, and
    those of a benchmark run earlier against moto in-process must not be the ones that reach this server."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "transfer.json"
        done = subprocess.run([sys.executable, "-m", "bench.transfer", "--runs", str(runs), "--json", str(out)],
                              cwd=ROOT, capture_output=True, text=True)
        log("\n".join(line for line in done.stdout.splitlines() if "HTTP/1.1" not in line))
        if done.returncode != 0 or not out.exists():
            raise RuntimeError(f"the transfer benchmark failed:\n{done.stderr[-3000:]}")
        return json.loads(out.read_text())  # type: ignore[no-any-return]


def measure(runs: int = 3, log: Any = print) -> dict[str, Any]:
    from bench.dynamo import ENV

    os.environ.update(ENV)
    from moto.server import ThreadedMotoServer

    from local import faithful

    faithful.apply()  # the local run's DynamoDB: atomic requests, transactions that undo only their own items
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    os.environ["AWS_ENDPOINT_URL"] = f"http://{host}:{port}"
    try:
        return _run(runs, log)
    finally:
        server.stop()
        os.environ.pop("AWS_ENDPOINT_URL", None)


def _environment() -> None:
    from local import template

    for function in template.functions().values():
        os.environ.update(template.function_environment(function))
    os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"
    if str(template.LAYER) not in sys.path:
        sys.path.insert(0, str(template.LAYER))


def _files(surname: str = "Person") -> list[bytes]:
    from tests.support import bulk_transfer_file

    return [bulk_transfer_file(f"BULK-{p:04d}", f"{surname}{p}", CASES_PER_PERSON) for p in range(PEOPLE)]


def _started(leader: Any, files: list[bytes]) -> list[str]:
    """An import job per file, its file put where the upload form says; the keys."""
    import boto3

    from casework.config import settings
    from casework.schemas.transfer import ImportIn
    from casework.transfer import imports

    s3 = boto3.client("s3")
    keys = []
    for raw in files:
        job = imports.start_import(leader, ImportIn(size=len(raw)))
        key = job.upload.fields["key"]  # type: ignore[union-attr]
        s3.put_object(Bucket=settings.imports_bucket, Key=key, Body=raw, ContentType="application/json")
        keys.append(key)
    return keys


def _requests(calls: list[Any]) -> dict[str, dict[str, int]]:
    """DynamoDB requests and items written, by operation."""
    out: dict[str, dict[str, int]] = {}
    for call in calls:
        row = out.setdefault(call.operation, {"requests": 0, "written": 0})
        row["requests"] += 1
        row["written"] += call.written
    return dict(sorted(out.items()))


def _round(n: int, files: list[bytes], again: list[bytes]) -> dict[str, Any]:
    import boto3

    from bench.dynamo import Meter
    from casework import admin, directory
    from casework.config import settings
    from casework.schemas.transfer import ConfirmIn, DestinationIn, ExportIn
    from casework.transfer import addresses, imports, outbound
    from local import template

    ddb = boto3.client("dynamodb")
    for name in list(ddb.list_tables()["TableNames"]):
        ddb.delete_table(TableName=name)
    template.create_tables(ddb)
    s3 = boto3.client("s3")
    for bucket in (settings.exports_bucket, settings.imports_bucket):
        if n == 0:
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": ENV_REGION})
    service = "bulk"
    admin.create_service(service, name="Bulk", nation="scotland", service_kind="justice-community",
                         retention_years=6, actor_id="bench")
    admin.add_user("bulk-leader", service_id=service, forename="Lead", surname="Bulk", email="lead@bulk.example.org",
                   group_id="team-leader", supervisor_id=None, actor_id="bench")
    admin.add_user("bulk-admin", service_id=service, forename="Admin", surname="Bulk",
                   email="admin@bulk.example.org", group_id="business-administrator", supervisor_id=None,
                   actor_id="bench")
    leader, admin_caller = directory.caller_for("bulk-leader"), directory.caller_for("bulk-admin")
    meter = Meter()
    keys = _started(leader, files)
    with meter.installed(), meter.measuring() as calls:
        started = time.perf_counter()
        for key in keys:
            assert imports.file_arrived(key) == "imported"
        import_seconds = time.perf_counter() - started
    import_requests = _requests(calls)

    # the same items, written raw into a twin table
    items = []
    scan: dict[str, Any] = {"TableName": settings.records_table}
    while True:
        page = ddb.scan(**scan)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            break
        scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    twin = f"{settings.records_table}-raw"
    spec = ddb.describe_table(TableName=settings.records_table)["Table"]
    indexes = [{k: i[k] for k in ("IndexName", "KeySchema", "Projection")}
               for i in spec.get("GlobalSecondaryIndexes", [])]  # the same index upkeep as the real table
    ddb.create_table(TableName=twin, KeySchema=spec["KeySchema"], AttributeDefinitions=spec["AttributeDefinitions"],
                     BillingMode="PAY_PER_REQUEST", GlobalSecondaryIndexes=indexes)
    started = time.perf_counter()
    for start in range(0, len(items), 25):
        batch = {twin: [{"PutRequest": {"Item": i}} for i in items[start:start + 25]]}
        while batch:
            batch = ddb.batch_write_item(RequestItems=batch).get("UnprocessedItems") or {}
    raw_seconds = time.perf_counter() - started

    # the same people again (other surnames, so other digests): each waits in conflict, then is confirmed, and
    # replaces the person whole (stage, switch, clean the old generation, index the new)
    waiting = []
    for key in _started(leader, again):
        assert imports.file_arrived(key) == "conflict"
        waiting.append(key.rsplit("/", 1)[1])
    with meter.installed(), meter.measuring() as calls:
        started = time.perf_counter()
        for import_id in waiting:
            assert imports.confirm(leader, import_id, ConfirmIn()).status == "imported"
        replace_seconds = time.perf_counter() - started
    replace_requests = _requests(calls)

    destination = addresses.add_destination(admin_caller, DestinationIn(name="Back", email="back@x.example.org"))
    latest = []
    from casework.store import records

    for p in range(PEOPLE):
        _, held = records.person_with_cases(service, f"BULK-{p:04d}")
        latest.append(held[-1].case_id)
    started = time.perf_counter()
    sizes = [outbound.export(leader, ExportIn(case_id=c, destination_id=destination.destination_id)).size
             for c in latest]
    export_seconds = time.perf_counter() - started
    return {"import_s": import_seconds, "raw_s": raw_seconds, "replace_s": replace_seconds,
            "export_s": export_seconds, "items": len(items), "file_bytes": sum(sizes),
            "records": PEOPLE * (1 + CASES_PER_PERSON), "raw_requests": -(-len(items) // 25),
            "import_requests": import_requests, "replace_requests": replace_requests}


ENV_REGION = "eu-west-2"


def _written(requests: dict[str, dict[str, int]]) -> int:
    return sum(row["written"] for row in requests.values())


def _run(runs: int, log: Any) -> dict[str, Any]:
    _environment()
    files, again = _files(), _files("Replaced")
    rounds = []
    for n in range(runs):
        rounds.append(_round(n, files, again))
        log(f"round {n + 1}: import {rounds[-1]['import_s']:.2f} s, raw {rounds[-1]['raw_s']:.2f} s, "
            f"replace {rounds[-1]['replace_s']:.2f} s, export {rounds[-1]['export_s']:.2f} s")
    med = {k: statistics.median(r[k] for r in rounds) for k in ("import_s", "raw_s", "replace_s", "export_s")}
    ratio = med["import_s"] / med["raw_s"]
    first = rounds[0]
    log("")
    log(table(["what", "records", "items written", "seconds (median)", "per record", "bytes"], [
        ["import (file arrives → imported)", first["records"], first["items"], f"{med['import_s']:.2f}",
         f"{1000 * med['import_s'] / first['records']:.2f} ms", ""],
        ["raw BatchWriteItem of the same items", first["records"], first["items"], f"{med['raw_s']:.2f}",
         f"{1000 * med['raw_s'] / first['records']:.2f} ms", ""],
        ["replace of the same people (confirm)", first["records"], _written(first["replace_requests"]),
         f"{med['replace_s']:.2f}", f"{1000 * med['replace_s'] / first['records']:.2f} ms", ""],
        ["export of the same people", first["records"], "", f"{med['export_s']:.2f}",
         f"{1000 * med['export_s'] / first['records']:.2f} ms", first["file_bytes"]],
    ], right={1, 2, 3, 4, 5}))
    log(f"\nimport / raw = {ratio:.2f} (aim ≤ 2)\n")
    log(table(["DynamoDB requests", "import: requests", "import: items written", "replace: requests",
               "replace: items written"], [
        [op, first["import_requests"].get(op, {}).get("requests", 0), first["import_requests"].get(op, {}).get(
            "written", 0), first["replace_requests"].get(op, {}).get("requests", 0),
         first["replace_requests"].get(op, {}).get("written", 0)]
        for op in sorted({*first["import_requests"], *first["replace_requests"]})
    ] + [["(raw: BatchWriteItem)", first["raw_requests"], first["items"], "", ""]], right={1, 2, 3, 4}))
    return {
        "benchmark": "transfer",
        "what": "import of a person set totalling 1,000 records vs raw BatchWriteItem of the same items; export",
        "method": {"backend": "one moto server (ThreadedMotoServer) on 127.0.0.1, tables from template.yaml",
                   "people": PEOPLE, "cases_per_person": CASES_PER_PERSON, "runs": runs,
                   "import": "imports.file_arrived per file (validate, stage, switch, index), summed",
                   "raw": "BatchWriteItem of the items the imports wrote, 25 a request, into a twin table",
                   "replace": "the same people again from other files: conflict, then imports.confirm each "
                              "(stage, switch, clean the old generation, index the new), summed",
                   "requests": "DynamoDB requests and items written by operation (bench.dynamo.Meter), round 1",
                   "export": "transfer.export of each person's latest case (file to S3, job, audit)"},
        "records": first["records"], "items_written": first["items"], "export_file_bytes": first["file_bytes"],
        "median_seconds": {k: round(v, 3) for k, v in med.items()},
        "ratio_import_to_raw": round(ratio, 2),
        "requests": {"import": first["import_requests"], "replace": first["replace_requests"],
                     "raw": {"BatchWriteItem": {"requests": first["raw_requests"], "written": first["items"]}}},
        "rounds": rounds,
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.transfer")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", required=True, help="where to write the result")
    args = parser.parse_args()
    Path(args.json).write_text(json.dumps(measure(args.runs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

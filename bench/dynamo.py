"""DynamoDB requests and items read per API call, for every route of `template.yaml`, at several service sizes.

The handlers run in-process against moto (`mock_aws`) with the template's tables, exactly as the
integration tests run them. One service is set up through `casework.admin`; its people, cases,
case references, audit entries and assignment tasks are bulk-loaded with PynamoDB batch writes
(the API would take far too long for 20,000 cases). Every botocore call to DynamoDB, from
PynamoDB or from boto3 (powertools idempotency), is counted by wrapping
`botocore.client.BaseClient._make_api_call`:

- items read: Query/Scan `ScannedCount` (what DynamoDB reads, before any filter), GetItem 1 when
  an item came back, BatchGetItem/TransactGetItems the items returned;
- items written: 1 per PutItem/UpdateItem/DeleteItem, the non-ConditionCheck parts of a
  TransactWriteItems, the processed requests of a BatchWriteItem.

Each route is measured with a cold caller cache (CALLER_CACHE_SECONDS=0: the directory lookup
of the caller is part of every call) and with a warm one (the caller was looked up moments ago
in the same container). moto's wall-clock times say nothing about DynamoDB and are not reported.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from bench.common import table

SERVICE = "bench"
LEADER = f"{SERVICE}-leader"
ADMIN = f"{SERVICE}-admin"  # business administrator: the library's writer (right 80)
ASSESSORS = [f"{SERVICE}-assessor-{i}" for i in range(1, 5)]
HOLDERS = [LEADER, *ASSESSORS]  # who holds the assigned cases, round robin
LIMIT = 50
LIBRARY_DOCS = 60  # more than a page; the library does not grow with the cases
DELETABLE_DOCS = 4  # one per DELETE call
PDF = b"%PDF-1.4\n% casework bench\n" + b"x" * 200 + b"\n%%EOF\n"

# As tests/conftest.py sets them (then each function's variables from the template).
ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "eu-west-2",
    "AWS_REGION": "eu-west-2",
    "POWERTOOLS_METRICS_NAMESPACE": "Casework",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}

READS = ("GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems")


def _environment() -> None:
    """Settings are read when `casework` is imported: the environment comes first."""
    os.environ.update(ENV)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    from local import template

    for function in template.functions().values():
        os.environ.update(template.function_environment(function))
    os.environ["CALLER_CACHE_SECONDS"] = "0"
    os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"  # the functions log at INFO; not on the bench's screen
    if str(template.LAYER) not in sys.path:  # as pytest's `pythonpath` has it
        sys.path.insert(0, str(template.LAYER))


# ---------------------------------------------------------------- counting DynamoDB requests


@dataclass
class Call:
    operation: str
    target: str
    read: int
    written: int
    rcu: float = 0.0
    error: str | None = None


def _target(params: dict[str, Any]) -> str:
    if "TableName" in params:
        name = str(params["TableName"]).removeprefix("casework-").removesuffix("-table")
        return f"{name}/{params['IndexName']}" if "IndexName" in params else name
    if "RequestItems" in params:
        return ",".join(sorted(str(t).removeprefix("casework-").removesuffix("-table") for t in params["RequestItems"]))
    if "TransactItems" in params:
        return f"{len(params['TransactItems'])} parts"
    return ""


def _size(value: dict[str, Any]) -> int:
    """An attribute value's size as DynamoDB reckons it (approximately, for numbers)."""
    kind, inner = next(iter(value.items()))
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        return (len(inner.lstrip("-").replace(".", "")) + 1) // 2 + 1
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "NS", "BS"):
        return sum(_size({kind[0]: v}) for v in inner)
    if kind == "L":
        return 3 + sum(1 + _size(v) for v in inner)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + _size(v) for k, v in inner.items())
    return 0


def item_size(item: dict[str, Any]) -> int:
    return sum(len(name.encode()) + _size(value) for name, value in item.items())


def _units(size: int, consistent: bool) -> float:
    """Read capacity: 4 KB units, at least one; half for eventually consistent reads."""
    return max(1, -(-size // 4096)) * (1.0 if consistent else 0.5)


def _rcu(operation: str, params: dict[str, Any], response: dict[str, Any]) -> float:
    """Estimated read capacity units, from the sizes of the items that came back."""
    if operation == "GetItem":
        return _units(item_size(response.get("Item") or {}), bool(params.get("ConsistentRead")))
    if operation == "BatchGetItem":
        total = 0.0
        for name, request in params.get("RequestItems", {}).items():
            found = response.get("Responses", {}).get(name, [])
            sizes = [item_size(i) for i in found] + [0] * max(0, len(request.get("Keys", [])) - len(found))
            total += sum(_units(size, bool(request.get("ConsistentRead"))) for size in sizes)
        return total
    if operation in ("Query", "Scan"):
        return _units(sum(item_size(i) for i in response.get("Items", [])), bool(params.get("ConsistentRead")))
    if operation == "TransactGetItems":
        return 2 * sum(_units(item_size(r.get("Item") or {}), True) for r in response.get("Responses", []))
    return 0.0


def _counts(operation: str, params: dict[str, Any], response: dict[str, Any]) -> tuple[int, int]:
    if operation == "GetItem":
        return (1 if response.get("Item") else 0), 0
    if operation == "BatchGetItem":
        return sum(len(items) for items in response.get("Responses", {}).values()), 0
    if operation in ("Query", "Scan"):
        return int(response.get("ScannedCount", response.get("Count", 0))), 0
    if operation == "TransactGetItems":
        return sum(1 for r in response.get("Responses", []) if r.get("Item")), 0
    if operation in ("PutItem", "UpdateItem", "DeleteItem"):
        return 0, 1
    if operation == "TransactWriteItems":
        return 0, sum(1 for part in params.get("TransactItems", []) if "ConditionCheck" not in part)
    if operation == "BatchWriteItem":
        sent = sum(len(v) for v in params.get("RequestItems", {}).values())
        left = sum(len(v) for v in response.get("UnprocessedItems", {}).values())
        return 0, sent - left
    return 0, 0


class Meter:
    """Counts DynamoDB requests made by any botocore client (PynamoDB's and boto3's alike)."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.others: Counter[str] = Counter()  # requests to other services (S3), by "service:operation"
        self.active = False

    @contextlib.contextmanager
    def installed(self) -> Iterator[Meter]:
        from botocore.client import BaseClient
        from botocore.exceptions import ClientError

        original = BaseClient._make_api_call
        meter = self

        def counted(client: Any, operation: str, params: dict[str, Any]) -> Any:
            service = client.meta.service_model.service_name
            if meter.active and service != "dynamodb":
                meter.others[f"{service}:{operation}"] += 1
            if not meter.active or service != "dynamodb":
                return original(client, operation, params)
            try:
                response = original(client, operation, params)
            except ClientError as error:
                meter.calls.append(Call(operation, _target(params), 0, 0, error=error.response["Error"]["Code"]))
                raise
            meter.calls.append(Call(operation, _target(params), *_counts(operation, params, response),
                                    rcu=_rcu(operation, params, response)))
            return response

        BaseClient._make_api_call = counted  # type: ignore[method-assign]
        try:
            yield self
        finally:
            BaseClient._make_api_call = original  # type: ignore[method-assign]

    @contextlib.contextmanager
    def measuring(self) -> Iterator[list[Call]]:
        self.calls = []
        self.others = Counter()
        self.active = True
        try:
            yield self.calls
        finally:
            self.active = False


# ---------------------------------------------------------------- the service and its cases


@dataclass
class World:
    size: int
    case_ids: dict[int, str]  # case number -> case id
    urns: list[str]
    probe_case: str  # assigned, open, its person has two cases
    probe_urn: str
    write_urn: str  # the person POST /cases opens new cases for
    unassigned_open: list[str]  # case ids PUT assignment may take, one per call
    seconds: float = 0.0
    items: Counter[str] = field(default_factory=Counter)
    doc_id: str = ""  # an available document with three versions
    version_id: str = ""  # its first version
    deletable: list[str] = field(default_factory=list)  # documents DELETE may take, one per call
    destination_id: str = ""  # where exports go
    closed_cases: list[str] = field(default_factory=list)  # closed cases POST /exports may take, one per call
    export_id: str = ""  # an export made
    imported_id: str = ""  # an import done (confirming it again changes nothing)
    cancellable: list[str] = field(default_factory=list)  # imports awaiting their file, one per DELETE
    mappa: dict[str, Any] = field(default_factory=dict)  # see seed_mappa
    lscmi: dict[str, Any] = field(default_factory=dict)  # assessments and approvals: see seed_lscmi


def _library_routes() -> bool:
    from local import template

    return any(r.path.startswith("/library") for r in template.routes())


def seed_library(world: World) -> None:
    """Documents added through the API, uploaded to S3 and confirmed as the upload consumer would; made
    before the cases, while moto's tables are small (moto copies a whole table for every transaction)."""
    import boto3

    from casework import library
    from casework.config import settings

    bucket = getattr(settings, "library_bucket", "")
    if not bucket or not _library_routes():
        return
    s3 = boto3.client("s3", region_name=ENV["AWS_REGION"])
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": ENV["AWS_REGION"]})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})

    def upload(method: str, path: str, title: str) -> dict[str, Any]:
        declared = {"title": title, "fileName": f"{title.lower().replace(' ', '-')}.pdf",
                    "contentType": "application/pdf", "size": len(PDF)}
        status, body = _call(Request(method, path, body=declared), ADMIN)
        assert status in (200, 201), body
        key = body["upload"]["fields"]["key"]
        put = s3.put_object(Bucket=bucket, Key=key, Body=PDF, ContentType="application/pdf")
        assert library.confirm(key, put.get("VersionId")) == "available"
        return body  # type: ignore[no-any-return]

    docs = [upload("POST", "/library", f"Guidance {n:03d}") for n in range(LIBRARY_DOCS + DELETABLE_DOCS)]
    world.doc_id, world.version_id = docs[0]["docId"], docs[0]["versionId"]
    for n in (2, 3):
        upload("PUT", f"/library/{world.doc_id}", f"Guidance 000 v{n}")
    world.deletable = [d["docId"] for d in docs[LIBRARY_DOCS:]]
    world.items["document"] = len(docs)


def seed(size: int) -> World:
    """A service, its users and its library, then `size` cases bulk-loaded; a tenth of the people hold two
    cases."""
    from casework import admin, clock, ids
    from casework.store import audit, records, work
    from casework.store.models import AuditItem, CounterItem, RecordItem, TaskItem

    started = time.perf_counter()
    admin.create_service(SERVICE, name="Bench", nation="scotland", service_kind="justice-community",
                         retention_years=6, actor_id="system")
    admin.add_user(LEADER, service_id=SERVICE, forename="Lead", surname="Bench", email="lead@bench.example.org",
                   group_id="team-leader", supervisor_id=None, actor_id="system")
    for n, user_id in enumerate(ASSESSORS, 1):
        admin.add_user(user_id, service_id=SERVICE, forename=f"Assessor{n}", surname="Bench",
                       email=f"assessor{n}@bench.example.org", group_id="assessor", supervisor_id=LEADER,
                       actor_id="system")
    admin.add_user(ADMIN, service_id=SERVICE, forename="Admin", surname="Bench", email="admin@bench.example.org",
                   group_id="business-administrator", supervisor_id=LEADER, actor_id="system")
    world = World(size=size, case_ids={}, urns=[], probe_case="", probe_urn="", write_urn="", unassigned_open=[])
    seed_library(world)

    surnames = ["Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Thomas", "Roberts", "Walker", "Wright",
                "Robinson", "Thompson", "White", "Hughes", "Edwards", "Green", "Hall", "Wood", "Harris", "Lewis"]
    forenames = ["Alex", "Sam", "Jo", "Chris", "Pat", "Robin", "Kim", "Lee", "Jamie", "Morgan", "Casey"]
    people_count = size - size // 10
    now = clock.stamp()
    people = [
        records.new_person(SERVICE, f"BN{i:06d}", forename=forenames[i % len(forenames)],
                           surname=f"{surnames[i % len(surnames)]}{i // len(surnames)}", date_of_birth="1990-04-01",
                           chs_number=f"CHS{i}", created_at=now)
        for i in range(people_count)
    ]
    items = world.items
    case_ids: dict[int, str] = {}
    unassigned_open: list[str] = []
    with RecordItem.batch_write() as rec, AuditItem.batch_write() as trail, TaskItem.batch_write() as tasks:
        for number in range(1, size + 1):
            person = people[(number - 1) % people_count]
            person.case_count = int(person.case_count or 0) + 1
            case = records.new_case(person, case_id=ids.ulid(), case_number=number, case_type="ls-cmi",
                                    opened_at=now)
            case.version = 1
            case.multiple_cases = (number - 1) % people_count < size - people_count  # a tenth hold two
            if number % 10 == 9:
                case.status, case.closed_at = "closed", now
            if number % 3 != 0:
                case.assigned_to = HOLDERS[number % len(HOLDERS)]
                if case.status == "open":
                    subject = f"Case {number} ({case.surname}) assigned to you"
                    task = work.new_task(task_id=ids.ulid(), user_id=case.assigned_to, service_id=SERVICE,
                                         kind="case-assigned", subject=subject, case_id=case.case_id, due_date=None,
                                         created_at=now)
                    case.assignment_task_id = task.task_id
                    tasks.save(task)
                    items["task"] += 1
            elif case.status == "open":
                unassigned_open.append(case.case_id)
            records.refresh_index_keys(case)
            rec.save(case)
            rec.save(records.case_ref(case))
            trail.save(audit.entry(audit.case_entity(case.case_id), service_id=SERVICE, action="case.opened",
                                   actor_id=LEADER, after={"caseNumber": number, "urn": case.urn,
                                                           "caseType": "ls-cmi"}))
            case_ids[number] = case.case_id
            items["case"] += 1
            items["case-ref"] += 1
            items["audit"] += 1
        for person in people:
            person.version = 1
            rec.save(person)
            items["person"] += 1
    CounterItem(f"SERVICE#{SERVICE}", "COUNTER#CASE", value=size).save()
    probe_number = 2  # assigned (2 % 3 != 0), open, and its person also holds case 2 + people_count
    assert size - people_count >= 2, "the probe person needs a second case: use a size of 20 or more"
    world.case_ids, world.urns = case_ids, [p.urn for p in people]
    world.probe_case, world.probe_urn = case_ids[probe_number], people[(probe_number - 1) % people_count].urn
    # POST /cases writes for a person who already holds two cases: every call then costs the same (opening a
    # person's second case also flags their first, a one-off extra Query and update).
    world.write_urn, world.unassigned_open = people[0].urn, unassigned_open[::-1]
    seed_transfer(world)
    seed_lscmi(world, people_count)
    world.seconds = time.perf_counter() - started
    return world


def _transfer_routes() -> bool:
    from local import template

    return any(r.path.startswith("/exports") for r in template.routes())


def seed_transfer(world: World) -> None:
    """A destination, an export, a finished import and imports awaiting their file (to cancel)."""
    import boto3

    from casework.config import settings
    from casework.transfer import file_format, imports

    if not _transfer_routes():
        return
    s3 = boto3.client("s3", region_name=ENV["AWS_REGION"])
    for bucket in (settings.exports_bucket, settings.imports_bucket):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": ENV["AWS_REGION"]})
    status, body = _call(Request("POST", "/destinations", body={"name": "Elsewhere", "email": "in@else.example.org"}),
                         ADMIN)
    assert status == 201, body
    world.destination_id = body["destinationId"]
    world.closed_cases = [world.case_ids[n] for n in range(9, world.size + 1, 10)][:40]
    status, body = _call(Request("POST", "/exports", body={"caseId": world.closed_cases.pop(),
                                                           "destinationId": world.destination_id}))
    assert status == 201, body
    world.export_id = body["exportId"]
    raw, _ = file_format.write(
        body={"person": {"urn": f"IMP{world.size}", "forename": "Ima", "surname": "Port", "dateOfBirth": "1990-01-01"},
              "cases": [{"caseId": "01JB8Y0Q7W6X4Z2V9T3S5R1P0N", "caseNumber": 1, "caseType": "ls-cmi",
                         "status": "closed", "openedAt": "2024-01-01T00:00:00Z"}], "records": []},
        exported_at="2026-01-01T00:00:00Z", exported_by="x",
        source={"serviceId": "else", "serviceName": "Else", "serviceKind": "justice-prison", "nation": "england"})
    jobs = []
    for _ in range(6):
        status, body = _call(Request("POST", "/imports", body={"size": len(raw)}))
        assert status == 201, body
        jobs.append(body)
    key = jobs[0]["upload"]["fields"]["key"]
    s3.put_object(Bucket=settings.imports_bucket, Key=key, Body=raw)
    assert imports.file_arrived(key) == "imported"
    world.imported_id = jobs[0]["importId"]
    world.cancellable = [j["importId"] for j in jobs[1:]]
    _more_than_a_page_of_jobs(world)


def _more_than_a_page_of_jobs(world: World) -> None:
    """Older exports and imports, bulk-loaded: more than a page of each, so a listing reads a full page whatever
    the probes made before it (the smallest size makes one call more of each: the "first" pass)."""
    from casework import ids
    from casework.store import transfer as store
    from casework.store.models import JobItem

    export = store.export(world.export_id)
    assert export is not None
    with JobItem.batch_write() as batch:
        for n in range(60):
            at = f"2025-01-01T00:00:{n:02d}.000Z"
            batch.save(store.new_export(
                ids.ulid(), export.service_id, at, case_id=export.case_id, case_number=int(export.case_number),
                urn=export.urn, forename=export.forename, surname=export.surname, destination=export.destination,
                deliver="download", object_key=export.object_key, records=int(export.records), size=int(export.size),
                digest=export.digest, emailed_to=None, holds_mappa=False, exported_by=export.exported_by))
            for status in ("imported", "awaiting-upload"):
                batch.save(store.new_import(ids.ulid(), export.service_id, status, at, source="upload", size=2048,
                                            object_key="imports/none", created_by=export.exported_by))


# ---------------------------------------------------------------- the calls


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Probe:
    route: str  # "METHOD /path" as in template.yaml
    label: str
    make: Callable[[World, int], Request]  # fresh request for the n-th call (writes never collide)
    expect: int = 200
    writes: bool = False
    user: str = LEADER


def probes() -> list[Probe]:
    page = {"limit": LIMIT}

    def person_body(w: World, n: int) -> dict[str, Any]:
        return {"urn": f"NEW{w.size}X{n:05d}", "forename": "Nova", "surname": "Newman", "dateOfBirth": "1991-02-03",
                "chsNumber": "CHS-NEW"}

    return [
        Probe("GET /me", "GET /me", lambda w, n: Request("GET", "/me")),
        Probe("GET /access-rights", "GET /access-rights", lambda w, n: Request("GET", "/access-rights")),
        Probe("GET /people/{urn}", "GET /people/{urn}", lambda w, n: Request("GET", f"/people/{w.probe_urn}")),
        Probe("GET /people/{urn}/audit", "GET /people/{urn}/audit",
              lambda w, n: Request("GET", f"/people/{w.probe_urn}/audit", page)),
        Probe("GET /cases/{caseId}", "GET /cases/{caseId}", lambda w, n: Request("GET", f"/cases/{w.probe_case}")),
        Probe("GET /cases/{caseId}/audit", "GET /cases/{caseId}/audit",
              lambda w, n: Request("GET", f"/cases/{w.probe_case}/audit", page)),
        Probe("GET /cases", "GET /cases?status=open",
              lambda w, n: Request("GET", "/cases", {"status": "open", **page})),
        Probe("GET /cases", "GET /cases?status=all",
              lambda w, n: Request("GET", "/cases", {"status": "all", **page})),
        Probe("GET /cases", "GET /cases?assignedTo=<assessor>",
              lambda w, n: Request("GET", "/cases", {"status": "open", "assignedTo": ASSESSORS[0], **page})),
        Probe("GET /cases/unassigned", "GET /cases/unassigned",
              lambda w, n: Request("GET", "/cases/unassigned", page)),
        Probe("GET /me/caseload", "GET /me/caseload",
              lambda w, n: Request("GET", "/me/caseload", {"status": "open", **page})),
        Probe("GET /users/{userId}/caseload", "GET /users/{userId}/caseload",
              lambda w, n: Request("GET", f"/users/{ASSESSORS[0]}/caseload", {"status": "open", **page})),
        Probe("GET /me/worktray", "GET /me/worktray", lambda w, n: Request("GET", "/me/worktray", page)),
        Probe("POST /people", "POST /people", lambda w, n: Request("POST", "/people", body=person_body(w, n)),
              expect=201, writes=True),
        Probe("POST /people", "POST /people (Idempotency-Key)",
              lambda w, n: Request("POST", "/people", body=person_body(w, 50000 + n),
                                   headers={"Idempotency-Key": f"bench-person-{w.size}-{n}"}),
              expect=201, writes=True),
        Probe("POST /cases", "POST /cases",
              lambda w, n: Request("POST", "/cases", body={"urn": w.write_urn, "caseType": "ls-cmi"}),
              expect=201, writes=True),
        Probe("POST /cases", "POST /cases (Idempotency-Key)",
              lambda w, n: Request("POST", "/cases", body={"urn": w.write_urn, "caseType": "ls-cmi"},
                                   headers={"Idempotency-Key": f"bench-case-{w.size}-{n}"}),
              expect=201, writes=True),
        Probe("PUT /cases/{caseId}/assignment", "PUT /cases/{caseId}/assignment",
              lambda w, n: Request("PUT", f"/cases/{w.unassigned_open.pop()}/assignment",
                                   body={"userId": ASSESSORS[0]}),
              writes=True),
        *library_probes(),
        *transfer_probes(),
        *mappa_probes(),
        *lscmi_probes(),
    ]


def library_probes() -> list[Probe]:
    """Reads as the team leader (right 70), changes as the business administrator (right 80)."""
    if not _library_routes():
        return []
    page = {"limit": LIMIT}

    def declared(title: str) -> dict[str, Any]:
        return {"title": title, "fileName": "guidance.pdf", "contentType": "application/pdf", "size": len(PDF)}

    return [
        Probe("GET /library", "GET /library", lambda w, n: Request("GET", "/library", page)),
        Probe("GET /library/{docId}", "GET /library/{docId}", lambda w, n: Request("GET", f"/library/{w.doc_id}")),
        Probe("GET /library/{docId}/versions", "GET /library/{docId}/versions",
              lambda w, n: Request("GET", f"/library/{w.doc_id}/versions", page)),
        Probe("GET /library/{docId}/versions/{versionId}", "GET /library/{docId}/versions/{versionId}",
              lambda w, n: Request("GET", f"/library/{w.doc_id}/versions/{w.version_id}")),
        Probe("POST /library", "POST /library", lambda w, n: Request("POST", "/library", body=declared(f"New {n}")),
              expect=201, writes=True, user=ADMIN),
        Probe("PUT /library/{docId}", "PUT /library/{docId}",
              lambda w, n: Request("PUT", f"/library/{w.doc_id}", body=declared(f"Next {n}")), writes=True,
              user=ADMIN),
        Probe("DELETE /library/{docId}", "DELETE /library/{docId}",
              lambda w, n: Request("DELETE", f"/library/{w.deletable.pop()}"), expect=204, writes=True, user=ADMIN),
    ]


def transfer_probes() -> list[Probe]:
    """Reads and exports as the team leader (right 40); destinations and senders as the administrator (90)."""
    if not _transfer_routes():
        return []
    page = {"limit": LIMIT}
    return [
        Probe("GET /destinations", "GET /destinations", lambda w, n: Request("GET", "/destinations", page)),
        Probe("POST /destinations", "POST /destinations",
              lambda w, n: Request("POST", "/destinations", body={"name": f"D{n}", "email": f"d{n}@x.example.org"}),
              expect=201, writes=True, user=ADMIN),
        Probe("DELETE /destinations/{destinationId}", "DELETE /destinations/{destinationId} (none such)",
              lambda w, n: Request("DELETE", "/destinations/01JB8Y0Q7W6X4Z2V9T3S5R1P0N"), expect=404, user=ADMIN),
        Probe("GET /import-senders", "GET /import-senders", lambda w, n: Request("GET", "/import-senders", page)),
        Probe("POST /import-senders", "POST /import-senders",
              lambda w, n: Request("POST", "/import-senders", body={"email": f"s{w.size}-{n}@x.example.org"}),
              expect=201, writes=True, user=ADMIN),
        Probe("DELETE /import-senders/{email}", "DELETE /import-senders/{email} (none such)",
              lambda w, n: Request("DELETE", "/import-senders/nobody@x.example.org"), expect=404, user=ADMIN),
        Probe("POST /exports", "POST /exports",  # the same case for the same call at every size
              lambda w, n: Request("POST", "/exports", body={"caseId": w.closed_cases[n],
                                                             "destinationId": w.destination_id}),
              expect=201, writes=True),
        Probe("GET /exports", "GET /exports", lambda w, n: Request("GET", "/exports", page)),
        Probe("GET /exports/{exportId}", "GET /exports/{exportId}",
              lambda w, n: Request("GET", f"/exports/{w.export_id}")),
        Probe("POST /imports", "POST /imports", lambda w, n: Request("POST", "/imports", body={"size": 2048}),
              expect=201, writes=True),
        Probe("GET /imports", "GET /imports?status=imported",
              lambda w, n: Request("GET", "/imports", {"status": "imported", **page})),
        Probe("GET /imports", "GET /imports (every status)", lambda w, n: Request("GET", "/imports", page)),
        Probe("GET /imports/{importId}", "GET /imports/{importId}",
              lambda w, n: Request("GET", f"/imports/{w.imported_id}")),
        Probe("POST /imports/{importId}/confirm", "POST /imports/{importId}/confirm (already imported)",
              lambda w, n: Request("POST", f"/imports/{w.imported_id}/confirm", body={})),
        Probe("DELETE /imports/{importId}", "DELETE /imports/{importId}",
              lambda w, n: Request("DELETE", f"/imports/{w.cancellable.pop()}"), writes=True),
    ]


def _mappa_routes() -> bool:
    from local import template

    return any(r.path.startswith("/mappa") for r in template.routes())


MAPPA_CALLS = 3  # at most one "first", one cold and one warm call per probe and size


def seed_mappa(world: World) -> None:
    """Two people with a current MAPPA discussion (one for reads, patches and notifications, one for the
    subsequent-discussion flow), the notifications queue, and for the first assessor alerts to acknowledge
    and tasks to complete, one per call. Made through the API after the cases are loaded."""
    import boto3

    from casework import clock, ids
    from casework.config import settings
    from casework.store import work

    if not _mappa_routes():
        return
    boto3.client("sqs", region_name=ENV["AWS_REGION"]).create_queue(
        QueueName=settings.notifications_queue_url.rsplit("/", 1)[1])
    started = clock.today()

    def discussion(urn: str) -> str:
        status, body = _call(Request("POST", f"/people/{urn}/mappa", body={
            "dateOfDiscussion": str(started.replace(year=started.year - 1)), "reviewDate": str(started.replace(
                year=started.year + 1)), "level": 1, "category": 1, "details": "Bench action plan"}))
        assert status == 201, body
        return str(body["discussionId"])

    urn, write_urn = world.urns[1], world.urns[2]
    read_id = discussion(urn)
    discussion(write_urn)
    acknowledge = []
    for _ in range(MAPPA_CALLS):
        status, body = _call(Request("POST", f"/mappa/{read_id}/notifications", body={
            "recipients": [ASSESSORS[0]], "dateNotified": str(started), "sendAlert": False}))
        assert status == 201, body
        acknowledge.append(body["notificationId"])
    tasks = []
    for _ in range(MAPPA_CALLS):
        task = work.new_task(task_id=ids.ulid(), user_id=ASSESSORS[0], service_id=SERVICE, kind="mappa-notification",
                             subject="MAPPA notification", case_id=None, due_date=None, created_at=clock.stamp())
        task.save()
        tasks.append(task.task_id)
    world.mappa = {"urn": urn, "write_urn": write_urn, "discussion": read_id, "notification": acknowledge[0],
                   "acknowledge": acknowledge, "tasks": tasks}


def mappa_probes() -> list[Probe]:
    """MAPPA as the team leader (rights 100/110); acknowledgement and completion by the recipient."""
    if not _mappa_routes():
        return []

    def subsequent(w: World, n: int) -> dict[str, Any]:
        day = date.today() - timedelta(days=100 - n)
        return {"dateOfDiscussion": str(day), "reviewDate": str(day + timedelta(days=200)), "level": 2,
                "category": 1, "details": "Bench plan", "endCurrent": True}

    return [
        Probe("GET /people/{urn}/mappa", "GET /people/{urn}/mappa",
              lambda w, n: Request("GET", f"/people/{w.mappa['urn']}/mappa")),
        Probe("GET /mappa/{discussionId}", "GET /mappa/{discussionId}",
              lambda w, n: Request("GET", f"/mappa/{w.mappa['discussion']}")),
        Probe("POST /people/{urn}/mappa", "POST /people/{urn}/mappa (subsequent)",
              lambda w, n: Request("POST", f"/people/{w.mappa['write_urn']}/mappa", body=subsequent(w, n)),
              expect=201, writes=True),
        Probe("PATCH /mappa/{discussionId}", "PATCH /mappa/{discussionId}",
              lambda w, n: Request("PATCH", f"/mappa/{w.mappa['discussion']}", body={"level": 1 + n % 3}),
              writes=True),
        Probe("POST /mappa/{discussionId}/notifications", "POST /mappa/{discussionId}/notifications (2 alerts)",
              lambda w, n: Request("POST", f"/mappa/{w.mappa['discussion']}/notifications", body={
                  "recipients": ASSESSORS[:2], "dateNotified": str(date.today())}),
              expect=201, writes=True),
        Probe("GET /notifications/{notificationId}", "GET /notifications/{notificationId}",
              lambda w, n: Request("GET", f"/notifications/{w.mappa['notification']}")),
        Probe("POST /notifications/{notificationId}/acknowledge", "POST /notifications/{notificationId}/acknowledge",
              lambda w, n: Request("POST", f"/notifications/{w.mappa['acknowledge'].pop()}/acknowledge"),
              writes=True, user=ASSESSORS[0]),
        Probe("POST /worktray/{taskId}/complete", "POST /worktray/{taskId}/complete",
              lambda w, n: Request("POST", f"/worktray/{w.mappa['tasks'].pop()}/complete"), writes=True,
              user=ASSESSORS[0]),
    ]


def _call(request: Request, user: str = LEADER) -> tuple[int, Any]:
    from local.dispatch import invoke

    raw = None if request.body is None else json.dumps(request.body)
    headers = {"content-type": "application/json", **request.headers}
    sink = io.StringIO()  # powertools prints EMF metrics to stdout
    with contextlib.redirect_stdout(sink), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        answer = invoke(request.method, request.path, query=urlencode(request.query), headers=headers, body=raw,
                        claims={"sub": user, "token_use": "id"})
    return answer.status, answer.json()


def _summary(calls: list[Call]) -> dict[str, Any]:
    ops = Counter(c.operation for c in calls)
    return {
        "requests": len(calls),
        "items_read": sum(c.read for c in calls),
        "items_read_by_query": sum(c.read for c in calls if c.operation in ("Query", "Scan")),
        "items_read_by_key": sum(c.read for c in calls if c.operation not in ("Query", "Scan")),
        "items_written": sum(c.written for c in calls),
        "rcu_estimate": sum(c.rcu for c in calls),
        "operations": dict(sorted(ops.items())),
        "calls": [{"op": c.operation, "target": c.target, "read": c.read, "written": c.written, "rcu": c.rcu,
                   **({"error": c.error} if c.error else {})} for c in calls],
    }


def measure(world: World, meter: Meter, *, first: bool) -> dict[str, Any]:
    """Every probe, with a cold and a warm caller cache; with `first`, a call of each before them, kept
    only to show whether the first call in a container costs more (moto is slow at 20,000 cases, so
    that pass is made at the smallest size only)."""
    from casework import directory
    from casework.config import settings

    cold = settings.model_copy(update={"caller_cache_seconds": 0})
    warm = settings.model_copy(update={"caller_cache_seconds": 30})
    out: dict[str, Any] = {}
    for probe in probes():
        results: dict[str, Any] = {}
        for mode in ("first", "cold", "warm") if first else ("cold", "warm"):
            directory.settings = warm if mode == "warm" else cold  # type: ignore[attr-defined]
            directory.forget()
            if mode == "warm":
                directory.caller_for(probe.user)  # looked up by an earlier request in this container
            # the call's number: the same for the cold and the warm call at every size (the "first" pass is 0),
            # so a probe that takes a record by number takes the same one at every size
            request = probe.make(world, {"first": 0, "cold": 1, "warm": 2}[mode])
            with meter.measuring() as calls:
                status, body = _call(request, probe.user)
            results[mode] = {"status": status, **_summary(calls), "other_requests": dict(meter.others)}
            if status != probe.expect:
                results[mode]["problem"] = body
        directory.settings = settings  # type: ignore[attr-defined]
        earlier = results.pop("first", None)
        if earlier is not None and earlier["calls"] != results["cold"]["calls"]:
            results["first_call_differs"] = {"requests": earlier["requests"], "operations": earlier["operations"]}
        out[probe.label] = {"route": probe.route, "writes": probe.writes, "expect": probe.expect, **results}
    return out


# ---------------------------------------------------------------- the report


def _sanity(by_size: dict[int, dict[str, Any]]) -> list[str]:
    """GET /cases/{id}: caller (GetItem user, BatchGetItem service+group), case (GetItem ref, BatchGetItem case and
    person: the case must be of the person's current generation)."""
    problems = []
    for size, routes in by_size.items():
        got = routes["GET /cases/{caseId}"]
        if got["cold"]["operations"] != {"BatchGetItem": 2, "GetItem": 2} or got["cold"]["items_read"] != 6:
            problems.append(f"sanity @{size}: GET /cases/{{caseId}} cold made {got['cold']['operations']}, "
                            f"read {got['cold']['items_read']} (expected 2 GetItem + 2 BatchGetItem, 6 items)")
        if got["warm"]["operations"] != {"BatchGetItem": 1, "GetItem": 1} or got["warm"]["items_read"] != 3:
            problems.append(f"sanity @{size}: GET /cases/{{caseId}} warm made {got['warm']['operations']}, "
                            f"read {got['warm']['items_read']} (expected 1 GetItem + 1 BatchGetItem, 3 items)")
    return problems


PAGE_NOTE = ("yes*: the same requests and the same items read by Query; only items found by key differ, which "
             "depends on the data on the page, never on the size of the service.")


RCU_NOTE = ("RCU: read capacity units estimated from the sizes of the items returned (4 KB units; strongly "
            "consistent 1, eventually consistent 0.5; each BatchGetItem key is charged like a GetItem).")


def _verdict(per_size: list[dict[str, Any]]) -> str:
    """yes: identical; yes*: identical but for key look-ups bounded by the page; NO: the cost grows."""
    base = per_size[0]
    if all((g["requests"], g["items_read"]) == (base["requests"], base["items_read"]) for g in per_size):
        return "yes"
    if all((g["requests"], g["items_read_by_query"], g["operations"]) ==
           (base["requests"], base["items_read_by_query"], base["operations"]) for g in per_size):
        return "yes*"
    return "NO"


def _ops_text(operations: dict[str, int]) -> str:
    return " ".join(f"{op}×{n}" if n > 1 else op for op, n in operations.items())


def report(sizes: list[int], by_size: dict[int, dict[str, Any]], log: Any) -> list[dict[str, Any]]:
    small, large = sizes[0], sizes[-1]
    labels = list(by_size[small])
    rows_out = []
    for mode, title in (("cold", "cold caller cache (CALLER_CACHE_SECONDS=0: the caller's directory lookup is in "
                                  "every call)"),
                        ("warm", "warm caller cache (caller looked up earlier in the same container)")):
        rows = []
        for label in labels:
            cells: list[Any] = [label]
            per_size = [by_size[s][label][mode] for s in sizes]
            for got in per_size:
                flag = "" if got["status"] == by_size[small][label]["expect"] else f" !{got['status']}"
                cells += [f"{got['requests']}{flag}", got["items_read"]]
            verdict = _verdict(per_size)
            same = verdict != "NO"
            cells += [verdict, per_size[-1]["items_written"], f"{per_size[-1]['rcu_estimate']:g}",
                      _ops_text(per_size[-1]["operations"])]
            rows.append(cells)
            if mode == "cold":
                rows_out.append({"route": label, "same": same, "verdict": verdict,
                                 **{f"requests@{s}": g["requests"] for s, g in zip(sizes, per_size, strict=True)},
                                 **{f"items_read@{s}": g["items_read"] for s, g in zip(sizes, per_size, strict=True)},
                                 "items_written": per_size[-1]["items_written"],
                                 f"rcu_estimate@{large}": per_size[-1]["rcu_estimate"],
                                 "warm_requests": by_size[large][label]["warm"]["requests"],
                                 "warm_items_read": by_size[large][label]["warm"]["items_read"]})
        headers = ["route"]
        for s in sizes:
            headers += [f"requests@{_k(s)}", f"items read@{_k(s)}"]
        headers += ["same?", "written", f"RCU@{_k(large)}", f"operations @{_k(large)}"]
        numeric = set(range(1, 1 + 2 * len(sizes))) | {2 + 2 * len(sizes), 3 + 2 * len(sizes)}
        log(f"\nDynamoDB per API call, {title}; lists with limit={LIMIT}")
        log(table(headers, rows, right=numeric))
    log(PAGE_NOTE)
    log(RCU_NOTE)
    return rows_out


def _k(size: int) -> str:
    return f"{size // 1000}k" if size % 1000 == 0 else str(size)


def run(sizes: list[int], log: Any = print) -> dict[str, Any]:
    _environment()
    import boto3
    from moto import mock_aws

    from local import template

    declared = {r.key for r in template.routes()}
    probed = {p.route for p in probes()}
    meter = Meter()
    by_size: dict[int, dict[str, Any]] = {}
    seeding: dict[int, Any] = {}
    with meter.installed():
        for size in sizes:
            with mock_aws():
                template.create_tables(boto3.client("dynamodb", region_name=ENV["AWS_REGION"]))
                world = seed(size)
                seed_mappa(world)
                log(f"seeded {size} cases ({sum(world.items.values())} items: {dict(world.items)}) "
                    f"in {world.seconds:.1f} s")
                seeding[size] = {"seconds": round(world.seconds, 1), "items": dict(world.items)}
                by_size[size] = measure(world, meter, first=size == sizes[0])

    rows = report(sizes, by_size, log)
    unmeasured = sorted(declared - probed)
    stale = sorted(probed - declared)
    scans = sum(1 for routes in by_size.values() for r in routes.values() for mode in ("cold", "warm")
                for c in r[mode]["calls"] if c["op"] == "Scan")
    problems = _sanity(by_size)
    for size, routes in by_size.items():
        for label, r in routes.items():
            for mode in ("cold", "warm"):
                if r[mode]["status"] != r["expect"]:
                    problems.append(f"@{size} {label} ({mode}) answered {r[mode]['status']}: {r[mode].get('problem')}")
            if "first_call_differs" in r:
                log(f"note @{size}: the first call of {label} differed: {r['first_call_differs']}")
    growing = [r["route"] for r in rows if not r["same"]]
    log(f"\nscans: {scans}   routes not measured: {len(unmeasured)}   reads growing with size: {growing or 'none'}")
    for key in unmeasured:
        log(f"warning: no probe for route {key} (add one in bench/dynamo.py)")
    problems += [f"probe for a route the template no longer has: {k}" for k in stale]
    for problem in problems:
        log(f"PROBLEM: {problem}")
    return {
        "benchmark": "dynamodb",
        "what": "DynamoDB requests and items read per API call, by service size",
        "method": {
            "backend": "moto in-process (mock_aws), tables from template.yaml",
            "caller": f"{LEADER} (team-leader); library changes as {ADMIN} (business-administrator)",
            "other_requests": "requests to other services (S3) are counted apart, in other_requests",
            "limit": LIMIT,
            "items_read": "Query/Scan ScannedCount; GetItem 1 if found; BatchGetItem/TransactGetItems items returned",
            "rcu_estimate": "from the sizes of the items returned: 4 KB units, 1 strongly / 0.5 eventually consistent, "
                            "each BatchGetItem key charged like a GetItem, TransactGetItems double",
            "same": "yes: identical at every size; yes*: identical requests and Query reads, only key look-ups "
                    "bounded by the page differ; NO: grows with the service",
            "cold": "CALLER_CACHE_SECONDS=0: the caller's directory lookup is counted in every call",
            "warm": "caller cache on and the caller looked up earlier in the same container",
            "data": "a tenth of the people hold two cases; a third of cases unassigned; a tenth closed; "
                    "each open assigned case has its assignment task; each case one audit entry",
        },
        "sizes": sizes,
        "seeding": seeding,
        "scans": scans,
        "routes_not_measured": unmeasured,
        "reads_growing_with_size": growing,
        "problems": problems,
        "table": rows,
        "by_size": {str(size): routes for size, routes in by_size.items()},
    }


# ---------------------------------------------------------------- LS/CMI assessments, approvals, maintenance

PER_PROBE = 3  # calls of a write probe at the smallest size (first, cold, warm); each takes its own record
PENDING = LIBRARY_DOCS  # pending closure requests: more than a page of the approvals table


def seed_lscmi(world: World, people_count: int) -> None:
    """Assessments, plans and approval requests on the bulk-loaded cases, written as the API would leave them
    (the case's level derived by `assessments.apply_level`), with batch writes. Assigned cases serve the
    assessor's changes (the leader holds the write-any right); unassigned ones, taken from the top of the
    unassigned table, serve record maintenance; their people hold one case each, so a person can be deleted."""
    from casework import clock, ids
    from casework.lscmi import assessments, scoring
    from casework.store import assessments as store
    from casework.store import records
    from casework.store.models import RecordItem

    now = clock.stamp()
    single = range(world.size - people_count + 1, people_count + 1)  # the cases of people holding one case
    # held by an assessor (not the leader, who makes the calls): every request names the same kind of worker
    assigned = [n for n in reversed(single) if n % 3 != 0 and n % 10 != 9 and n % len(HOLDERS) != 0]
    unassigned = [n for n in reversed(single) if n % 3 == 0 and n % 10 != 9]
    taken = {world.case_ids[n] for n in unassigned[:4 * PER_PROBE]}
    world.unassigned_open = [c for c in world.unassigned_open if c not in taken]

    def sections(total: int, merited: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {name: {"answers": {}, "text": "bench", "savedBy": LEADER, "savedAt": now}
                               for name in scoring.SECTIONS["full"] if name != "7.4"}
        out["1"].update(scores=scoring.filled_to(total), total=total)
        out["7"]["fullAssessmentMerited"] = merited
        return out

    pool = iter(assigned)
    spare = iter(unassigned)
    out: dict[str, Any] = {}
    with RecordItem.batch_write() as batch:
        def assessed(number: int, *, locked: bool, override: str | None = None, plan: bool = False,
                     closure: bool = False) -> dict[str, str]:
            case = records.find_case(world.case_ids[number])
            assert case is not None
            item = store.new_assessment(case, assessment_id=ids.ulid(), kind="full", reassessment_of=None,
                                        sections=sections(15), override=None, created_by=ASSESSORS[0],
                                        created_at=now)
            item.version = 1
            made = {"case": case.case_id, "assessment": item.assessment_id, "urn": case.urn,
                    "number": str(int(case.case_number))}
            if locked:
                item.status, item.locked_by, item.locked_at = "locked", ASSESSORS[0], now
            if override:
                approval = store.new_approval(case, approval_id=ids.ulid(), approval_type="override",
                                              rationale="bench", worker_id=ASSESSORS[0], worker_name="Assessor1 Bench",
                                              requested_by=ASSESSORS[0], requested_at=now,
                                              assessment_id=item.assessment_id, original_level="medium",
                                              requested_level="high", override_kind="clinical")
                approval.status = override
                approval.version = 1
                batch.save(store.refresh_pending_keys(approval))
                batch.save(store.approval_ref(approval))
                item.override = {"kind": "clinical", "originalLevel": "medium", "requestedLevel": "high",
                                 "rationale": "bench", "status": override, "approvalId": approval.approval_id}
                made["approval"] = approval.approval_id
            if plan:
                planned = store.new_plan(case, plan_id=ids.ulid(), assessment_id=item.assessment_id, plan_type="cmp",
                                         created_by=ASSESSORS[0], created_at=now)
                planned.version = 1
                batch.save(planned)
                made["plan"] = planned.plan_id
            if closure:
                approval = store.new_approval(case, approval_id=ids.ulid(), approval_type="closure-no-plan",
                                              rationale="bench", worker_id=ASSESSORS[0], worker_name="Assessor1 Bench",
                                              requested_by=ASSESSORS[0], requested_at=now,
                                              proposed_destruction_date="2032-01-01")
                approval.version = 1
                batch.save(approval)
                batch.save(store.approval_ref(approval))
                case.pending_closure = approval.approval_id
                made["approval"] = approval.approval_id
            batch.save(item)
            assessments.apply_level(case, [item])
            batch.save(case)
            return made

        out["fresh"] = [world.case_ids[next(pool)] for _ in range(PER_PROBE)]
        out["open"] = assessed(next(pool), locked=False)
        out["planned"] = assessed(next(pool), locked=True, plan=True)
        for name, kw in (("reassessable", {"locked": True}), ("lockable", {"locked": False}),
                         ("overridable", {"locked": False}),
                         ("withdrawable", {"locked": False, "override": "not-approved"}),
                         ("plannable", {"locked": True}), ("closable", {"locked": True}),
                         ("override_pending", {"locked": False, "override": "pending"})):
            out[name] = [assessed(next(pool), **kw) for _ in range(PER_PROBE)]
        out["pending"] = [assessed(next(pool), locked=True, closure=True) for _ in range(PENDING)]
        for name in ("asmt_deletable", "unlockable", "case_deletable", "person_deletable"):
            out[name] = [assessed(next(spare), locked=True) for _ in range(PER_PROBE)]
    world.items["assessment"] += sum(len(v) if isinstance(v, list) else 1 for k, v in out.items() if k != "fresh")
    world.items["approval"] += PENDING + 2 * PER_PROBE  # with as many reference items
    world.lscmi = out


def lscmi_probes() -> list[Probe]:
    """The assessor's changes as the team leader (write-any right); decisions on requests made by an assessor."""
    page = {"limit": LIMIT}

    def asmt(w: World, key: str) -> str:
        made = w.lscmi[key].pop() if key != "open" else w.lscmi[key]
        return f"/cases/{made['case']}/assessments/{made['assessment']}"

    def confirm(w: World, key: str, what: str) -> tuple[dict[str, str], dict[str, str]]:
        made = w.lscmi[key].pop()
        return made, {"confirm": f"{what} {made['number']}", "reason": "bench"}

    def maintenance(w: World, key: str, what: str, action: str, *, of_assessment: bool) -> Request:
        made, body = confirm(w, key, what)
        path = f"/cases/{made['case']}" + (f"/assessments/{made['assessment']}" if of_assessment else "")
        return Request("POST", f"{path}/{action}", body=body)

    def person(w: World) -> Request:
        made = w.lscmi["person_deletable"].pop()
        return Request("POST", f"/people/{made['urn']}/deletion",
                       body={"confirm": f"DELETE PERSON {made['urn']}", "reason": "bench"})

    section2 = {"text": "bench notes", "answers": {"2.1": True}}
    return [
        Probe("POST /cases/{caseId}/assessments", "POST /cases/{caseId}/assessments",
              lambda w, n: Request("POST", f"/cases/{w.lscmi['fresh'].pop()}/assessments", body={"kind": "full"}),
              expect=201, writes=True),
        Probe("POST /cases/{caseId}/reassessments", "POST /cases/{caseId}/reassessments",
              lambda w, n: Request("POST", f"/cases/{w.lscmi['reassessable'].pop()['case']}/reassessments"),
              expect=201, writes=True),
        Probe("GET /cases/{caseId}/history", "GET /cases/{caseId}/history",
              lambda w, n: Request("GET", f"/cases/{w.lscmi['planned']['case']}/history")),
        Probe("GET /cases/{caseId}/assessments/{assessmentId}", "GET /cases/{caseId}/assessments/{assessmentId}",
              lambda w, n: Request("GET", asmt(w, "open"))),
        Probe("PUT /cases/{caseId}/assessments/{assessmentId}/sections/{section}", "PUT .../sections/2",
              lambda w, n: Request("PUT", f"{asmt(w, 'open')}/sections/2", body=section2), writes=True),
        Probe("PUT /cases/{caseId}/assessments/{assessmentId}/sections/{section}", "PUT .../sections/1 (level)",
              lambda w, n: Request("PUT", f"{asmt(w, 'open')}/sections/1",
                                   body={"scores": _scores(10 + 10 * (n % 2))}), writes=True),
        Probe("POST /cases/{caseId}/assessments/{assessmentId}/lock", "POST .../lock",
              lambda w, n: Request("POST", f"{asmt(w, 'lockable')}/lock"), writes=True),
        Probe("POST /cases/{caseId}/assessments/{assessmentId}/override", "POST .../override",
              lambda w, n: Request("POST", f"{asmt(w, 'overridable')}/override",
                                   body={"kind": "clinical", "requestedLevel": "high", "rationale": "bench"}),
              expect=201, writes=True),
        Probe("DELETE /cases/{caseId}/assessments/{assessmentId}/override", "DELETE .../override",
              lambda w, n: Request("DELETE", f"{asmt(w, 'withdrawable')}/override"), writes=True),
        Probe("POST /cases/{caseId}/plans", "POST /cases/{caseId}/plans",
              lambda w, n: _plan_request(w.lscmi["plannable"].pop()), expect=201, writes=True),
        Probe("PUT /cases/{caseId}/plans/{planId}/sections/{section}", "PUT .../plans/{planId}/sections/9",
              lambda w, n: Request("PUT", f"/cases/{w.lscmi['planned']['case']}/plans/{w.lscmi['planned']['plan']}"
                                          "/sections/9", body={"actions": [{"need": "n", "action": "a",
                                                                            "timescale": "t"}]}), writes=True),
        Probe("POST /cases/{caseId}/closure-requests", "POST /cases/{caseId}/closure-requests",
              lambda w, n: Request("POST", f"/cases/{w.lscmi['closable'].pop()['case']}/closure-requests",
                                   body={"kind": "no-plan", "rationale": "bench"}), expect=201, writes=True),
        Probe("GET /approvals", "GET /approvals", lambda w, n: Request("GET", "/approvals", page)),
        Probe("GET /approvals/{approvalId}", "GET /approvals/{approvalId}",
              lambda w, n: Request("GET", f"/approvals/{w.lscmi['pending'][0]['approval']}")),
        Probe("POST /approvals/{approvalId}/decision", "POST /approvals/{approvalId}/decision (closure)",
              lambda w, n: Request("POST", f"/approvals/{w.lscmi['pending'].pop()['approval']}/decision",
                                   body={"decision": "approve"}), writes=True),
        Probe("POST /approvals/{approvalId}/decision", "POST /approvals/{approvalId}/decision (override)",
              lambda w, n: Request("POST", f"/approvals/{w.lscmi['override_pending'].pop()['approval']}/decision",
                                   body={"decision": "approve"}), writes=True),
        Probe("POST /cases/{caseId}/assessments/{assessmentId}/deletion", "POST .../assessments/{id}/deletion",
              lambda w, n: maintenance(w, "asmt_deletable", "DELETE ASSESSMENT", "deletion", of_assessment=True),
              writes=True),
        Probe("POST /cases/{caseId}/assessments/{assessmentId}/unlock", "POST .../unlock",
              lambda w, n: maintenance(w, "unlockable", "UNLOCK ASSESSMENT", "unlock", of_assessment=True),
              writes=True),
        Probe("POST /cases/{caseId}/deletion", "POST /cases/{caseId}/deletion",
              lambda w, n: maintenance(w, "case_deletable", "DELETE CASE", "deletion", of_assessment=False),
              writes=True),
        Probe("POST /people/{urn}/deletion", "POST /people/{urn}/deletion", lambda w, n: person(w), writes=True),
    ]


def _scores(total: int) -> dict[str, int]:
    from casework.lscmi import scoring

    return scoring.filled_to(total)


def _plan_request(made: dict[str, str]) -> Request:
    return Request("POST", f"/cases/{made['case']}/plans", body={"assessmentId": made["assessment"]})

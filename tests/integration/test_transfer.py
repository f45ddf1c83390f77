"""Transfer between services (DOMAIN: TRN-1 .. TRN-7) through the real handlers, with S3, SQS and SES in moto
(in-process). In-process moto's presigned URLs are not reachable, so an upload is put straight into the bucket
and its S3 event delivered to the consumer as SQS would; tests/e2e uploads through the presigned POST."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from casework.config import settings
from casework.store import records
from casework.transfer import file_format, imports
from local import template
from local.events import LambdaContext
from tests.integration.test_assignment import assert_problem, close_directly
from tests.support import Api, open_case, race, ses_stored

EVENTS = Path(__file__).resolve().parents[2] / "events"
BUCKETS = ("exports_bucket", "imports_bucket", "inbound_bucket")


@pytest.fixture
def s3(aws):
    client = boto3.client("s3")
    for name in BUCKETS:
        client.create_bucket(Bucket=getattr(settings, name),
                             CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
    boto3.client("ses").verify_email_identity(EmailAddress=settings.mail_from)
    return client


@pytest.fixture
def partners(world, api, s3) -> dict[str, str]:
    """Each justice service can send to the other; community accepts the prison's e-mailed files."""
    dest = {}
    for here, there in (("community", "prison"), ("prison", "community")):
        admin = getattr(world, here).admin
        answer = api.post("/destinations", admin, {"name": f"{there.title()} team",
                                                    "email": f"imports+{there}@inbound.example.org"})
        assert answer.status == 201, answer.json()
        dest[here] = answer.json()["destinationId"]
    answer = api.post("/import-senders", world.community.admin, {"email": "Transfers@HMP-Northfield.example.org"})
    assert answer.status == 201, answer.json()
    return dest


def handler():
    return template.handler_of(template.functions()["TransferFunction"])


def s3_message(bucket: str, key: str, n: int = 0) -> dict[str, Any]:
    sample = json.loads((EVENTS / "sqs-s3-object-created.json").read_text())
    record = json.loads(json.dumps(sample["Records"][0]))
    body = json.loads(record["body"])
    body["Records"][0]["s3"]["bucket"]["name"] = bucket
    body["Records"][0]["s3"]["object"].update(key=quote_plus(key), versionId=None)
    record["body"] = json.dumps(body)
    record["messageId"] = f"message-{n}"
    return {"Records": [record]}


def deliver(bucket: str, key: str) -> dict[str, Any]:
    return handler()(s3_message(bucket, key), LambdaContext("transfer"))


def closed_person(api: Api, user: str, urn: str, cases: int = 2, surname: str = "Smith") -> list[dict[str, Any]]:
    """A person with `cases` cases, all closed but the first (left open when there are several)."""
    made = [open_case(api, user, urn=urn, surname=surname) for _ in range(cases)]
    for case in made[1:] if cases > 1 else made:
        close_directly(case["caseId"])
    return made


def export_file(api: Api, s3, world, partners, case_id: str, deliver_by: str = "download") -> tuple[dict, bytes]:
    answer = api.post("/exports", world.community.leader,
                      {"caseId": case_id, "destinationId": partners["community"], "deliver": deliver_by})
    assert answer.status == 201, answer.json()
    out = answer.json()
    key = f"exports/community/{out['exportId']}.json"
    return out, s3.get_object(Bucket=settings.exports_bucket, Key=key)["Body"].read()


def upload(api: Api, s3, user: str, raw: bytes, *, reopen: bool = False, service: str = "prison",
           declared: int | None = None) -> dict[str, Any]:
    """Start an import, put the file where the form says, and let its S3 event arrive."""
    answer = api.post("/imports", user, {"fileName": "transfer.json", "size": declared or len(raw),
                                         "reopenLatestCase": reopen})
    assert answer.status == 201, answer.json()
    job = answer.json()
    key = job["upload"]["fields"]["key"]
    assert key == f"imports/{service}/{job['importId']}"
    s3.put_object(Bucket=settings.imports_bucket, Key=key, Body=raw, ContentType="application/json")
    assert deliver(settings.imports_bucket, key) == {"batchItemFailures": []}
    return status_of(api, user, job["importId"])


def status_of(api: Api, user: str, import_id: str) -> dict[str, Any]:
    answer = api.get(f"/imports/{import_id}", user)
    assert answer.status == 200, answer.json()
    return answer.json()


def person(api: Api, user: str, urn: str) -> dict[str, Any] | None:
    answer = api.get(f"/people/{urn}", user)
    return answer.json() if answer.status == 200 else None


def record_items(service_id: str, urn: str) -> list[dict[str, Any]]:
    """Every Records item of a person, refs included (a test may scan; request paths never do)."""
    table = boto3.resource("dynamodb").Table(settings.records_table)
    items, start = [], None
    while True:
        page = table.scan(**({"ExclusiveStartKey": start} if start else {}))
        items += [i for i in page["Items"] if i.get("serviceId") == service_id and i.get("urn", urn) == urn
                  and (i["pk"].startswith(f"{service_id}#PERSON#{urn}") or i["pk"].startswith("CASE#"))]
        start = page.get("LastEvaluatedKey")
        if not start:
            return items


def forget(items: list[dict[str, Any]]) -> None:
    """Delete Records items straight from the table (test clean-up only)."""
    table = boto3.resource("dynamodb").Table(settings.records_table)
    with table.batch_writer() as batch:
        for item in items:
            batch.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})


# ---------------------------------------------------------------- TRN-1


def test_trn1_only_closed_cases_export_with_every_record_and_a_digest(world, api, s3, partners):
    """TRN-1: an open case is refused; a closed one exports the person with all their cases, open and closed, in
    the versioned format with a digest that verifies."""
    leader = world.community.leader
    first, second = closed_person(api, leader, "URN-T1")
    assert_problem(api.post("/exports", leader, {"caseId": first["caseId"], "destinationId": partners["community"]}),
                   409)
    out, raw = export_file(api, s3, world, partners, second["caseId"])
    parsed = file_format.read(raw, max_bytes=settings.max_transfer_bytes)
    assert parsed.version == 1 and parsed.digest == out["digest"]
    assert parsed.body.person.urn == "URN-T1"
    assert sorted((c.case_number, c.status) for c in parsed.body.cases) == [
        (first["caseNumber"], "open"), (second["caseNumber"], "closed")]
    assert out["records"] == 3 and out["destination"]["destinationId"] == partners["community"]


def test_trn1_export_needs_the_right_a_destination_of_the_service_and_a_visible_case(world, api, s3, partners):
    leader = world.community.leader
    _, closed = closed_person(api, leader, "URN-T1B")
    body = {"caseId": closed["caseId"], "destinationId": partners["community"]}
    assert_problem(api.post("/exports", world.community.assessor, body), 403)
    assert_problem(api.post("/exports", world.prison.leader, body), 404)  # another service's case
    assert_problem(api.post("/exports", world.prison.leader, {**body, "destinationId": partners["prison"]}), 404)
    assert_problem(api.post("/exports", leader, {**body, "destinationId": partners["prison"]}), 422, "destinationId")
    assert_problem(api.post("/destinations", world.community.assessor, {"name": "X", "email": "x@example.org"}), 403)
    assert_problem(api.post("/destinations", world.community.admin, {"name": "X", "email": "not-an-address"}), 422,
                   "email")
    assert_problem(api.delete(f"/destinations/{partners['prison']}", world.community.admin), 404)


# ---------------------------------------------------------------- TRN-2


def test_trn2_download_link_email_delivery_and_show_exports(world, api, s3, partners):
    """TRN-2: the answer carries a short-lived link; `email` sends the file to the destination; the export is
    listed with case, destination, when and by whom."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    leader = world.community.leader
    _, closed = closed_person(api, leader, "URN-T2", surname="Jones")
    out, raw = export_file(api, s3, world, partners, closed["caseId"], deliver_by="email")
    assert out["downloadUrl"] and "X-Amz-Expires=" in out["downloadUrl"] and out["downloadExpiresAt"]
    assert out["emailedTo"] == "imports+prison@inbound.example.org"
    sent = ses_backends[DEFAULT_ACCOUNT_ID][settings.region].sent_messages
    assert len(sent) == 1 and set(sent[0].destinations) == {"imports+prison@inbound.example.org"}
    import email
    from email import policy

    message = email.message_from_string(sent[0].raw_data, policy=policy.default)
    attached = [p.get_payload(decode=True) for p in message.iter_attachments()]
    assert attached == [raw]
    listing = api.get("/exports", leader).json()["items"]
    assert [(e["caseId"], e["destination"]["name"], e["exportedBy"]["userId"]) for e in listing] == [
        (closed["caseId"], "Prison team", leader)]
    assert api.get(f"/exports/{out['exportId']}", leader).status == 200
    assert api.get(f"/exports/{out['exportId']}", world.prison.leader).status == 404
    trail = [e["action"] for e in api.get(f"/cases/{closed['caseId']}/audit", leader).json()["items"]]
    assert "case.exported" in trail


# ---------------------------------------------------------------- TRN-3


def test_trn3_new_urn_creates_the_person_and_reopens_the_latest_case_into_the_unassigned_table(
        world, api, s3, partners):
    leader = world.community.leader
    first, closed = closed_person(api, leader, "URN-T3", surname="Brown")
    _, raw = export_file(api, s3, world, partners, closed["caseId"])
    job = upload(api, s3, world.prison.leader, raw, reopen=True)
    assert job["status"] == "imported", job
    assert job["progress"]["done"] == job["progress"]["total"] == 3
    imported = person(api, world.prison.leader, "URN-T3")
    assert imported is not None and imported["surname"] == "Brown" and imported["multipleCases"]
    statuses = [c["status"] for c in sorted(imported["cases"], key=lambda c: c["caseNumber"])]
    assert statuses == ["open", "open"]  # the file's open case, and the latest reopened
    new_ids = {c["caseId"] for c in imported["cases"]}
    assert new_ids == set(job["cases"]) and not new_ids & {first["caseId"], closed["caseId"]}
    unassigned = {c["caseId"] for c in api.get("/cases/unassigned", world.prison.leader).json()["items"]}
    assert new_ids <= unassigned
    # the community service's record is untouched, and the prison's is not visible to it
    assert person(api, leader, "URN-T3")["cases"][1]["status"] == "closed"
    assert api.get(f"/cases/{job['cases'][0]}", leader).status == 404


# ---------------------------------------------------------------- TRN-4


def test_trn4_existing_urn_waits_says_open_or_closed_and_replaces_only_on_confirmation(world, api, s3, partners):
    leader = world.community.leader
    _, closed = closed_person(api, leader, "URN-T4", surname="Green")
    _, raw = export_file(api, s3, world, partners, closed["caseId"])
    mine = open_case(api, world.prison.leader, urn="URN-T4", surname="Grey")  # the prison holds an open case
    job = upload(api, s3, world.prison.leader, raw)
    assert job["status"] == "conflict" and job["existing"] == {"openCases": 1, "closedCases": 0, "hasOpenCase": True}
    before = person(api, world.prison.leader, "URN-T4")
    assert before["surname"] == "Grey" and len(before["cases"]) == 1  # nothing written yet
    confirmed = api.post(f"/imports/{job['importId']}/confirm", world.prison.leader, {})
    assert confirmed.status == 200 and confirmed.json()["status"] == "imported", confirmed.json()
    after = person(api, world.prison.leader, "URN-T4")
    assert after["surname"] == "Green" and len(after["cases"]) == 2
    assert api.get(f"/cases/{mine['caseId']}", world.prison.leader).status == 404  # replaced
    again = api.post(f"/imports/{job['importId']}/confirm", world.prison.leader, {})
    assert again.status == 200 and again.json()["status"] == "imported"  # a double confirm is harmless
    assert person(api, world.prison.leader, "URN-T4") == after
    assert_problem(api.delete(f"/imports/{job['importId']}", world.prison.leader), 409)


def test_trn4_cancel_leaves_everything_as_it_was(world, api, s3, partners):
    """TRN-4: cancelling leaves everything as it was; another service's team leader can't see, confirm or cancel
    the import (404, as for any record of another service) and their attempts change nothing."""
    leader = world.community.leader
    _, closed = closed_person(api, leader, "URN-T4C")
    _, raw = export_file(api, s3, world, partners, closed["caseId"])
    mine = closed_person(api, world.prison.leader, "URN-T4C", cases=1)[0]
    job = upload(api, s3, world.prison.leader, raw)
    assert job["existing"] == {"openCases": 0, "closedCases": 1, "hasOpenCase": False}
    before = record_items("prison", "URN-T4C")
    at_home = record_items("community", "URN-T4C")
    assert_problem(api.get(f"/imports/{job['importId']}", leader), 404)
    assert_problem(api.post(f"/imports/{job['importId']}/confirm", leader, {}), 404)
    assert_problem(api.delete(f"/imports/{job['importId']}", leader), 404)
    assert job["status"] == "conflict" and status_of(api, world.prison.leader, job["importId"]) == job
    assert record_items("prison", "URN-T4C") == before and record_items("community", "URN-T4C") == at_home
    cancelled = api.delete(f"/imports/{job['importId']}", world.prison.leader)
    assert cancelled.status == 200 and cancelled.json()["status"] == "cancelled"
    assert api.delete(f"/imports/{job['importId']}", world.prison.leader).status == 200
    assert_problem(api.post(f"/imports/{job['importId']}/confirm", world.prison.leader, {}), 409)
    assert record_items("prison", "URN-T4C") == before
    assert api.get(f"/cases/{mine['caseId']}", world.prison.leader).status == 200
    assert api.get(f"/imports/{job['importId']}", world.community.leader).status == 404  # another service's


# ---------------------------------------------------------------- TRN-5


def test_trn5_the_same_file_twice_has_the_effect_of_once(world, api, s3, partners):
    leader = world.community.leader
    _, closed = closed_person(api, leader, "URN-T5")
    _, raw = export_file(api, s3, world, partners, closed["caseId"])
    first = upload(api, s3, world.prison.leader, raw)
    assert first["status"] == "imported"
    snapshot = record_items("prison", "URN-T5")
    key = f"imports/prison/{first['importId']}"
    assert deliver(settings.imports_bucket, key) == {"batchItemFailures": []}  # a redelivered S3 event
    second = upload(api, s3, world.prison.leader, raw)  # the same file uploaded again
    assert second["status"] == "imported" and "already" in second["reasons"][0]
    assert record_items("prison", "URN-T5") == snapshot


def test_trn5_bad_files_are_rejected_with_reasons_and_nothing_is_written(world, api, s3, partners):
    leader = world.community.leader
    _, closed = closed_person(api, leader, "URN-T5B")
    _, raw = export_file(api, s3, world, partners, closed["caseId"])
    good = json.loads(raw)

    def altered(change) -> bytes:
        document = json.loads(raw)
        change(document)
        return json.dumps(document).encode()

    def resigned(change) -> bytes:
        def both(document):
            change(document)
            document["digest"] = file_format.digest_of(document["body"])
        return altered(both)

    cases = {
        "truncated": (raw[: len(raw) // 2], "not complete JSON"),
        "wrong digest": (altered(lambda d: d["body"]["person"].update(surname="Other")), "digest"),
        "unknown version": (altered(lambda d: d.update(version=7)), "version 7"),
        "missing URN": (resigned(lambda d: d["body"]["person"].pop("urn")), "body.person.urn"),
        "duplicate case numbers": (
            resigned(lambda d: d["body"]["cases"].append({**d["body"]["cases"][0], "caseId": "0" + "Z" * 25})),
            "duplicate case numbers"),
        "nested": (b'{"format":"casework-transfer","version":1,"x":' + b"[" * 50000 + b"]" * 50000 + b"}", "nests"),
        "not a transfer file": (b"%PDF-1.4 nothing to see", "not complete JSON"),
        "unknown record kind": (resigned(lambda d: d["body"]["records"].append(
            {"kind": "spell", "key": f"CASE#{good['body']['cases'][0]['caseNumber']:010d}#X#1", "data": {}})),
            "not a kind of record"),
    }
    for name, (data, reason) in cases.items():
        job = upload(api, s3, world.prison.leader, data)
        assert job["status"] == "rejected", (name, job)
        assert any(reason in r for r in job["reasons"]), (name, job["reasons"])
    assert person(api, world.prison.leader, "URN-T5B") is None
    assert record_items("prison", "URN-T5B") == []


def test_trn5_a_file_over_the_limit_is_refused_before_and_after_upload(world, api, s3, monkeypatch):
    leader = world.prison.leader
    assert_problem(api.post("/imports", leader, {"size": 50 * 1024 * 1024}), 413, "size")
    monkeypatch.setattr(imports, "settings", settings.model_copy(update={"max_transfer_bytes": 2048}))
    job = upload(api, s3, leader, b"{" + b" " * 4096 + b"}", declared=100)  # the client sent more than declared
    assert job["status"] == "rejected" and "at most 2048" in job["reasons"][0]


def synthetic_body(urn: str, surname: str, cases: int) -> dict[str, Any]:
    """The body of a valid transfer file from a service that is not in this world, with `cases` closed cases."""
    from casework import ids

    return {
        "person": {"urn": urn, "forename": "Sam", "surname": surname, "dateOfBirth": "1985-02-03", "chsNumber": None},
        "cases": [{"caseId": ids.ulid(), "caseNumber": n + 1, "caseType": "ls-cmi", "status": "closed",
                   "openedAt": "2024-01-02T03:04:05Z", "closedAt": "2024-06-02T03:04:05Z", "riskNeedLevel": "medium",
                   "destructionDate": "2030-06-02", "more": {}} for n in range(cases)],
        "records": [],
    }


def signed(body: Any, *, source: str = "elsewhere") -> bytes:
    """A transfer file of `body` as it stands, valid or not, with the digest its exporter would give it."""
    return json.dumps({"format": "casework-transfer", "version": 1, "exportedAt": "2026-11-01T10:00:00Z",
                       "exportedBy": "someone", "source": {"serviceId": source, "serviceName": "Elsewhere",
                                                           "serviceKind": "justice-prison", "nation": "scotland"},
                       "digest": file_format.digest_of(body), "body": body}).encode()


def synthetic(urn: str, surname: str, cases: int, *, source: str = "elsewhere") -> bytes:
    """A valid transfer file from a service that is not in this world, with `cases` closed cases."""
    raw, _ = file_format.write(body=synthetic_body(urn, surname, cases), exported_at="2026-11-01T10:00:00Z",
                                 exported_by="someone", source={"serviceId": source, "serviceName": "Elsewhere",
                                                                "serviceKind": "justice-prison", "nation": "scotland"})
    return raw


def with_records(body: dict[str, Any]) -> dict[str, Any]:
    """`body` with a MAPPA discussion of the person and an assessment of its first case, as an exporter writes them."""
    from casework import ids

    discussion, assessment = ids.ulid(), ids.ulid()
    case = body["cases"][0]
    body["records"] = [
        {"kind": "mappa", "key": f"MAPPA#{discussion}", "data": {
            "discussionId": discussion, "urn": body["person"]["urn"], "dateOfDiscussion": "2026-01-05",
            "reviewDate": "2099-06-01", "level": 2, "category": 1, "details": "Weekly visits",
            "recordedBy": "someone", "recordedAt": "2026-01-05T10:00:00.000Z"}},
        {"kind": "assessment", "key": f"CASE#{case['caseNumber']:010d}#ASMT#{assessment}", "data": {
            "assessmentId": assessment, "caseId": case["caseId"], "caseNumber": case["caseNumber"],
            "assessmentKind": "initial", "status": "in-progress", "sections": {}, "createdBy": "someone",
            "createdAt": "2026-01-05T10:00:00.000Z"}},
    ]
    return body


def nothing_written(api: Api, user: str, urn: str) -> bool:
    return person(api, user, urn) is None and record_items("prison", urn) == []


def test_trn5_files_that_tripped_the_importer_are_rejected_with_reasons_and_write_nothing(world, api, s3):
    """TRN-5: files that pass the format's shape but that the importer could not write (a key naming a case the
    file lacks, a record without its required attributes, values DynamoDB would refuse, index keys smuggled in, a
    record claiming another's id) are rejected with reasons naming the place, before anything is written. A file
    without the optional `records` is simply a person with no other records."""
    leader = world.prison.leader

    def changed(urn: str, change) -> bytes:
        body = with_records(synthetic_body(urn, "Odd", 2))
        change(body)
        return signed(body)

    def data(n: int, **fields: Any):
        return lambda body: body["records"][n]["data"].update(fields)

    too_long = changed("URN-ODD-LONG", data(0, level=7)).replace(b'"level": 7', b'"level": ' + b"9" * 5000)
    cases = {
        "a case inside the key the file lacks": (
            lambda body: body["records"][0].update(key="MAPPA#CASE#0000000099"), "body.records.0.key"),
        "a case number not in 10 digits": (
            lambda body: body["records"][1].update(key=body["records"][1]["key"].replace("#0000000001#", "#1#")),
            "body.records.1.key"),
        "empty data": (lambda body: body["records"][0].update(data={}), "body.records.0.data"),
        "a value of the wrong type": (data(0, level="two"), "body.records.0.data: level"),
        "a number DynamoDB cannot hold": (data(0, level=10 ** 40), "body.records.0.data: level"),
        "a fraction too small to hold": (data(0, category=1e-200), "body.records.0.data: category"),
        "an index key in a case": (lambda body: body["cases"][0]["more"].update(serviceStatus="community#open"),
                                   "unknown attribute(s) serviceStatus"),
        "an id that is not the key's": (data(0, discussionId="01JB8Y0Q7W6X4Z2V9T3S5R1P0N"),
                                        "its id is not the one its key names"),
    }
    for n, (name, (change, reason)) in enumerate(cases.items()):
        job = upload(api, s3, leader, changed(f"URN-ODD-{n}", change))
        assert job["status"] == "rejected", (name, job)
        assert any(reason in r for r in job["reasons"]), (name, job["reasons"])
        assert nothing_written(api, leader, f"URN-ODD-{n}"), name
    for name, raw, reason in (
            ("thousands of digits", too_long, "too long"),
            ("NaN", changed("URN-ODD-NAN", data(0, level=7)).replace(b'"level": 7', b'"level": NaN'), "NaN"),
            ("infinite", changed("URN-ODD-INF", data(0, level=7)).replace(b'"level": 7', b'"level": 1e999'),
             "too large")):
        job = upload(api, s3, leader, raw)
        assert job["status"] == "rejected" and any(reason in r for r in job["reasons"]), (name, job)
    assert record_items("prison", "URN-ODD-LONG") == record_items("prison", "URN-ODD-NAN") == []

    body = with_records(synthetic_body("URN-ODD-OK", "Fine", 2))
    assert upload(api, s3, leader, signed(body))["status"] == "imported"  # the same records, unchanged, import
    del body["records"]
    body["person"]["urn"] = "URN-ODD-NONE"
    job = upload(api, s3, leader, signed(body))
    assert job["status"] == "imported", job
    assert len(person(api, leader, "URN-ODD-NONE")["cases"]) == 2


def test_trn5_a_file_that_still_trips_the_importer_is_rejected_and_aws_failures_are_retried(world, api, s3,
                                                                                            monkeypatch):
    """TRN-5: whatever else reading and planning a file raises (they are pure: it can only be the file) rejects
    the import with a generic reason and logs an error with ids only; a failure to reach AWS is not the file's
    fault, so the S3 event fails and SQS delivers it again."""
    from botocore.exceptions import ClientError

    leader = world.prison.leader
    logged: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(imports.logger, "error", lambda message, extra=None, **_: logged.append((message, extra)))

    def tripped(plan) -> None:
        raise KeyError("Tripwire")  # a message quoting the file, as a KeyError on a name would

    monkeypatch.setattr(imports, "_settle", tripped)
    job = upload(api, s3, leader, synthetic("URN-TRIP", "Tripwire", 2))
    assert job["status"] == "rejected" and "logged for support" in job["reasons"][0], job
    assert nothing_written(api, leader, "URN-TRIP")
    assert [extra["import_id"] for _, extra in logged] == [job["importId"]] and logged[0][1]["error"] == "KeyError"
    assert "Tripwire" not in json.dumps(logged)

    def unreachable(plan) -> None:
        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "Query")

    monkeypatch.setattr(imports, "_settle", unreachable)
    answer = api.post("/imports", leader, {"size": 100})
    key = answer.json()["upload"]["fields"]["key"]
    s3.put_object(Bucket=settings.imports_bucket, Key=key, Body=synthetic("URN-TRIP-AWS", "Tripwire", 2))
    with pytest.raises(BatchProcessingError):
        deliver(settings.imports_bucket, key)
    assert status_of(api, leader, answer.json()["importId"])["status"] == "validating"
    monkeypatch.setattr(imports, "_settle", lambda plan: None)
    assert deliver(settings.imports_bucket, key) == {"batchItemFailures": []}
    assert status_of(api, leader, answer.json()["importId"])["status"] == "imported"


class Crash(Exception):
    """The function dies here (a timeout, an out-of-memory kill, a lost connection)."""


def crash_at(step: int):
    calls = {"n": 0, "names": []}

    def hook(name: str) -> None:
        calls["n"] += 1
        calls["names"].append(name)
        if calls["n"] == step:
            raise Crash(f"crash before write {step} ({name})")
    return hook, calls


def observed(api: Api, user: str, urn: str, generations: dict[str, tuple[str, int]]) -> str | None:
    """Which generation a reader sees (by surname and number of cases); never a mixture."""
    seen = person(api, user, urn)
    if seen is None:
        return None
    matches = [name for name, (surname, cases) in generations.items()
               if seen["surname"] == surname and len(seen["cases"]) == cases]
    assert len(matches) == 1, seen
    return matches[0]


def every_item(api: Api, user: str, path: str, **query: Any) -> list[dict[str, Any]]:
    """Every item of a paged list, each page read."""
    items, token = [], None
    while True:
        answer = api.get(path, user, query={**query, "limit": 200, **({"next": token} if token else {})})
        assert answer.status == 200, answer.json()
        items += answer.json()["items"]
        token = answer.json()["next"]
        if not token:
            return items


def listed(api: Api, user: str, urn: str) -> dict[str, set[str]]:
    """The surnames under which the system cases table (open and closed) and the unassigned table list the
    person's cases."""
    return {path: {c["surname"] for c in every_item(api, user, path, **query) if c["urn"] == urn}
            for path, query in (("/cases", {"status": "all"}), ("/cases/unassigned", {}))}


DYNAMODB_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
IMPORT_STEPS = {"reserve-numbers", "job:confirmed", "stage", "progress", "stage-refs", "job:switched",
                "clean-tasks", "clean-refs", "clean-records", "activate", "job:completed"}


def every_write_hooked(monkeypatch, run) -> list[str]:
    """Run `run` recording the hook's steps and DynamoDB's writes; each write must come after a step of its own
    (a write added without a hook fails here). The steps, in order."""
    from pynamodb.connection.base import Connection

    events: list[tuple[str, str]] = []
    call = Connection._make_api_call

    def recorded(self, operation_name: str, operation_kwargs: dict) -> dict:
        if operation_name in DYNAMODB_WRITES:
            events.append(("write", operation_name))
        return call(self, operation_name, operation_kwargs)

    monkeypatch.setattr(Connection, "_make_api_call", recorded)
    monkeypatch.setattr(imports, "before_write", lambda name: events.append(("step", name)))
    run()
    monkeypatch.setattr(Connection, "_make_api_call", call)
    monkeypatch.setattr(imports, "before_write", imports._no_fault)
    unhooked = [n for n, (kind, _) in enumerate(events) if kind == "write" and (n == 0 or events[n - 1][0] != "step")]
    assert not unhooked, [events[max(0, n - 2):n + 1] for n in unhooked]
    return [name for kind, name in events if kind == "step"]


@pytest.mark.parametrize("old_kind", ["opened here", "imported earlier"])
def test_trn5_a_crash_at_any_write_step_leaves_the_old_person_or_the_new_and_a_retry_finishes_once(
        world, api, s3, monkeypatch, old_kind):
    """TRN-5: replacing a person whose records exceed one transaction (55 cases: 110 items and references) is
    all or nothing for readers. The import is crashed before each of its writes in turn (every write has a step,
    and the old person has an assigned case, so that every step is reached); after every crash a reader sees the
    old person or the new one, the case lists never show both generations, and confirming again finishes with
    exactly the new records and no task left for the old cases."""
    from casework import directory
    from casework.schemas.transfer import ConfirmIn

    leader, assessor = world.prison.leader, world.prison.assessor
    caller = directory.caller_for(leader)
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 1)  # progress after every batch: 55 cases make 2 saves
    new_cases = 55

    def replacing(urn: str) -> tuple[list[str], dict[str, Any]]:
        """The old person (one case assigned, with its task) and an import of the new one waiting in conflict."""
        if old_kind == "opened here":
            old = [open_case(api, leader, urn=urn, surname="Old")["caseId"] for _ in range(2)]
        else:
            first = upload(api, s3, leader, synthetic(urn, "Old", 3), reopen=True)
            assert first["status"] == "imported", first
            old = first["cases"]
        assigned = api.put(f"/cases/{old[-1]}/assignment", leader, {"userId": assessor})
        assert assigned.status == 200, assigned.json()
        assert [t["caseId"] for t in api.get("/me/worktray", assessor).json()["items"]
                if not t["completedAt"]] == [old[-1]]
        job = upload(api, s3, leader, synthetic(urn, "New", new_cases))
        assert job["status"] == "conflict"
        return old, job

    def both_never_listed(urn: str) -> None:
        for path, surnames in listed(api, leader, urn).items():
            assert len(surnames) <= 1, (path, surnames)

    suffix = "A" if old_kind == "opened here" else "B"
    _, job = replacing(f"URN-C000-{suffix}")
    steps = every_write_hooked(monkeypatch, lambda: imports.confirm(caller, job["importId"],
                                                                    ConfirmIn(reopen_latest_case=True)))
    assert set(steps) == IMPORT_STEPS, sorted(set(steps) ^ IMPORT_STEPS)
    crashed_at: set[str] = set()
    for step in range(1, len(steps) + 1):
        urn = f"URN-C{step:03d}-{suffix}"
        old, job = replacing(urn)
        generations = {"old": ("Old", len(old)), "new": ("New", new_cases)}
        hook, calls = crash_at(step)
        monkeypatch.setattr(imports, "before_write", hook)
        with pytest.raises(Crash):
            imports.confirm(caller, job["importId"], ConfirmIn(reopen_latest_case=True))
        monkeypatch.setattr(imports, "before_write", imports._no_fault)
        crashed_at.add(calls["names"][-1])
        seen = observed(api, leader, urn, generations)
        assert seen in ("old", "new")
        for case_id in old:
            assert (api.get(f"/cases/{case_id}", leader).status == 200) == (seen == "old")
        both_never_listed(urn)
        again = api.post(f"/imports/{job['importId']}/confirm", leader, {"reopenLatestCase": True})
        assert again.status == 200 and again.json()["status"] == "imported", (step, again.json())
        assert observed(api, leader, urn, generations) == "new"
        assert listed(api, leader, urn) == {"/cases": {"New"}, "/cases/unassigned": {"New"}}
        items = record_items("prison", urn)
        kinds = sorted(i["kind"] for i in items)
        assert kinds == sorted(["person"] + ["case"] * new_cases + ["case-ref"] * new_cases), (step, len(items))
        assert all(api.get(f"/cases/{c}", leader).status == 404 for c in old)
        worktray = api.get("/me/worktray", assessor).json()["items"]
        assert not [t for t in worktray if t["caseId"] in old and not t["completedAt"]], step
        forget(items)  # keep the service small: every list check reads all of it
    assert crashed_at == set(steps)


@pytest.mark.parametrize("crash_step", ["stage", "clean-records"])
def test_trn5_a_confirm_that_dies_part_way_is_finished_by_its_queued_resume(world, api, s3, monkeypatch, crash_step):
    """TRN-5: a confirmed replace dies part-way (a crash, the API's time limit) and nobody confirms again: the
    resume the confirm queued before writing anything arrives later and finishes it, once; a second copy of the
    message changes nothing."""
    from casework import directory
    from casework.schemas.transfer import ConfirmIn
    from local import cloud as cloud_module

    queues = cloud_module.Cloud(endpoint=None, server=None)  # type: ignore[arg-type]
    cloud_module._queues(queues)
    sqs = boto3.client("sqs")
    leader = world.prison.leader
    old = open_case(api, leader, urn="URN-RESUME", surname="Old")["caseId"]
    job = upload(api, s3, leader, synthetic("URN-RESUME", "New", 3))
    assert job["status"] == "conflict", job

    def dies(name: str) -> None:
        if name == crash_step:
            raise Crash(name)

    monkeypatch.setattr(imports, "before_write", dies)
    # the resume is due in minutes; here it may be received at once
    monkeypatch.setattr(imports, "settings", settings.model_copy(update={"resume_import_after_seconds": 0}))
    with pytest.raises(Crash):
        imports.confirm(directory.caller_for(leader), job["importId"], ConfirmIn())
    monkeypatch.setattr(imports, "before_write", imports._no_fault)
    assert status_of(api, leader, job["importId"])["status"] == "importing"

    queued = sqs.receive_message(QueueUrl=queues.queues["TransferEventsQueue"], MaxNumberOfMessages=10,
                                 WaitTimeSeconds=0, AttributeNames=["All"])["Messages"]
    assert [json.loads(m["Body"]) for m in queued] == [{"resumeImport": job["importId"], "version": 1}]
    record = s3_message("unused", "unused")["Records"][0]
    for n in range(2):  # delivered, then delivered again
        event = {"Records": [{**record, "messageId": f"resume-{n}", "body": queued[0]["Body"]}]}
        assert handler()(event, LambdaContext("transfer")) == {"batchItemFailures": []}
        assert status_of(api, leader, job["importId"])["status"] == "imported"
    assert person(api, leader, "URN-RESUME")["surname"] == "New"
    assert api.get(f"/cases/{old}", leader).status == 404
    kinds = sorted(i["kind"] for i in record_items("prison", "URN-RESUME"))
    assert kinds == sorted(["person"] + ["case"] * 3 + ["case-ref"] * 3)


def test_trn5_a_resume_message_for_an_import_not_importing_changes_nothing(world, api, s3):
    leader = world.prison.leader
    open_case(api, leader, urn="URN-RESUME2", surname="Old")
    job = upload(api, s3, leader, synthetic("URN-RESUME2", "New", 2))
    record = s3_message("unused", "unused")["Records"][0]
    for body in (json.dumps({"resumeImport": job["importId"], "version": 1}),
                 json.dumps({"resumeImport": "01" + "0" * 24, "version": 1})):
        event = {"Records": [{**record, "body": body}]}
        assert handler()(event, LambdaContext("transfer")) == {"batchItemFailures": []}
    assert status_of(api, leader, job["importId"])["status"] == "conflict"
    assert person(api, leader, "URN-RESUME2")["surname"] == "Old"


def test_trn5_two_confirms_at_once_replace_the_person_once(world, api, s3, monkeypatch):
    """TRN-5: two confirmations of one import race (a double click, two team leaders): one replaces the person,
    the other answers with the same outcome or 409 with the import's state, never a 500, and the person is
    replaced once."""
    leader = world.prison.leader
    old = open_case(api, leader, urn="URN-RACE", surname="Old")["caseId"]
    job = upload(api, s3, leader, synthetic("URN-RACE", "New", 3))
    assert job["status"] == "conflict"
    path = f"/imports/{job['importId']}/confirm"
    api.get(f"/imports/{job['importId']}", leader)  # load the function before the threads race into it

    answers = race(monkeypatch, lambda: api.post(path, leader, {}), lambda: api.post(path, leader, {}))

    assert sorted(a.status for a in answers) in ([200, 200], [200, 409]), [(a.status, a.json()) for a in answers]
    done = [a.json() for a in answers if a.status == 200]
    assert {(d["status"], tuple(d["cases"])) for d in done} == {("imported", tuple(done[0]["cases"]))}
    for lost in (a for a in answers if a.status == 409):
        assert_problem(lost, 409)
        assert lost.json()["current"]["status"] in ("importing", "imported")
    assert status_of(api, leader, job["importId"])["status"] == "imported"
    assert person(api, leader, "URN-RACE")["surname"] == "New" and api.get(f"/cases/{old}", leader).status == 404
    kinds = sorted(i["kind"] for i in record_items("prison", "URN-RACE"))
    assert kinds == sorted(["person"] + ["case"] * 3 + ["case-ref"] * 3)
    trail = [e["action"] for e in every_item(api, leader, "/people/URN-RACE/audit")]
    assert trail.count("person.imported") == 1, trail


def test_trn4_a_confirm_and_a_cancel_at_once_one_stands_and_the_other_is_refused(world, api, s3, monkeypatch):
    """TRN-4: a confirmation and a cancellation of one import race: exactly one stands; the other answers 409
    with the import's state (never a 500), and the person is replaced only if the confirmation stood."""
    leader = world.prison.leader
    old = open_case(api, leader, urn="URN-RACE-C", surname="Old")["caseId"]
    job = upload(api, s3, leader, synthetic("URN-RACE-C", "New", 3))
    before = record_items("prison", "URN-RACE-C")
    api.get(f"/imports/{job['importId']}", leader)  # load the function before the threads race into it

    confirmed, cancelled = race(
        monkeypatch, lambda: api.post(f"/imports/{job['importId']}/confirm", leader, {}),
        lambda: api.delete(f"/imports/{job['importId']}", leader))

    assert sorted((confirmed.status, cancelled.status)) == [200, 409], (confirmed.json(), cancelled.json())
    if confirmed.status == 200:
        assert confirmed.json()["status"] == "imported"
        assert cancelled.json()["current"]["status"] in ("importing", "imported")
        assert person(api, leader, "URN-RACE-C")["surname"] == "New"
    else:
        assert cancelled.json()["status"] == "cancelled" and confirmed.json()["current"]["status"] == "cancelled"
        assert record_items("prison", "URN-RACE-C") == before and api.get(f"/cases/{old}", leader).status == 200


def test_trn5_an_attempt_overtaken_by_another_stops_and_leaves_the_new_person_whole(world, api, s3, monkeypatch):
    """TRN-5: a confirmation repeated while an earlier attempt is still writing runs the same import twice at
    once. When one attempt switches the person in while the other is still staging, the other stops: it neither
    writes its staged items again (that would take the new cases off the lists) nor takes the person it finds
    switched for a lost import and discards the records just switched in."""
    from casework import directory
    from casework.schemas.transfer import ConfirmIn

    leader = world.prison.leader
    caller = directory.caller_for(leader)
    open_case(api, leader, urn="URN-TWICE", surname="Old")
    job = upload(api, s3, leader, synthetic("URN-TWICE", "New", 30))

    def crash_staging(name: str) -> None:
        if name == "stage":
            raise Crash("the first attempt dies while staging")

    monkeypatch.setattr(imports, "before_write", crash_staging)
    with pytest.raises(Crash):
        imports.confirm(caller, job["importId"], ConfirmIn(reopen_latest_case=True))
    overtaken = {"done": False}

    def overtake(name: str) -> None:
        if name == "stage" and not overtaken["done"]:  # a second attempt is about to stage: a third finishes first
            overtaken["done"] = True
            monkeypatch.setattr(imports, "before_write", imports._no_fault)
            third = api.post(f"/imports/{job['importId']}/confirm", leader, {})
            assert third.status == 200 and third.json()["status"] == "imported", third.json()

    monkeypatch.setattr(imports, "before_write", overtake)
    second = imports.confirm(caller, job["importId"], ConfirmIn())
    assert overtaken["done"] and second.status == "imported"
    seen = person(api, leader, "URN-TWICE")
    assert seen["surname"] == "New" and len(seen["cases"]) == 30
    on_lists = [c for c in every_item(api, leader, "/cases", status="all") if c["urn"] == "URN-TWICE"]
    assert sorted(c["caseId"] for c in on_lists) == sorted(c["caseId"] for c in seen["cases"])
    assert [c["surname"] for c in every_item(api, leader, "/cases/unassigned") if c["urn"] == "URN-TWICE"] == ["New"]
    kinds = sorted(i["kind"] for i in record_items("prison", "URN-TWICE"))
    assert kinds == sorted(["person"] + ["case"] * 30 + ["case-ref"] * 30)


def test_trn5_a_crash_while_importing_a_new_person_is_finished_by_the_redelivered_event(world, api, s3, monkeypatch):
    leader = world.prison.leader
    raw = synthetic("URN-NEW", "New", 30)
    hook, calls = crash_at(10_000)
    monkeypatch.setattr(imports, "before_write", hook)
    upload(api, s3, leader, synthetic("URN-COUNT", "New", 30))
    steps = calls["n"]
    for step in range(1, steps + 1):
        urn = f"URN-N{step:03d}"
        raw = synthetic(urn, "New", 30)
        monkeypatch.setattr(imports, "before_write", crash_at(step)[0])
        answer = api.post("/imports", leader, {"size": len(raw)})
        key = answer.json()["upload"]["fields"]["key"]
        s3.put_object(Bucket=settings.imports_bucket, Key=key, Body=raw)
        with pytest.raises(BatchProcessingError):  # the whole batch failed: SQS delivers it again
            deliver(settings.imports_bucket, key)
        seen = person(api, leader, urn)
        assert seen is None or len(seen["cases"]) == 30
        monkeypatch.setattr(imports, "before_write", imports._no_fault)
        assert deliver(settings.imports_bucket, key) == {"batchItemFailures": []}
        assert len(person(api, leader, urn)["cases"]) == 30
        kinds = sorted(i["kind"] for i in record_items("prison", urn))
        assert kinds == sorted(["person"] + ["case"] * 30 + ["case-ref"] * 30), step


# ---------------------------------------------------------------- TRN-6


def mail(s3, raw: bytes, key: str = "inbound/message-1") -> dict[str, Any]:
    """SES stores the message in the inbound bucket; its S3 event reaches the consumer."""
    s3.put_object(Bucket=settings.inbound_bucket, Key=key, Body=raw)
    return deliver(settings.inbound_bucket, key)


def imports_of(api: Api, user: str, status: str | None = None) -> list[dict[str, Any]]:
    answer = api.get("/imports", user, query={"status": status} if status else None)
    assert answer.status == 200, answer.json()
    return answer.json()["items"]


def sample_mail() -> Any:
    from email import message_from_bytes, policy

    return message_from_bytes((EVENTS / "transfer-mail.eml").read_bytes(), policy=policy.default)


def forward_imports(s3) -> None:
    """The attachment put in the imports bucket raises its own S3 event (the upload path)."""
    for item in s3.list_objects_v2(Bucket=settings.imports_bucket).get("Contents", []):
        assert deliver(settings.imports_bucket, item["Key"]) == {"batchItemFailures": []}


def test_trn6_an_allowed_senders_attachment_is_imported_through_the_upload_path(world, api, s3, partners):
    leader = world.community.leader
    assert mail(s3, (EVENTS / "transfer-mail.eml").read_bytes()) == {"batchItemFailures": []}
    forward_imports(s3)
    assert mail(s3, (EVENTS / "transfer-mail.eml").read_bytes()) == {"batchItemFailures": []}  # redelivered
    forward_imports(s3)
    jobs = imports_of(api, leader)
    assert len(jobs) == 1, jobs
    assert jobs[0]["status"] == "imported" and jobs[0]["source"] == "email"
    assert jobs[0]["sender"] == "transfers@hmp-northfield.example.org"
    imported = person(api, leader, "URN-MAIL-01")
    assert imported is not None and imported["surname"] == "Mailer"
    assert imported["cases"][0]["status"] == "closed"


def test_trn6_anything_else_is_quarantined_with_the_reason_for_administrators(world, api, s3, partners):
    from email.message import EmailMessage

    base = sample_mail()
    attachment = next(base.iter_attachments()).get_payload(decode=True)

    def message(sender: str, attachments: list[tuple[str, bytes]]) -> bytes:
        m = EmailMessage()
        m["From"], m["To"], m["Subject"] = sender, "imports+community@inbound.casework.example.org", "transfer"
        m.set_content("see attached")
        for name, data in attachments:
            m.add_attachment(data, maintype="application", subtype="json", filename=name)
        return ses_stored(bytes(m))  # as SES's receipt rule stores it, its checks passed

    allowed = "transfers@hmp-northfield.example.org"
    cases = {
        "unknown sender": (message("someone@elsewhere.example.org", [("a.json", attachment)]), "not on this service"),
        "no attachment": (message(allowed, []), "no attachment"),
        "ten attachments": (message(allowed, [(f"{n}.json", attachment) for n in range(10)]), "10 attachments"),
        "not a transfer file": (message(allowed, [("notes.json", b'{"hello": "world"}')]), "not a casework transfer"),
        "too large": (message(allowed, [("big.json", b" " * (settings.max_transfer_bytes + 1))]), "at most"),
    }
    for n, (name, (raw, _)) in enumerate(cases.items()):
        assert mail(s3, raw, key=f"inbound/bad-{n}") == {"batchItemFailures": []}, name
        assert mail(s3, raw, key=f"inbound/bad-{n}") == {"batchItemFailures": []}, name  # redelivered
    quarantined = imports_of(api, world.community.admin, "quarantined")
    assert len(quarantined) == len(cases), [q["reasons"] for q in quarantined]
    for name, (_, reason) in cases.items():
        assert any(reason in " ".join(q["reasons"]) for q in quarantined), (name, quarantined)
    assert imports_of(api, world.prison.admin, "quarantined") == []  # other services see none of it
    assert s3.list_objects_v2(Bucket=settings.imports_bucket).get("KeyCount", 0) == 0  # nothing went on to import
    assert api.get("/imports", world.community.assessor).status == 403


# ---------------------------------------------------------------- TRN-7


def test_trn7_a_prison_closed_record_moves_to_the_community_without_prison_approval(world, api, s3, partners):
    """TRN-7: the prison team's closed record goes to the community team as it is: no approval request is
    raised in either service, the prison's case stays closed, and the community service imports it (straight
    away for a new URN)."""
    prison, community = world.prison.leader, world.community.leader
    waiting = {user: every_item(api, user, "/approvals") for user in (prison, community)}
    case = open_case(api, prison, urn="URN-T7", surname="Walker")
    close_directly(case["caseId"])
    answer = api.post("/exports", prison, {"caseId": case["caseId"], "destinationId": partners["prison"]})
    assert answer.status == 201, answer.json()
    raw = s3.get_object(Bucket=settings.exports_bucket,
                        Key=f"exports/prison/{answer.json()['exportId']}.json")["Body"].read()
    job = upload(api, s3, community, raw, service="community", reopen=True)
    assert job["status"] == "imported"
    imported = person(api, community, "URN-T7")
    assert [c["status"] for c in imported["cases"]] == ["open"]
    assert api.get(f"/cases/{case['caseId']}", prison).json()["status"] == "closed"  # the prison keeps its record
    assert person(api, prison, "URN-T7")["cases"][0]["status"] == "closed"
    # no request waits for a manager in either service, for this person or any other
    assert {user: every_item(api, user, "/approvals") for user in (prison, community)} == waiting
    for user, case_id in ((prison, case["caseId"]), (community, imported["cases"][0]["caseId"])):
        trail = [e["action"] for e in api.get(f"/cases/{case_id}/audit", user).json()["items"]]
        assert not [a for a in trail if a.startswith("approval.")], (user, trail)


# ---------------------------------------------------------------- round trip and fuzz


def test_trn1_round_trip_reproduces_the_person_and_every_record(world, api, s3, partners):
    """Hypothesis: whatever the person's cases (type, status, level, dates), export then import into another
    service reproduces the person and every case field (new ids and numbers, same order)."""
    from hypothesis import HealthCheck, given
    from hypothesis import settings as hsettings
    from hypothesis import strategies as st

    case = st.fixed_dictionaries({"status": st.sampled_from(["open", "closed"]),
                                  "destruction": st.one_of(st.none(), st.dates().map(lambda d: d.isoformat()))})
    names = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1,
                    max_size=30).map(str.strip).filter(bool)
    counter = {"n": 0}

    @hsettings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
    @given(surname=names, forename=names, cases=st.lists(case, min_size=1, max_size=4))
    def round_trip(surname: str, forename: str, cases: list[dict[str, Any]]) -> None:
        counter["n"] += 1
        urn = f"URN-RT{counter['n']:04d}"
        leader = world.community.leader
        api.post("/people", leader, {"urn": urn, "forename": forename, "surname": surname, "dateOfBirth": "1990-01-01"})
        made = []
        for spec in [*cases, {"status": "closed", "destruction": "2032-01-01"}]:
            answer = api.post("/cases", leader, {"urn": urn, "caseType": "ls-cmi"})
            assert answer.status == 201, answer.json()
            item = records.find_case(answer.json()["caseId"])
            item.status = spec["status"]
            item.destruction_date = spec["destruction"]
            item.closed_at = "2026-01-01T00:00:00Z" if spec["status"] == "closed" else None
            records.refresh_index_keys(item).save()
            made.append(item.case_id)
        _, raw = export_file(api, s3, world, partners, made[-1])
        job = upload(api, s3, world.prison.leader, raw)
        assert job["status"] == "imported", job
        here, there = person(api, leader, urn), person(api, world.prison.leader, urn)
        fields = ("caseType", "status", "riskNeedLevel", "destructionDate", "openedAt", "closedAt")
        assert [{f: c[f] for f in fields} for c in here["cases"]] == [{f: c[f] for f in fields} for c in there["cases"]]
        assert {k: here[k] for k in ("forename", "surname", "dateOfBirth", "chsNumber", "multipleCases")} == {
            k: there[k] for k in ("forename", "surname", "dateOfBirth", "chsNumber", "multipleCases")}

    round_trip()


LEVELS = ["very-low", "low", "medium", "high", "very-high"]
ULID = r"[0-7][0-9A-HJKMNP-TV-Z]{25}"


def band(total: int) -> str:
    """LSA-3's bands of the section 1 total, written out here rather than taken from the code under test."""
    return LEVELS[sum(total >= floor for floor in (5, 11, 20, 30))]


def translated(value: Any, new_ids: dict[str, str], numbers: dict[int, int], name: str = "") -> Any:
    """`value` of the exporting service as the importing one should hold it: each id the new one, each case number
    (in a record key or a `caseNumber`) the new one."""
    if isinstance(value, dict):
        return {k: translated(v, new_ids, numbers, k) for k, v in value.items()}
    if isinstance(value, list):
        return [translated(v, new_ids, numbers, name) for v in value]
    if isinstance(value, str) and name == "key":
        parts = value.split("#")
        return "#".join(f"{numbers[int(p)]:010d}" if n and parts[n - 1] == "CASE" else new_ids.get(p, p)
                        for n, p in enumerate(parts))
    if isinstance(value, str):
        return new_ids.get(value, value)
    if name == "caseNumber" and isinstance(value, int):
        return numbers[value]
    return value


def test_trn1_round_trip_carries_assessments_plans_approvals_and_mappa_unchanged(world, api, s3, partners):
    """Hypothesis (TRN-1, LSA-3): whatever the scores, the override and its decision, the plan type and the MAPPA
    details, a person with a closed case holding a locked full LS/CMI 1-8, its plan, a decided override, a decided
    closure, and a MAPPA discussion with its notification (and perhaps an earlier case, scored and closed) arrives
    in the other service with every record and nothing else, the same apart from ids, case numbers and service:
    the receiving service's own export of the person holds exactly the sender's records, translated, and its
    history reads the same. The level each case shows is the band of its section 1 total, or the approved
    override."""
    import re

    from hypothesis import HealthCheck, given
    from hypothesis import settings as hsettings
    from hypothesis import strategies as st

    from tests.integration import lscmi_flow as flow

    c = world.community
    prison = world.prison.leader
    texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1,
                    max_size=40).map(str.strip).filter(bool)
    overrides = st.one_of(st.none(), st.tuples(st.sampled_from(LEVELS), st.sampled_from(["approve", "not-approve"])))
    counter = {"n": 0}

    def history_of(user: str, case_id: str) -> dict[str, Any]:
        answer = api.get(f"/cases/{case_id}/history", user)
        assert answer.status == 200, answer.json()
        return answer.json()

    def without_versions(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: without_versions(v) for k, v in value.items() if k != "version"}
        return [without_versions(v) for v in value] if isinstance(value, list) else value

    @hsettings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
    @given(total=st.integers(0, 43), override=overrides, merited=st.booleans(),
           plan_type=st.sampled_from(["cmp", "rmp"]), details=texts, level=st.integers(1, 3),
           category=st.integers(1, 3), earlier=st.one_of(st.none(), st.integers(0, 43)))
    def round_trip(total: int, override: tuple[str, str] | None, merited: bool, plan_type: str, details: str,
                   level: int, category: int, earlier: int | None) -> None:
        counter["n"] += 1
        urn = f"URN-RR{counter['n']:04d}"
        expected: list[str] = []
        if earlier is not None:  # an older case, scored and closed
            old = flow.assigned_case(api, c.leader, c.assessor, urn)
            scored = flow.start(api, c.assessor, old["caseId"])
            assert flow.section(api, c.assessor, old["caseId"], scored["assessmentId"], "1",
                                scores=flow.scores_for(earlier)).status == 200
            close_directly(old["caseId"])
            expected.append(band(earlier))
        case = flow.assigned_case(api, c.leader, c.assessor, urn)
        case_id = case["caseId"]
        full = flow.start(api, c.assessor, case_id)
        aid = full["assessmentId"]
        flow.fill_full(api, c.assessor, case_id, aid, total=total, merited=merited, plan_type=plan_type)
        shown = band(total)
        if override is not None:
            wanted, decision = override
            wanted = wanted if wanted != shown else LEVELS[(LEVELS.index(shown) + 1) % len(LEVELS)]
            request = flow.override(api, c.assessor, case_id, aid, wanted)
            assert request.status == 201, request.json()
            assert flow.decide(api, c.leader, request.json()["approvalId"], decision).status == 200
            if decision == "approve":
                shown = wanted
            else:  # APR-2: a refused override is withdrawn before the lock
                assert api.delete(f"/cases/{case_id}/assessments/{aid}/override", c.assessor).status == 200
        expected.append(shown)
        assert flow.lock(api, c.assessor, case_id, aid).status == 200
        plan = api.post(f"/cases/{case_id}/plans", c.assessor, {"assessmentId": aid})
        assert plan.status == 201, plan.json()
        nine = {"actions": [{"need": "employment", "action": details, "timescale": "3 months"}], "text": details,
                **({"contingency": "if contact with victim: recall"} if plan.json()["planType"] == "rmp" else {})}
        saved = api.put(f"/cases/{case_id}/plans/{plan.json()['planId']}/sections/9", c.assessor, nine)
        assert saved.status == 200, saved.json()
        closure = api.post(f"/cases/{case_id}/closure-requests", c.assessor,
                           {"kind": "with-plan", "rationale": "order completed"})
        assert closure.status == 201, closure.json()
        assert flow.decide(api, c.leader, closure.json()["approvalId"], destructionDate="2034-03-31").status == 200
        recorded = api.post(f"/people/{urn}/mappa", c.leader, {
            "dateOfDiscussion": "2026-01-05", "reviewDate": "2099-06-01", "level": level, "category": category,
            "details": details})
        assert recorded.status == 201, recorded.json()
        note = api.post(f"/mappa/{recorded.json()['discussionId']}/notifications", c.leader,
                        {"recipients": [c.assessor], "dateNotified": "2026-01-06", "sendAlert": False})
        assert note.status == 201, note.json()
        here = person(api, c.leader, urn)
        assert [x["riskNeedLevel"] for x in here["cases"]] == expected

        _, raw = export_file(api, s3, world, partners, case_id)
        job = upload(api, s3, prison, raw)
        assert job["status"] == "imported", job
        there = person(api, prison, urn)
        assert [x["riskNeedLevel"] for x in there["cases"]] == expected  # computed again, from the records
        answer = api.post("/exports", prison, {"caseId": there["cases"][-1]["caseId"],
                                               "destinationId": partners["prison"]})
        assert answer.status == 201, answer.json()
        again = s3.get_object(Bucket=settings.exports_bucket,
                              Key=f"exports/prison/{answer.json()['exportId']}.json")["Body"].read()

        sent, held = json.loads(raw)["body"], json.loads(again)["body"]
        old_ids = {x["caseId"] for x in sent["cases"]} | {
            p for r in sent["records"] for p in r["key"].split("#") if re.fullmatch(ULID, p)}
        new_ids = {old: imports.derived_id(job["importId"], old) for old in old_ids}
        numbers = dict(zip(sorted(x["caseNumber"] for x in sent["cases"]),
                           sorted(x["caseNumber"] for x in held["cases"]), strict=True))
        assert held["person"] == sent["person"]
        kinds = ["approval"] * (2 if override else 1) + ["assessment"] * (2 if earlier is not None else 1) + [
            "mappa", "mappa-notification", "plan"]
        assert sorted(r["kind"] for r in sent["records"]) == sorted(kinds)
        by_key = sorted(translated(sent["records"], new_ids, numbers), key=lambda r: r["key"])
        assert sorted(held["records"], key=lambda r: r["key"]) == by_key
        unassigned = {"assignedTo", "assignmentTaskId"}  # imported cases are unassigned (transfer format)
        assert [{**x, "more": {k: v for k, v in x["more"].items() if k not in unassigned}} for x in held["cases"]] == [
            {**x, "more": {k: v for k, v in x["more"].items() if k not in unassigned}}
            for x in translated(sent["cases"], new_ids, numbers)]
        # and the handlers read the same: each case's history, with its level
        for mine, theirs in zip(here["cases"], there["cases"], strict=True):
            home = history_of(c.leader, mine["caseId"])
            away = history_of(prison, theirs["caseId"])
            assert without_versions(away) == without_versions(translated(home, new_ids, numbers))
            assert away["riskNeedLevel"] == theirs["riskNeedLevel"]
            assert [a["level"] for a in away["assessments"]][-1] == theirs["riskNeedLevel"]

    round_trip()


def test_trn5_fuzzed_files_never_escape_as_errors_and_write_nothing(world, api, s3, partners):
    """Hypothesis: a valid file truncated or with bytes changed is refused with reasons (or, rarely, still valid);
    the reader never raises anything else, and a refused file writes nothing."""
    from hypothesis import HealthCheck, given
    from hypothesis import settings as hsettings
    from hypothesis import strategies as st

    raw = synthetic("URN-FUZZ", "Fuzz", 2)

    @hsettings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(cut=st.integers(0, len(raw)), flips=st.lists(st.tuples(st.integers(0, len(raw) - 1), st.integers(0, 255)),
                                                           max_size=4))
    def fuzz(cut: int, flips: list[tuple[int, int]]) -> None:
        data = bytearray(raw[:cut] if cut < len(raw) else raw)
        for at, value in flips:
            if at < len(data):
                data[at] = value
        try:
            file_format.read(bytes(data), max_bytes=settings.max_transfer_bytes)
        except file_format.FileRefused as refused:
            assert refused.reasons and all(isinstance(r, str) and r for r in refused.reasons)

    fuzz()
    for n, data in enumerate([raw[:100], raw.replace(b'"Fuzz"', b'"Fuzx"'), raw.replace(b"ls-cmi", b"ls-cmx")]):
        job = upload(api, s3, world.prison.leader, data)
        assert job["status"] == "rejected", (n, job)
    assert record_items("prison", "URN-FUZZ") == []


def test_trn5_fuzzed_bodies_signed_again_are_rejected_or_imported_and_never_half_written(world, api, s3):
    """Hypothesis: a valid body with keys dropped, values of the wrong type, odd record keys and kinds, empty data,
    huge numbers or nested junk, signed again with a correct digest, goes through the upload path: nothing
    escapes as an error, the import ends `rejected` or `imported`, and a rejected one wrote nothing."""
    from hypothesis import HealthCheck, given
    from hypothesis import settings as hsettings
    from hypothesis import strategies as st

    leader = world.prison.leader
    scalars = (st.none() | st.booleans() | st.integers(min_value=-10 ** 45, max_value=10 ** 45) | st.floats()
               | st.text(max_size=12))
    junk = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                        | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)
    keys = st.sampled_from(["PERSON", "CASE#0000000001", "CASE#0000000099#ASMT#X", "MAPPA#CASE#0000000099",
                            "MAPPA#CASE#0000000002", "CASE#1#ASMT#X", "CASE#", "#", "MAPPA#"]) | st.from_regex(
        r"[A-Z0-9#_-]{1,30}", fullmatch=True)
    kinds = st.sampled_from(["mappa", "mappa-notification", "assessment", "plan", "approval", "person", "case",
                             "case-ref", "approval-ref", "spell"])
    where = st.integers(0, 10 ** 6)
    mutation = st.one_of(st.tuples(st.just("drop"), where, st.none()), st.tuples(st.just("set"), where, junk),
                         st.tuples(st.just("key"), where, keys), st.tuples(st.just("kind"), where, kinds),
                         st.tuples(st.just("data"), where, st.just({})), st.tuples(st.just("copy"), where, st.none()))
    counter = {"n": 0}

    def places(value: Any) -> list[tuple[Any, Any]]:
        """Every (container, key or index) in the body, depth first."""
        found: list[tuple[Any, Any]] = []
        pending = [value]
        while pending:
            container = pending.pop()
            members = container.items() if isinstance(container, dict) else enumerate(container)
            for key, inner in list(members):
                found.append((container, key))
                if isinstance(inner, dict | list):
                    pending.append(inner)
        return found

    def mutate(body: dict[str, Any], how: str, at: int, value: Any) -> None:
        records_ = body.get("records")
        record = records_[at % len(records_)] if isinstance(records_, list) and records_ else None
        if how in ("drop", "set"):
            spots = [(c, k) for c, k in places(body) if how == "set" or isinstance(c, dict)]
            container, key = spots[at % len(spots)]
            if how == "drop":
                del container[key]
            else:
                container[key] = value
        elif isinstance(record, dict) and how == "copy":
            records_.append(json.loads(json.dumps(record)))
        elif isinstance(record, dict):
            record[{"key": "key", "kind": "kind", "data": "data"}[how]] = value

    @hsettings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(mutations=st.lists(mutation, min_size=1, max_size=3))
    def fuzz(mutations: list[tuple[str, int, Any]]) -> None:
        counter["n"] += 1
        urn = f"URN-FB{counter['n']:04d}"
        body: Any = with_records(synthetic_body(urn, "Fuzz", 2))
        for how, at, value in mutations:
            mutate(body, how, at, json.loads(json.dumps(value)) if value is not None else value)
        person_ = body.get("person") if isinstance(body, dict) else None
        if isinstance(person_, dict) and isinstance(person_.get("urn"), str):
            person_["urn"] = urn  # each example its own person, so none waits in conflict with another
        job = upload(api, s3, leader, signed(body))  # no exception escapes the consumer (upload asserts it)
        assert job["status"] in ("rejected", "imported"), (mutations, job)
        if job["status"] == "rejected":
            assert job["reasons"], job
            assert nothing_written(api, leader, urn), (mutations, job)
        else:
            assert person(api, leader, urn) is not None

    fuzz()


# ---------------------------------------------------------------- records of other kinds travel too


def test_trn1_mappa_discussions_travel_with_the_person_and_need_the_confidential_right_to_export(
        world, api, s3, partners):
    """The file holds every record: a MAPPA discussion and its notification arrive in the other service with
    the person's flag; exporting them needs right 100 (the file carries the brief details)."""
    from casework.store import directory as directory_store

    leader = world.community.leader
    _, closed = closed_person(api, leader, "URN-TM")
    recorded = api.post("/people/URN-TM/mappa", leader, {"dateOfDiscussion": "2026-01-05", "reviewDate": "2099-06-01",
                                                        "level": 2, "category": 1, "details": "Weekly visits"})
    assert recorded.status == 201, recorded.json()
    note = api.post(f"/mappa/{recorded.json()['discussionId']}/notifications", leader,
                    {"recipients": [world.community.assessor], "dateNotified": "2026-01-06", "sendAlert": False})
    assert note.status == 201, note.json()

    directory_store.new_group("community", "movers", name="Movers", rights=[10, 40], built_in=False).save()
    from casework import admin

    admin.add_user("community-mover", service_id="community", forename="Mo", surname="Ver",
                   email="mover@community.example.org", group_id="movers", supervisor_id=None, actor_id="system")
    body = {"caseId": closed["caseId"], "destinationId": partners["community"]}
    assert_problem(api.post("/exports", "community-mover", body), 403)

    _, raw = export_file(api, s3, world, partners, closed["caseId"])
    kinds = sorted(r["kind"] for r in json.loads(raw)["body"]["records"])
    assert kinds == ["mappa", "mappa-notification"]
    job = upload(api, s3, world.prison.leader, raw)
    assert job["status"] == "imported", job
    there = person(api, world.prison.leader, "URN-TM")
    assert there["mappa"]["current"] is True
    listed = api.get("/people/URN-TM/mappa", world.prison.leader)
    assert listed.status == 200, listed.json()
    discussions = listed.json()["items"] if isinstance(listed.json(), dict) else listed.json()
    assert len(discussions) == 1 and discussions[0]["details"] == "Weekly visits"
    new_id = discussions[0]["discussionId"]
    assert new_id != recorded.json()["discussionId"]
    assert api.get(f"/mappa/{new_id}", world.prison.leader).status == 200
    assert api.get(f"/mappa/{new_id}", leader).status == 404  # the prison's record is the prison's
    # the imported person's records are changed as any other: a subsequent discussion ends the imported one
    later = api.post("/people/URN-TM/mappa", world.prison.leader, {
        "dateOfDiscussion": "2026-03-01", "reviewDate": "2099-09-01", "level": 1, "category": 1,
        "details": "Monthly visits", "endCurrent": True})
    assert later.status == 201, later.json()
    assert api.get(f"/mappa/{new_id}", world.prison.leader).json()["dateEnded"] == "2026-02-28"


def test_trn1_assessments_plans_and_decided_approvals_travel_and_the_level_is_computed_again(
        world, api, s3, partners):
    """An LS/CMI record travels whole: the closed case's full 1-8 with its approved override and plan, and the
    closure's approval history. The importing service computes each case's level from the assessments (LSA-3:
    the score band or an approved override), never from the file; a request still pending is withdrawn."""
    from tests.integration import lscmi_flow as flow

    c = world.community
    first = flow.assigned_case(api, c.leader, c.assessor, "URN-TL")
    asmt = flow.start(api, c.assessor, first["caseId"])
    flow.fill_full(api, c.assessor, first["caseId"], asmt["assessmentId"], total=15)  # medium
    request = flow.override(api, c.assessor, first["caseId"], asmt["assessmentId"], "high")
    assert request.status == 201, request.json()
    assert flow.decide(api, c.leader, request.json()["approvalId"]).status == 200
    assert flow.lock(api, c.assessor, first["caseId"], asmt["assessmentId"]).status == 200
    plan = api.post(f"/cases/{first['caseId']}/plans", c.assessor, {"assessmentId": asmt["assessmentId"]})
    assert plan.status == 201, plan.json()
    closure = api.post(f"/cases/{first['caseId']}/closure-requests", c.assessor,
                       {"kind": "with-plan", "rationale": "order completed"})
    assert closure.status == 201, closure.json()
    assert flow.decide(api, c.leader, closure.json()["approvalId"], destructionDate="2034-03-31").status == 200
    second = open_case(api, c.leader, urn="URN-TL")  # a later case, assigned, with an override still pending
    api.put(f"/cases/{second['caseId']}/assignment", c.leader, {"userId": c.assessor})
    later = flow.start(api, c.assessor, second["caseId"])
    flow.fill_full(api, c.assessor, second["caseId"], later["assessmentId"], total=25)  # high
    assert flow.override(api, c.assessor, second["caseId"], later["assessmentId"], "very-high").status == 201
    here = person(api, c.leader, "URN-TL")
    assert [x["riskNeedLevel"] for x in here["cases"]] == ["high", "high"]

    _, raw = export_file(api, s3, world, partners, first["caseId"])
    kinds = sorted(r["kind"] for r in json.loads(raw)["body"]["records"])
    assert kinds == ["approval"] * 3 + ["assessment"] * 2 + ["plan"]
    job = upload(api, s3, world.prison.leader, raw)
    assert job["status"] == "imported", job
    there = person(api, world.prison.leader, "URN-TL")
    old, new = sorted(there["cases"], key=lambda x: x["caseNumber"])
    assert (old["status"], old["riskNeedLevel"], old["destructionDate"]) == ("closed", "high", "2034-03-31")
    assert (new["status"], new["riskNeedLevel"], new["assignedTo"]) == ("open", "high", None)  # no pending override
    history = api.get(f"/cases/{old['caseId']}/history", world.prison.leader)
    assert history.status == 200, history.json()
    assert [p["planType"] for p in history.json()["plans"]] == ["cmp"]
    assert api.get("/approvals", world.prison.leader).json()["items"] == []  # the pending one was withdrawn
    assert len(api.get("/approvals", c.leader).json()["items"]) == 1  # still waiting at home


# ---------------------------------------------------------------- imported records are versioned records


def with_plan(body: dict[str, Any]) -> dict[str, Any]:
    """`body` (made by `with_records`) with a full assessment of its first case and that assessment's plan."""
    from casework import ids

    full, plan = ids.ulid(), ids.ulid()
    case = body["cases"][0]
    at = f"CASE#{case['caseNumber']:010d}"
    body["records"] += [
        {"kind": "assessment", "key": f"{at}#ASMT#{full}", "data": {
            "assessmentId": full, "caseId": case["caseId"], "caseNumber": case["caseNumber"],
            "assessmentKind": "full", "status": "locked", "sections": {}, "createdBy": "someone",
            "createdAt": "2026-01-06T10:00:00.000Z", "lockedBy": "someone", "lockedAt": "2026-01-07T10:00:00.000Z"}},
        {"kind": "plan", "key": f"{at}#PLAN#{plan}", "data": {
            "planId": plan, "caseId": case["caseId"], "caseNumber": case["caseNumber"], "assessmentId": full,
            "planType": "cmp", "sections": {}, "createdBy": "someone", "createdAt": "2026-01-08T10:00:00.000Z"}},
    ]
    return body


def imported_person(api: Api, s3, user: str, urn: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A person imported from another service with one case (reopened), a MAPPA discussion, an initial
    assessment in progress, a locked full assessment and its plan; the person and their history."""
    job = upload(api, s3, user, signed(with_plan(with_records(synthetic_body(urn, "Imported", 1)))), reopen=True)
    assert job["status"] == "imported", job
    there = person(api, user, urn)
    assert there is not None
    history = api.get(f"/cases/{there['cases'][0]['caseId']}/history", user)
    assert history.status == 200, history.json()
    return there, history.json()


def test_trn3_imported_records_carry_a_version_and_if_match_works_on_them(world, api, s3):
    """TRN-3 with ASG-4, LSA-5, MAP-4: every record an import writes starts at version 1 as any new record does,
    so its ETag is "1"; assigning an imported case, saving a section of its assessment and of its plan, amending
    its MAPPA discussion, each with the ETag read, succeed; the same ETag again is stale: 409 with the current
    state, never a 500."""
    p = world.prison
    there, history = imported_person(api, s3, p.leader, "URN-TV")
    case_id = there["cases"][0]["caseId"]
    read = api.get(f"/cases/{case_id}", p.leader)
    assert read.status == 200 and read.json()["version"] == 1 and read.headers["etag"] == '"1"', read.json()
    assert all(a["version"] == 1 for a in history["assessments"]) and history["plans"][0]["version"] == 1
    # the case: assigned with the ETag read, then the same ETag is stale
    assigned = api.put(f"/cases/{case_id}/assignment", p.leader, {"userId": p.assessor},
                       headers={"If-Match": read.headers["etag"]})
    assert assigned.status == 200, assigned.json()
    stale = api.put(f"/cases/{case_id}/assignment", p.leader, {"userId": p.assessor2},
                    headers={"If-Match": read.headers["etag"]})
    assert stale.status == 409, stale.json()
    assert stale.json()["current"]["assignedTo"] == p.assessor and stale.json()["current"]["version"] == 2
    # the initial assessment in progress: a section saved with its ETag, then the same ETag is stale
    initial = next(a for a in history["assessments"] if a["kind"] == "initial")
    url = f"/cases/{case_id}/assessments/{initial['assessmentId']}"
    got = api.get(url, p.assessor)
    assert got.status == 200 and got.headers["etag"] == '"1"', got.json()
    saved = api.put(f"{url}/sections/ohf", p.assessor, {"text": "first"}, headers={"If-Match": got.headers["etag"]})
    assert saved.status == 200 and saved.headers["etag"] == '"2"', saved.json()
    stale = api.put(f"{url}/sections/ohf", p.assessor, {"text": "second"}, headers={"If-Match": got.headers["etag"]})
    assert stale.status == 409, stale.json()
    assert stale.json()["current"]["sections"]["ohf"]["text"] == "first" and stale.json()["current"]["version"] == 2
    stale = api.post(f"{url}/lock", p.assessor, headers={"If-Match": got.headers["etag"]})
    assert stale.status == 409 and stale.json()["current"]["version"] == 2, stale.json()
    # the plan
    plan = history["plans"][0]
    url = f"/cases/{case_id}/plans/{plan['planId']}/sections/9"
    nine = {"actions": [{"need": "employment", "action": "a job", "timescale": "3 months"}], "text": "nine"}
    saved = api.put(url, p.assessor, nine, headers={"If-Match": '"1"'})
    assert saved.status == 200 and saved.headers["etag"] == '"2"', saved.json()
    stale = api.put(url, p.assessor, {**nine, "text": "again"}, headers={"If-Match": '"1"'})
    assert stale.status == 409 and stale.json()["current"]["sections"]["9"]["text"] == "nine", stale.json()
    # the MAPPA discussion
    (discussion,) = api.get("/people/URN-TV/mappa", p.leader).json()["items"]
    url = f"/mappa/{discussion['discussionId']}"
    got = api.get(url, p.leader)
    assert got.status == 200 and got.headers["etag"] == '"1"', got.json()
    amended = api.call("PATCH", url, p.leader, body={"level": 3}, headers={"If-Match": got.headers["etag"]})
    assert amended.status == 200 and amended.headers["etag"] == '"2"', amended.json()
    stale = api.call("PATCH", url, p.leader, body={"level": 1}, headers={"If-Match": got.headers["etag"]})
    assert stale.status == 409 and stale.json()["current"]["level"] == 3, stale.json()

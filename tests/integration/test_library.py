"""The document library (DOMAIN: DOC-1 .. DOC-4) through the real handlers, S3 and SQS events included (moto
in-process). In-process moto's presigned URLs are not reachable, so uploads here are put straight into the
bucket and the S3 event is delivered to the consumer as SQS would; tests/e2e uploads through the presigned POST."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote_plus, urlparse

import boto3
import pytest

from casework import clock, library
from casework.config import settings
from casework.store import audit
from casework.store import directory as directory_store
from local import template
from local.events import LambdaContext
from tests.integration.test_assignment import assert_problem
from tests.support import Api

EVENT = Path(__file__).resolve().parents[2] / "events" / "sqs-s3-object-created.json"
PDF = b"%PDF-1.4\n% casework guidance\n" + b"x" * 200 + b"\n%%EOF\n"


@pytest.fixture
def s3(aws):
    client = boto3.client("s3")
    client.create_bucket(Bucket=settings.library_bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
    client.put_bucket_versioning(Bucket=settings.library_bucket, VersioningConfiguration={"Status": "Enabled"})
    return client


def documents_handler():
    return template.handler_of(template.functions()["DocumentsFunction"])


def declare(title: str = "Risk guidance", file_name: str = "risk-guidance.pdf", content_type: str = "application/pdf",
            size: int = len(PDF)) -> dict[str, Any]:
    return {"title": title, "fileName": file_name, "contentType": content_type, "size": size}


def key_of(form: dict[str, Any]) -> str:
    return form["upload"]["fields"]["key"]


def sqs_event(*objects: tuple[str, str | None]) -> dict[str, Any]:
    """The sample event in events/, one SQS record per object, keys URL-encoded as S3 sends them."""
    sample = json.loads(EVENT.read_text())
    records = []
    for n, (key, version_id) in enumerate(objects):
        record = json.loads(json.dumps(sample["Records"][0]))
        body = json.loads(record["body"])
        body["Records"][0]["s3"]["bucket"]["name"] = settings.library_bucket
        body["Records"][0]["s3"]["object"].update(key=quote_plus(key), versionId=version_id)
        record["body"] = json.dumps(body)
        record["messageId"] = f"message-{n}"
        records.append(record)
    return {"Records": records}


def arrive(s3, form: dict[str, Any], data: bytes, content_type: str | None = None) -> dict[str, Any]:
    """The client's upload lands in S3, and S3's event reaches the consumer through the queue."""
    key = key_of(form)
    put = s3.put_object(Bucket=settings.library_bucket, Key=key, Body=data,
                        ContentType=content_type or form["upload"]["fields"]["Content-Type"])
    return documents_handler()(sqs_event((key, put.get("VersionId"))), LambdaContext("documents"))


def add(api: Api, s3, user: str, data: bytes = PDF, **declared: Any) -> dict[str, Any]:
    answer = api.post("/library", user, declare(size=len(data), **declared))
    assert answer.status == 201, answer.json()
    result = arrive(s3, answer.json(), data)
    assert result == {"batchItemFailures": []}
    return answer.json()


def listed(api: Api, user: str) -> list[dict[str, Any]]:
    answer = api.get("/library", user)
    assert answer.status == 200, answer.json()
    return answer.json()["items"]


def actions(doc_id: str) -> list[str]:
    return [e.action for e in audit.trail(library.entity(doc_id), 100, None).items]


def fetch(s3, url: str) -> bytes:
    """What a presigned GET would return: the object version the URL names."""
    parsed = urlparse(url)
    key = parsed.path.lstrip("/").removeprefix(f"{settings.library_bucket}/")  # virtual-hosted or path-style
    assert key.startswith("library/")
    query = parse_qs(parsed.query)
    kwargs = {"VersionId": query["versionId"][0]} if "versionId" in query else {}
    return s3.get_object(Bucket=settings.library_bucket, Key=key, **kwargs)["Body"].read()


def user_without_library(service_id: str) -> str:
    """A custom group with case read only: neither 70 nor 80."""
    directory_store.new_group(service_id, "case-readers", name="Case readers", rights=[10], built_in=False).save()
    from casework import admin

    admin.add_user(f"{service_id}-nolib", service_id=service_id, forename="No", surname="Library",
                   email=f"nolib@{service_id}.example.org", group_id="case-readers", supervisor_id=None,
                   actor_id="system")
    return f"{service_id}-nolib"


# ---------------------------------------------------------------- DOC-1


def test_doc1_reader_lists_and_reads_the_services_documents(world, api, s3):
    """DOC-1: a library per service; right 70 reads it (title, file name, type, size, version, who and when)."""
    admin, reader = world.community.admin, world.community.reader
    doc = add(api, s3, admin, title="Address list", file_name="addresses.csv", content_type="text/csv",
              data=b"name,town\nA,B\n")

    items = listed(api, reader)
    assert [i["docId"] for i in items] == [doc["docId"]]
    assert items[0] | {"uploadedAt": None} == {
        "docId": doc["docId"], "title": "Address list", "fileName": "addresses.csv", "contentType": "text/csv",
        "size": 14, "status": "available", "version": 1, "versionId": doc["versionId"],
        "uploadedBy": {"userId": admin, "name": "Admin Community"}, "uploadedAt": None, "lastRefusal": None,
        "downloadUrl": None, "downloadExpiresAt": None,
    }
    # another service's library is its own
    assert listed(api, world.prison.reader) == []


def test_doc1_another_services_document_is_not_found(world, api, s3):
    doc = add(api, s3, world.community.admin)
    for path in (f"/library/{doc['docId']}", f"/library/{doc['docId']}/versions",
                 f"/library/{doc['docId']}/versions/{doc['versionId']}"):
        assert_problem(api.get(path, world.prison.admin), 404)
    assert_problem(api.put(f"/library/{doc['docId']}", world.prison.admin, declare()), 404)
    assert_problem(api.delete(f"/library/{doc['docId']}", world.prison.admin), 404)
    assert_problem(api.get("/library/not-an-id", world.community.admin), 404)


def test_doc1_without_library_rights_is_forbidden(world, api, s3):
    """DOC-1: reading needs 70, adding, replacing and deleting need 80."""
    doc = add(api, s3, world.community.admin)
    nobody, reader = user_without_library("community"), world.community.reader
    assert assert_problem(api.get("/library", nobody), 403)["right"] == 70
    assert_problem(api.get(f"/library/{doc['docId']}", nobody), 403)
    assert assert_problem(api.post("/library", reader, declare()), 403)["right"] == 80
    assert_problem(api.put(f"/library/{doc['docId']}", reader, declare()), 403)
    assert_problem(api.delete(f"/library/{doc['docId']}", reader), 403)
    assert [i["docId"] for i in listed(api, reader)] == [doc["docId"]]


def test_doc1_listing_is_paged_by_title(world, api, s3):
    admin = world.community.admin
    for title in ("Charlie", "alpha", "Bravo"):
        add(api, s3, admin, title=title)
    first = api.get("/library", admin, query={"limit": 2}).json()
    second = api.get("/library", admin, query={"limit": 2, "next": first["next"]}).json()
    assert [i["title"] for i in first["items"] + second["items"]] == ["alpha", "Bravo", "Charlie"]
    assert second["next"] is None


# ---------------------------------------------------------------- DOC-2


def test_doc2_upload_is_a_presigned_post_bounded_by_size_and_type(world, api, s3):
    """DOC-2: the client uploads straight to S3; the form's policy admits only the declared size and type."""
    answer = api.post("/library", world.community.admin, declare(file_name="Risk guidance.pdf", size=1234))
    assert answer.status == 201
    form = answer.json()
    fields = form["upload"]["fields"]
    assert fields["key"] == f"library/community/{form['docId']}/{form['versionId']}"  # never the file name
    assert fields["Content-Type"] == "application/pdf"
    assert fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    policy = json.loads(base64.b64decode(fields["policy"]))
    assert ["content-length-range", 1234, 1234] in policy["conditions"]
    assert {"Content-Type": "application/pdf"} in policy["conditions"]
    expires = policy["expiration"].replace(".000Z", "Z").rstrip("Z")
    assert expires[:16] <= clock.iso(clock.now() + timedelta(seconds=settings.upload_url_seconds))[:16]
    assert form["status"] == "pending"


def test_doc2_download_link_is_short_lived_and_names_the_file(world, api, s3):
    doc = add(api, s3, world.community.admin, file_name="Guidance v2.pdf")
    got = api.get(f"/library/{doc['docId']}", world.community.reader)
    assert got.status == 200
    url = got.json()["downloadUrl"]
    query = parse_qs(urlparse(url).query)
    assert int(query["X-Amz-Expires"][0]) == settings.download_url_seconds <= 600
    assert "Guidance v2.pdf" in query["response-content-disposition"][0]
    assert fetch(s3, url) == PDF


# ---------------------------------------------------------------- DOC-3


def test_doc3_replacing_keeps_the_old_version_retrievable(world, api, s3):
    admin, reader = world.community.admin, world.community.reader
    doc = add(api, s3, admin)
    new = b"%PDF-1.4\n% second edition\n%%EOF\n"
    replaced = api.put(f"/library/{doc['docId']}", admin, declare(title="Risk guidance (2026)", size=len(new)))
    assert replaced.status == 200, replaced.json()
    # until S3 confirms the new version, readers still get the old one
    assert api.get(f"/library/{doc['docId']}", reader).json()["versionId"] == doc["versionId"]
    assert arrive(s3, replaced.json(), new) == {"batchItemFailures": []}

    current = api.get(f"/library/{doc['docId']}", reader).json()
    assert (current["version"], current["versionId"], current["title"]) == (2, replaced.json()["versionId"],
                                                                            "Risk guidance (2026)")
    assert fetch(s3, current["downloadUrl"]) == new
    versions = api.get(f"/library/{doc['docId']}/versions", reader).json()["items"]
    assert [(v["number"], v["current"]) for v in versions] == [(2, True), (1, False)]
    old = api.get(f"/library/{doc['docId']}/versions/{doc['versionId']}", reader).json()
    assert fetch(s3, old["downloadUrl"]) == PDF
    assert [i["version"] for i in listed(api, reader)] == [2]
    assert actions(doc["docId"]) == ["document.upload-requested", "document.uploaded", "document.replace-requested",
                                     "document.replaced"]


def test_doc3_deleting_removes_it_from_the_library_and_is_audited(world, api, s3):
    admin = world.community.admin
    doc = add(api, s3, admin)
    assert api.delete(f"/library/{doc['docId']}", admin).status == 204
    assert listed(api, admin) == []
    assert_problem(api.get(f"/library/{doc['docId']}", admin), 404)
    assert_problem(api.delete(f"/library/{doc['docId']}", admin), 404)
    assert actions(doc["docId"])[-1] == "document.deleted"
    entry = audit.trail(library.entity(doc["docId"]), 100, None).items[-1]
    assert entry.actor_id == admin and entry.before["status"] == "available"


# ---------------------------------------------------------------- DOC-4


@pytest.mark.parametrize(("declared", "status", "field"), [
    ({"contentType": "application/x-msdownload", "fileName": "setup.exe"}, 422, "contentType"),
    ({"contentType": "application/pdf", "fileName": "notes.docx"}, 422, "fileName"),
    ({"contentType": "image/png", "fileName": "no-extension"}, 422, "fileName"),
    ({"fileName": "../../.."}, 422, "fileName"),
    ({"size": 25 * 1024 * 1024 + 1}, 413, "size"),
    ({"size": 0}, 422, "size"),
    ({"title": "  "}, 422, "title"),
])
def test_doc4_bad_declarations_are_refused_naming_the_field(world, api, s3, declared, status, field):
    answer = api.post("/library", world.community.admin, {**declare(), **declared})
    assert_problem(answer, status, field)


def test_doc4_cleaned_name_is_kept_and_an_upper_case_extension_allowed(world, api, s3):
    doc = add(api, s3, world.community.admin, file_name="/tmp/.Scan 01.JPG", content_type="image/jpeg",
              data=b"\xff\xd8\xff fake jpeg")
    assert listed(api, world.community.admin)[0]["fileName"] == "Scan 01.JPG"
    assert doc["upload"]["fields"]["key"].endswith(doc["versionId"])


def test_doc4_pending_document_is_not_listed_until_s3_confirms_it(world, api, s3):
    admin = world.community.admin
    form = api.post("/library", admin, declare()).json()
    assert listed(api, admin) == []
    pending = api.get(f"/library/{form['docId']}", admin).json()
    assert pending["status"] == "pending" and pending["downloadUrl"] is None
    assert arrive(s3, form, PDF) == {"batchItemFailures": []}
    assert [i["docId"] for i in listed(api, admin)] == [form["docId"]]


def test_doc4_mismatched_size_is_rejected_and_the_object_removed(world, api, s3):
    admin = world.community.admin
    form = api.post("/library", admin, declare(size=len(PDF))).json()
    assert arrive(s3, form, PDF + b"more") == {"batchItemFailures": []}
    assert listed(api, admin) == []
    assert s3.list_object_versions(Bucket=settings.library_bucket, Prefix=key_of(form)).get("Versions", []) == []
    entry = audit.trail(library.entity(form["docId"]), 100, None).items[-1]
    assert entry.action == "document.upload-rejected" and "bytes" in entry.reason
    # the writer sees why on the (still pending) document
    pending = api.get(f"/library/{form['docId']}", admin).json()
    assert pending["status"] == "pending"
    assert pending["lastRefusal"]["versionId"] == form["versionId"] and "bytes" in pending["lastRefusal"]["reason"]


def test_doc4_refused_replacement_leaves_the_current_version(world, api, s3):
    admin = world.community.admin
    doc = add(api, s3, admin)
    replaced = api.put(f"/library/{doc['docId']}", admin, declare(size=10)).json()
    arrive(s3, replaced, b"not ten bytes at all")
    current = api.get(f"/library/{doc['docId']}", admin).json()
    assert (current["version"], current["versionId"]) == (1, doc["versionId"])
    assert current["lastRefusal"]["versionId"] == replaced["versionId"]
    assert fetch(s3, current["downloadUrl"]) == PDF
    # a later accepted upload clears the refusal
    again = api.put(f"/library/{doc['docId']}", admin, declare(size=len(PDF))).json()
    arrive(s3, again, PDF)
    assert api.get(f"/library/{doc['docId']}", admin).json()["lastRefusal"] is None


def test_doc4_retried_declaration_with_the_same_idempotency_key_is_one_document(world, api, s3):
    admin = world.community.admin
    first = api.post("/library", admin, declare(), headers={"Idempotency-Key": "guidance-1"})
    again = api.post("/library", admin, declare(), headers={"Idempotency-Key": "guidance-1"})
    assert first.status == again.status == 201
    assert again.json()["docId"] == first.json()["docId"]


def test_doc4_mismatched_content_type_is_rejected(world, api, s3):
    admin = world.community.admin
    form = api.post("/library", admin, declare()).json()
    arrive(s3, form, PDF, content_type="text/html")
    assert listed(api, admin) == []
    assert actions(form["docId"])[-1] == "document.upload-rejected"


def test_doc4_upload_that_never_arrives_expires(world, api, s3):
    admin = world.community.admin
    form = api.post("/library", admin, declare()).json()
    later = clock.now() + timedelta(seconds=settings.pending_upload_seconds + 1)
    with clock.frozen(later):
        # nothing is listed that isn't there, and the pending entry is gone for readers
        assert listed(api, admin) == []
        assert_problem(api.get(f"/library/{form['docId']}", admin), 404)
        # an upload that turns up after all is too late: refused and removed
        assert arrive(s3, form, PDF) == {"batchItemFailures": []}
        assert listed(api, admin) == []
    assert actions(form["docId"])[-1] == "document.upload-rejected"


def test_doc4_redelivered_event_changes_nothing(world, api, s3):
    admin = world.community.admin
    form = api.post("/library", admin, declare()).json()
    key = key_of(form)
    put = s3.put_object(Bucket=settings.library_bucket, Key=key, Body=PDF, ContentType="application/pdf")
    event = sqs_event((key, put["VersionId"]))
    handler = documents_handler()
    assert handler(event, LambdaContext("documents")) == {"batchItemFailures": []}
    assert handler(event, LambdaContext("documents")) == {"batchItemFailures": []}
    assert listed(api, admin)[0]["version"] == 1
    assert actions(form["docId"]).count("document.uploaded") == 1


def test_doc4_a_form_used_again_never_changes_what_readers_get(world, api, s3):
    """A presigned POST stays valid for minutes: a second upload with it, after the first was confirmed or
    refused, is removed and the confirmed version is untouched."""
    admin = world.community.admin
    doc = add(api, s3, admin)
    assert arrive(s3, doc, b"%PDF-1.4 sneaky second upload of the same size....") == {"batchItemFailures": []}
    versions = s3.list_object_versions(Bucket=settings.library_bucket, Prefix=key_of(doc))["Versions"]
    assert len(versions) == 1
    assert fetch(s3, api.get(f"/library/{doc['docId']}", admin).json()["downloadUrl"]) == PDF

    refused = api.post("/library", admin, declare(size=5)).json()
    arrive(s3, refused, b"123456")
    arrive(s3, refused, b"12345", content_type="application/pdf")  # right size now, but that form was refused
    assert s3.list_object_versions(Bucket=settings.library_bucket, Prefix=key_of(refused)).get("Versions", []) == []
    assert refused["docId"] not in [i["docId"] for i in listed(api, admin)]


def test_doc4_object_nobody_asked_for_is_removed(world, api, s3):
    key = "library/community/01JDNOBODY0000000000000000/01JDNOBODY0000000000000001"
    put = s3.put_object(Bucket=settings.library_bucket, Key=key, Body=b"junk", ContentType="application/pdf")
    assert documents_handler()(sqs_event((key, put["VersionId"])), LambdaContext("documents")) == \
        {"batchItemFailures": []}
    assert s3.list_object_versions(Bucket=settings.library_bucket, Prefix=key).get("Versions", []) == []


def test_library_without_a_bucket_refuses_clearly(world, api, s3, monkeypatch):
    """A function deployed without LIBRARY_BUCKET fails loudly (500, logged), never signs URLs for no bucket."""
    from casework.store import files

    monkeypatch.setattr(files, "settings", settings.model_copy(update={"library_bucket": ""}))
    with pytest.raises(RuntimeError, match="LIBRARY_BUCKET"):
        files.upload_form("library/x/y/z", content_type="text/plain", size=1, expires_in=60)


def test_doc4_a_failing_record_is_reported_alone(world, api, s3, monkeypatch):
    """Partial batch failure: one record that can't be processed comes back; the other is done."""
    admin = world.community.admin
    good, bad = (api.post("/library", admin, declare()).json() for _ in range(2))
    keys = []
    for form in (good, bad):
        put = s3.put_object(Bucket=settings.library_bucket, Key=key_of(form), Body=PDF, ContentType="application/pdf")
        keys.append((key_of(form), put["VersionId"]))
    original = library.confirm

    def flaky(key: str, version_id: str | None) -> str:
        if bad["versionId"] in key:
            raise ConnectionError("S3 unavailable")
        return original(key, version_id)

    monkeypatch.setattr(library, "confirm", flaky)
    result = documents_handler()(sqs_event(*keys), LambdaContext("documents"))
    assert result == {"batchItemFailures": [{"itemIdentifier": "message-1"}]}
    assert [i["docId"] for i in listed(api, admin)] == [good["docId"]]

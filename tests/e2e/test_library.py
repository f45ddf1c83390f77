"""The document library over HTTP against the local runner: a real file uploaded with the presigned POST,
confirmed by the S3 event through the queue, downloaded back byte-identical; a replaced version still there."""

from __future__ import annotations

import os
import time
import uuid
from typing import Any

import boto3
import pytest
import requests

pytestmark = pytest.mark.e2e
WRITER, READER = "COMMUNITY_ADMIN", "COMMUNITY_LEADER"


def upload(form: dict[str, Any], data: bytes, file_name: str) -> requests.Response:
    """As a browser would: every field of the form, then the file last."""
    return requests.post(form["upload"]["url"], data=form["upload"]["fields"],
                         files={"file": (file_name, data, form["upload"]["fields"]["Content-Type"])}, timeout=30)


def wait_listed(local_run, doc_id: str, version: int, seconds: float = 20) -> dict[str, Any]:
    deadline = time.time() + seconds
    while True:
        items = local_run.call("GET", "/library", READER).json()["items"]
        found = [i for i in items if i["docId"] == doc_id and i["version"] == version]
        if found:
            return found[0]
        assert time.time() < deadline, f"document {doc_id} v{version} never listed"
        time.sleep(0.2)


def test_upload_list_download_replace_and_old_version(local_run):
    first = os.urandom(3000) + b"\n%%EOF\n"
    title = f"Guidance {uuid.uuid4().hex[:6]}"

    # when a business administrator declares a PDF and uploads it with the presigned POST
    created = local_run.call("POST", "/library", WRITER, json={
        "title": title, "fileName": "guidance.pdf", "contentType": "application/pdf", "size": len(first)})
    assert created.status_code == 201, created.text
    form = created.json()
    assert form["upload"]["url"].startswith("http://127.0.0.1:")
    sent = upload(form, first, "guidance.pdf")
    assert sent.status_code in (200, 201, 204), sent.text

    # then, once S3's event has come through the queue, a reader sees it and downloads the same bytes
    listed = wait_listed(local_run, form["docId"], 1)
    assert (listed["title"], listed["fileName"], listed["size"]) == (title, "guidance.pdf", len(first))
    read = local_run.call("GET", f"/library/{form['docId']}", READER)
    assert read.status_code == 200, read.text
    download = requests.get(read.json()["downloadUrl"], timeout=30)
    assert download.status_code == 200 and download.content == first

    # when it is replaced with a new version
    second = b"second edition\n" * 50
    replaced = local_run.call("PUT", f"/library/{form['docId']}", WRITER, json={
        "title": title, "fileName": "guidance.txt", "contentType": "text/plain", "size": len(second)})
    assert replaced.status_code == 200, replaced.text
    assert upload(replaced.json(), second, "guidance.txt").status_code in (200, 201, 204)
    wait_listed(local_run, form["docId"], 2)

    # then the current download is the new file and the old version is still retrievable byte-identical
    current = local_run.call("GET", f"/library/{form['docId']}", READER).json()
    assert requests.get(current["downloadUrl"], timeout=30).content == second
    versions = local_run.call("GET", f"/library/{form['docId']}/versions", READER).json()["items"]
    assert [v["number"] for v in versions] == [2, 1]
    old = local_run.call("GET", f"/library/{form['docId']}/versions/{form['versionId']}", READER).json()
    assert old["fileName"] == "guidance.pdf"
    assert requests.get(old["downloadUrl"], timeout=30).content == first

    # and deleting takes it off the listing
    assert local_run.call("DELETE", f"/library/{form['docId']}", WRITER).status_code == 204
    items = local_run.call("GET", "/library", READER).json()["items"]
    assert form["docId"] not in [i["docId"] for i in items]


def test_upload_of_another_size_than_declared_is_never_listed(local_run):
    data = b"a,b\n1,2\n"
    created = local_run.call("POST", "/library", WRITER, json={
        "title": "Short", "fileName": "short.csv", "contentType": "text/csv", "size": len(data) + 5}).json()
    sent = upload(created, data, "short.csv")
    if sent.status_code < 300:
        # moto does not enforce the policy's length range (S3 does): the consumer refuses the object and removes it
        s3 = boto3.client("s3", endpoint_url=local_run.ready["aws"], region_name="eu-west-2",
                          aws_access_key_id="x", aws_secret_access_key="x")
        bucket, key = "casework-library-bucket", created["upload"]["fields"]["key"]
        deadline = time.time() + 20
        while s3.list_object_versions(Bucket=bucket, Prefix=key).get("Versions"):
            assert time.time() < deadline, "the mismatched upload was never removed"
            time.sleep(0.2)
    items = local_run.call("GET", "/library", READER).json()["items"]
    assert created["docId"] not in [i["docId"] for i in items]

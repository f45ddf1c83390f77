"""Transfer over HTTP against the local runner: an e-mailed case file (the sample .eml in events/) dropped in as
SES would store it and imported through the queue; a file uploaded with the presigned POST into a service that
already holds the URN, waiting in conflict until confirmed; an export downloaded through its short-lived link."""

from __future__ import annotations

import json
import time
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
import requests

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "events" / "transfer-mail.eml"


def wait_import(local_run, user: str, import_id: str | None = None, *, until: set[str], seconds: float = 30,
                query: dict[str, str] | None = None) -> dict[str, Any]:
    deadline = time.time() + seconds
    while True:
        local_run.call("POST", "/local/queues/drain")
        if import_id:
            found = [local_run.call("GET", f"/imports/{import_id}", user).json()]
        else:
            found = local_run.call("GET", "/imports", user, params=query).json()["items"]
        done = [j for j in found if j["status"] in until]
        if done:
            return done[0]
        assert time.time() < deadline, found
        time.sleep(0.2)


def test_an_emailed_case_file_from_an_allowed_sender_is_imported(local_run):
    stored = local_run.call("POST", "/local/mail", data=SAMPLE.read_bytes())
    assert stored.status_code == 202, stored.text
    job = wait_import(local_run, "COMMUNITY_LEADER", until={"imported", "conflict", "rejected", "quarantined"})
    assert job["status"] == "imported" and job["source"] == "email", job
    person = local_run.call("GET", "/people/URN-MAIL-01", "COMMUNITY_LEADER")
    assert person.status_code == 200 and person.json()["surname"] == "Mailer"
    # the same message to the prison, whose allowed list does not name the sender: quarantined with the reason
    to_prison = SAMPLE.read_bytes().replace(b"imports+community@", b"imports+prison@")
    assert local_run.call("POST", "/local/mail", data=to_prison).status_code == 202
    held = wait_import(local_run, "PRISON_ADMIN", until={"quarantined"}, query={"status": "quarantined"})
    assert "not on this service's allowed list" in held["reasons"][0]
    assert local_run.call("GET", "/people/URN-MAIL-01", "PRISON_LEADER").status_code == 404


def test_an_upload_for_a_held_urn_waits_for_confirmation_then_replaces_and_exports_back(local_run):
    message = message_from_bytes(SAMPLE.read_bytes(), policy=policy.default)
    data = next(message.iter_attachments()).get_payload(decode=True)
    document = json.loads(data)
    document["body"]["person"]["urn"] = "URN-100001"  # Jamie Anderson: the prison holds an open case
    from casework import transfer_file

    document["digest"] = transfer_file.digest_of(document["body"])
    data = json.dumps(document).encode()

    started = local_run.call("POST", "/imports", "PRISON_LEADER", json={"size": len(data), "fileName": "t.json"})
    assert started.status_code == 201, started.text
    form = started.json()["upload"]
    sent = requests.post(form["url"], data=form["fields"], files={"file": ("t.json", data, "application/json")},
                         timeout=30)
    assert sent.status_code in (200, 201, 204), sent.text
    job = wait_import(local_run, "PRISON_LEADER", started.json()["importId"], until={"conflict", "rejected"})
    assert job["status"] == "conflict" and job["existing"]["hasOpenCase"], job
    before = local_run.call("GET", "/people/URN-100001", "PRISON_LEADER").json()
    assert before["surname"] == "Anderson"

    confirmed = local_run.call("POST", f"/imports/{job['importId']}/confirm", "PRISON_LEADER",
                               json={"reopenLatestCase": True})
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "imported", confirmed.text
    after = local_run.call("GET", "/people/URN-100001", "PRISON_LEADER").json()
    assert after["surname"] == "Mailer" and [c["status"] for c in after["cases"]] == ["open"]
    unassigned = local_run.call("GET", "/cases/unassigned", "PRISON_LEADER").json()["items"]
    assert after["cases"][0]["caseId"] in {c["caseId"] for c in unassigned}

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
    from casework.transfer import file_format

    document["digest"] = file_format.digest_of(document["body"])
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


def test_close_by_approval_export_download_and_import_into_the_other_service(local_run):
    """The issue's flow: a case closed by the team leader's approval, exported to the prison, downloaded through
    the short-lived link and imported there by upload; the prison sees the person, the closed case with its
    level and destruction date, and the history."""
    import uuid

    from casework.lscmi import scoring

    leader, assessor = "COMMUNITY_LEADER", "COMMUNITY_ASSESSOR2"
    urn = f"URN-TR-{uuid.uuid4().hex[:6].upper()}"
    assert local_run.call("POST", "/people", leader, json={
        "urn": urn, "forename": "Iona", "surname": "Mackay", "dateOfBirth": "1987-03-02"}).status_code == 201
    cid = local_run.call("POST", "/cases", leader, json={"urn": urn, "caseType": "ls-cmi"}).json()["caseId"]
    local_run.call("PUT", f"/cases/{cid}/assignment", leader, json={"userId": local_run.user_id(assessor)})
    base = f"/cases/{cid}/assessments/" + local_run.call(
        "POST", f"/cases/{cid}/assessments", assessor, json={"kind": "full"}).json()["assessmentId"]
    for name in scoring.SECTIONS["full"]:
        body = {"1": {"scores": scoring.filled_to(24)}, "7": {"fullAssessmentMerited": False}}.get(name, {"text": "n"})
        if name != "7.4":
            assert local_run.call("PUT", f"{base}/sections/{name}", assessor, json=body).status_code == 200
    assert local_run.call("POST", f"{base}/lock", assessor).status_code == 200
    closure = local_run.call("POST", f"/cases/{cid}/closure-requests", assessor,
                             json={"kind": "no-plan", "rationale": "order completed"}).json()
    decided = local_run.call("POST", f"/approvals/{closure['approvalId']}/decision", leader,
                             json={"decision": "approve", "destructionDate": "2036-05-31"})
    assert decided.status_code == 200, decided.text

    destination = local_run.call("GET", "/destinations", leader).json()["items"][0]
    exported = local_run.call("POST", "/exports", leader, json={"caseId": cid,
                                                                "destinationId": destination["destinationId"]})
    assert exported.status_code == 201, exported.text
    data = requests.get(exported.json()["downloadUrl"], timeout=30)
    assert data.status_code == 200 and json.loads(data.content)["digest"] == exported.json()["digest"]
    shown = local_run.call("GET", "/exports", leader).json()["items"]
    assert any(e["exportId"] == exported.json()["exportId"] for e in shown)

    started = local_run.call("POST", "/imports", "PRISON_LEADER", json={"size": len(data.content)})
    form = started.json()["upload"]
    sent = requests.post(form["url"], data=form["fields"],
                         files={"file": ("t.json", data.content, "application/json")}, timeout=30)
    assert sent.status_code in (200, 201, 204), sent.text
    job = wait_import(local_run, "PRISON_LEADER", started.json()["importId"], until={"imported", "rejected"})
    assert job["status"] == "imported", job
    person = local_run.call("GET", f"/people/{urn}", "PRISON_LEADER").json()
    (case,) = person["cases"]
    assert (case["status"], case["riskNeedLevel"], case["destructionDate"]) == ("closed", "high", "2036-05-31")
    history = local_run.call("GET", f"/cases/{case['caseId']}/history", "PRISON_LEADER")
    assert history.status_code == 200 and len(history.json()["assessments"]) == 1


def test_trn5_a_long_import_shows_its_real_progress_while_it_runs(local_run):
    """The import runs in one instance of the transfer function while GET /imports/{id} is answered by another:
    the client sees validating / importing with the records done so far, never only the end."""
    from tests.support import bulk_transfer_file

    data = bulk_transfer_file("URN-PROGRESS", "Progress", cases=1000)
    started = local_run.call("POST", "/imports", "COMMUNITY_LEADER", json={"size": len(data)})
    assert started.status_code == 201, started.text
    import_id, form = started.json()["importId"], started.json()["upload"]
    sent = requests.post(form["url"], data=form["fields"], files={"file": ("bulk.json", data, "application/json")},
                         timeout=30)
    assert sent.status_code in (200, 201, 204), sent.text
    seen: list[tuple[str, int, int]] = []
    deadline = time.time() + 120
    while not seen or seen[-1][0] not in ("imported", "rejected"):
        job = local_run.call("GET", f"/imports/{import_id}", "COMMUNITY_LEADER").json()
        seen.append((job["status"], job["progress"]["done"], job["progress"]["total"]))
        assert time.time() < deadline, seen[-5:]
    assert seen[-1] == ("imported", 1001, 1001), seen[-1]
    during = [s for s in seen if s[0] in ("validating", "importing")]
    assert during, "the import was never seen under way"
    assert any(0 < done < total for status, done, total in during if status == "importing"), sorted(set(during))

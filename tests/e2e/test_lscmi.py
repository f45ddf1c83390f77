"""The LS/CMI flow over HTTP against the local runner: a full 1-8 with an override, the team leader's approvals
table and decision, then a closure approved with a changed record destruction date."""

from __future__ import annotations

import uuid

import pytest

from casework.lscmi import scoring

pytestmark = pytest.mark.e2e


def test_assessor_override_and_closure_are_decided_by_the_team_leader(local_run):
    leader, assessor = "COMMUNITY_LEADER", "COMMUNITY_ASSESSOR2"
    urn = f"URN-LS-{uuid.uuid4().hex[:6].upper()}"
    assert local_run.call("POST", "/people", leader, json={
        "urn": urn, "forename": "Ailsa", "surname": "Brodie", "dateOfBirth": "1990-06-01"}).status_code == 201
    case = local_run.call("POST", "/cases", leader, json={"urn": urn, "caseType": "ls-cmi"}).json()
    cid = case["caseId"]
    assigned = local_run.call("PUT", f"/cases/{cid}/assignment", leader, json={"userId": local_run.user_id(assessor)})
    assert assigned.status_code == 200, assigned.text

    # the assessor completes a full 1-8 (section 1 total 14: medium)
    started = local_run.call("POST", f"/cases/{cid}/assessments", assessor, json={"kind": "full"})
    assert started.status_code == 201, started.text
    base = f"/cases/{cid}/assessments/{started.json()['assessmentId']}"
    for name in scoring.SECTIONS["full"]:
        body = {"1": {"scores": scoring.filled_to(14)}, "7": {"fullAssessmentMerited": False}}.get(name, {"text": "n"})
        if name != "7.4":
            saved = local_run.call("PUT", f"{base}/sections/{name}", assessor, json=body)
            assert saved.status_code == 200, saved.text
    assert local_run.call("GET", f"/cases/{cid}", assessor).json()["riskNeedLevel"] == "medium"
    smuggled = local_run.call("PUT", f"{base}/sections/1", assessor,
                              json={"scores": scoring.filled_to(14), "riskNeedLevel": "low"})
    assert smuggled.status_code == 422 and smuggled.headers["Content-Type"] == "application/problem+json"

    # with an override to very high (section 6.3, administrative)
    requested = local_run.call("POST", f"{base}/override", assessor, json={
        "kind": "administrative", "requestedLevel": "very-high", "rationale": "MAPPA level 2"})
    assert requested.status_code == 201, requested.text
    approval_id = requested.json()["approvalId"]

    # the team leader sees it in the approvals table and approves it: the level changes
    rows = local_run.call("GET", "/approvals", leader, params={"limit": 200}).json()["items"]
    row = next(r for r in rows if r["approvalId"] == approval_id)
    assert (row["type"], row["caseId"], row["urn"], row["worker"]["userId"]) == (
        "override", cid, urn, local_run.user_id(assessor))
    decided = local_run.call("POST", f"/approvals/{approval_id}/decision", leader, json={"decision": "approve"})
    assert decided.status_code == 200, decided.text
    assert local_run.call("GET", f"/cases/{cid}", assessor).json()["riskNeedLevel"] == "very-high"
    again = local_run.call("POST", f"/approvals/{approval_id}/decision", leader, json={"decision": "not-approve"})
    assert again.status_code == 409 and "already decided" in again.json()["detail"]
    tray = local_run.call("GET", "/me/worktray", assessor).json()["items"]
    assert any(t["kind"] == "override-approved" and t["caseId"] == cid for t in tray)

    # lock, ask to close with no management plan; approved with a changed destruction date
    assert local_run.call("POST", f"{base}/lock", assessor).json()["status"] == "locked"
    closure = local_run.call("POST", f"/cases/{cid}/closure-requests", assessor,
                             json={"kind": "no-plan", "rationale": "no plan needed"})
    assert closure.status_code == 201, closure.text
    decided = local_run.call("POST", f"/approvals/{closure.json()['approvalId']}/decision", leader,
                             json={"decision": "approve", "destructionDate": "2038-12-31"})
    assert decided.status_code == 200, decided.text
    closed = local_run.call("GET", f"/cases/{cid}", leader).json()
    assert closed["status"] == "closed" and closed["destructionDate"] == "2038-12-31"
    # closed cases are what transfer exports: it is in the service's closed cases table
    listed = local_run.call("GET", "/cases", leader, params={"status": "closed", "limit": 200}).json()["items"]
    assert cid in [c["caseId"] for c in listed]

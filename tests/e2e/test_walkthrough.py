"""The README's walkthrough over HTTP, against the local runner, as a client would do it."""

from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.e2e


def test_team_leader_opens_assigns_and_worker_sees_it(local_run):
    # given a team leader signed in through the local Cognito pool
    me = local_run.call("GET", "/me", "COMMUNITY_LEADER")
    assert me.status_code == 200 and me.json()["group"] == "team-leader"
    urn = f"URN-E2E-{uuid.uuid4().hex[:6].upper()}"

    # when they record a person and open a case
    person = local_run.call("POST", "/people", "COMMUNITY_LEADER", json={
        "urn": urn, "forename": "Robin", "surname": "Aaronson", "dateOfBirth": "1992-02-29", "chsNumber": "CHS-1"})
    assert person.status_code == 201, person.text
    opened = local_run.call("POST", "/cases", "COMMUNITY_LEADER", json={"urn": urn, "caseType": "ls-cmi"},
                            headers={"Idempotency-Key": f"open-{urn}"})
    assert opened.status_code == 201, opened.text
    case = opened.json()
    unassigned = local_run.call("GET", "/cases/unassigned", "COMMUNITY_LEADER").json()["items"]
    assert case["caseId"] in [c["caseId"] for c in unassigned]

    # and assign it to an assessor, quoting the version they read
    read = local_run.call("GET", f"/cases/{case['caseId']}", "COMMUNITY_LEADER")
    assessor = local_run.user_id("COMMUNITY_ASSESSOR2")
    assigned = local_run.call("PUT", f"/cases/{case['caseId']}/assignment", "COMMUNITY_LEADER",
                              json={"userId": assessor}, headers={"If-Match": read.headers["ETag"]})
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["previous"] is None and assigned.json()["current"]["userId"] == assessor

    # then the case is in the worker's caseload and a task in their worktray
    caseload = local_run.call("GET", f"/users/{assessor}/caseload", "COMMUNITY_LEADER").json()["items"]
    assert case["caseId"] in [c["caseId"] for c in caseload]
    mine = local_run.call("GET", "/me/caseload", "COMMUNITY_ASSESSOR2").json()["items"]
    assert case["caseId"] in [c["caseId"] for c in mine]
    tray = local_run.call("GET", "/me/worktray", "COMMUNITY_ASSESSOR2").json()["items"]
    assert any(t["caseId"] == case["caseId"] and t["kind"] == "case-assigned" for t in tray)

    # and the same stale version now loses: 409 with the current state
    stale = local_run.call("PUT", f"/cases/{case['caseId']}/assignment", "COMMUNITY_LEADER",
                           json={"userId": None}, headers={"If-Match": read.headers["ETag"]})
    assert stale.status_code == 409
    assert stale.json()["current"]["assignedTo"] == assessor


def test_requests_without_a_valid_token_get_401(local_run):
    assert local_run.call("GET", "/me").status_code == 401
    assert local_run.call("GET", "/me", headers={"Authorization": "Bearer not.a.token"}).status_code == 401
    forged = local_run.token("COMMUNITY_LEADER")[:-4] + "AAAA"
    assert local_run.call("GET", "/me", headers={"Authorization": f"Bearer {forged}"}).status_code == 401


def test_another_services_case_is_not_found_over_http(local_run):
    cases = local_run.call("GET", "/cases?status=all", "PRISON_LEADER").json()["items"]
    answer = local_run.call("GET", f"/cases/{cases[0]['caseId']}", "COMMUNITY_LEADER")
    assert answer.status_code == 404
    assert answer.headers["Content-Type"] == "application/problem+json"


def test_fresh_token_openapi_and_swagger(local_run):
    fresh = local_run.call("POST", "/local/token", json={"email": "reader.prison@casework.example.org",
                                                         "password": local_run.ready["password"]})
    assert fresh.status_code == 200
    me = local_run.call("GET", "/me", headers={"Authorization": f"Bearer {fresh.json()['idToken']}"})
    assert me.json()["group"] == "read-only"
    assert "/cases/{caseId}/assignment" in local_run.call("GET", "/openapi.json").json()["paths"]
    assert "swagger" in local_run.call("GET", "/docs").text.lower()

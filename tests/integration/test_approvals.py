"""Managerial approvals (DOMAIN: APR-1 .. APR-6) through the real handlers (moto in-process)."""

from __future__ import annotations

from datetime import date
from typing import Any

from casework import clock
from casework.store import work
from tests.integration.lscmi_flow import (
    assert_problem,
    assigned_case,
    case_level,
    decide,
    fill_full,
    lock,
    override,
    start,
)
from tests.support import race


def full_case(api, c, urn: str, total: int = 15, locked: bool = True) -> tuple[dict[str, Any], str]:
    """An assigned case with a completed full 1-8 scored to `total`."""
    case = assigned_case(api, c.leader, c.assessor, urn)
    full = start(api, c.assessor, case["caseId"])
    fill_full(api, c.assessor, case["caseId"], full["assessmentId"], total=total)
    if locked:
        assert lock(api, c.assessor, case["caseId"], full["assessmentId"]).status == 200
    return case, full["assessmentId"]


def request_closure(api, user: str, case_id: str, kind: str = "no-plan"):
    return api.post(f"/cases/{case_id}/closure-requests", user, {"kind": kind, "rationale": "order completed"})


def table(api, user: str, **query: Any) -> list[dict[str, Any]]:
    answer = api.get("/approvals", user, query=query)
    assert answer.status == 200, answer.json()
    return answer.json()["items"]


def tasks_of(user_id: str) -> list[Any]:
    return work.all_tasks(user_id, 200, None).items


# ---------------------------------------------------------------- APR-1


def test_apr1_override_and_both_closures_wait_for_a_manager(world, api):
    c = world.community
    one, aid = full_case(api, c, "URN-P1A", locked=False)
    assert override(api, c.assessor, one["caseId"], aid, "high").status == 201
    two, _ = full_case(api, c, "URN-P1B")
    assert request_closure(api, c.assessor, two["caseId"], "no-plan").status == 201
    three, aid3 = full_case(api, c, "URN-P1C")
    assert api.post(f"/cases/{three['caseId']}/plans", c.assessor, {"assessmentId": aid3}).status == 201
    assert request_closure(api, c.assessor, three["caseId"], "with-plan").status == 201
    assert [a["type"] for a in table(api, c.leader)] == ["override", "closure-no-plan", "closure-with-plan"]


def test_apr1_the_closure_kind_must_fit_the_case(world, api):
    c = world.community
    bare = assigned_case(api, c.leader, c.assessor, "URN-P1D")
    assert_problem(request_closure(api, c.assessor, bare["caseId"], "no-plan"), 422, "kind")
    planned, aid = full_case(api, c, "URN-P1E")
    assert_problem(request_closure(api, c.assessor, planned["caseId"], "with-plan"), 422, "kind")
    api.post(f"/cases/{planned['caseId']}/plans", c.assessor, {"assessmentId": aid})
    assert_problem(request_closure(api, c.assessor, planned["caseId"], "no-plan"), 422, "kind")
    in_progress, _ = full_case(api, c, "URN-P1F", locked=False)
    assert_problem(request_closure(api, c.assessor, in_progress["caseId"]), 409)
    assert table(api, c.leader) == []


# ---------------------------------------------------------------- APR-2


def test_apr2_override_request_carries_original_and_requested_level_kind_and_rationale(world, api):
    c = world.community
    case, aid = full_case(api, c, "URN-P2A", total=15, locked=False)
    answer = override(api, c.assessor, case["caseId"], aid, "high", kind="administrative")
    assert answer.status == 201, answer.json()
    request = answer.json()
    assert (request["originalLevel"], request["requestedLevel"], request["overrideKind"]) == (
        "medium", "high", "administrative")
    assert request["rationale"] == "protective factors not scored" and request["status"] == "pending"
    got = api.get(f"/cases/{case['caseId']}/assessments/{aid}", c.assessor).json()
    assert got["override"]["status"] == "pending" and got["level"] == "medium"
    assert case_level(api, c.assessor, case["caseId"]) == "medium"  # nothing moves before a decision


def test_apr2_approve_sets_the_case_to_the_requested_level(world, api):
    c = world.community
    case, aid = full_case(api, c, "URN-P2B", total=15, locked=False)
    request = override(api, c.assessor, case["caseId"], aid, "very-high").json()
    decided = decide(api, c.leader, request["approvalId"])
    assert decided.status == 200, decided.json()
    assert decided.json()["case"]["riskNeedLevel"] == "very-high"
    assert case_level(api, c.reader, case["caseId"]) == "very-high"
    assert lock(api, c.assessor, case["caseId"], aid).status == 200


def test_apr2_not_approve_leaves_the_score_level_and_the_assessor_must_withdraw(world, api):
    c = world.community
    case, aid = full_case(api, c, "URN-P2C", total=15, locked=False)
    request = override(api, c.assessor, case["caseId"], aid, "low").json()
    decided = decide(api, c.leader, request["approvalId"], "not-approve", comment="rationale not evidenced")
    assert decided.status == 200 and decided.json()["approval"]["status"] == "not-approved"
    assert case_level(api, c.reader, case["caseId"]) == "medium"
    assert_problem(lock(api, c.assessor, case["caseId"], aid), 409)  # 6.2/6.3 still say yes
    withdrawn = api.delete(f"/cases/{case['caseId']}/assessments/{aid}/override", c.assessor)
    assert withdrawn.status == 200 and withdrawn.json()["override"] is None
    assert lock(api, c.assessor, case["caseId"], aid).status == 200
    assert case_level(api, c.reader, case["caseId"]) == "medium"


def test_apr2_an_override_to_the_same_level_or_without_scores_is_refused(world, api):
    c = world.community
    case, aid = full_case(api, c, "URN-P2D", total=15, locked=False)
    assert_problem(override(api, c.assessor, case["caseId"], aid, "medium"), 422, "requestedLevel")
    assert_problem(override(api, c.assessor, case["caseId"], aid, "extreme"), 422, "requestedLevel")
    fresh = assigned_case(api, c.leader, c.assessor, "URN-P2E")
    unscored = start(api, c.assessor, fresh["caseId"])
    assert_problem(override(api, c.assessor, fresh["caseId"], unscored["assessmentId"], "high"), 422,
                   "requestedLevel")
    assert table(api, c.leader) == []


def test_apr2_while_an_override_waits_section_1_and_a_second_override_are_refused(world, api):
    c = world.community
    case, aid = full_case(api, c, "URN-P2F", total=15, locked=False)
    assert override(api, c.assessor, case["caseId"], aid, "high").status == 201
    assert_problem(override(api, c.assessor, case["caseId"], aid, "low"), 409)
    assert_problem(api.put(f"/cases/{case['caseId']}/assessments/{aid}/sections/1", c.assessor,
                           {"scores": {"criminalHistory": 0, "educationEmployment": 0, "familyMarital": 0,
                                       "leisureRecreation": 0, "companions": 0, "alcoholDrugProblem": 0,
                                       "procriminalAttitudeOrientation": 0, "antisocialPattern": 0}}), 409)
    assert_problem(lock(api, c.assessor, case["caseId"], aid), 409)
    assert len(table(api, c.leader)) == 1


# ---------------------------------------------------------------- APR-3


def test_apr3_closure_approval_sets_destruction_date_from_the_retention_period(world, api):
    c = world.community
    case, _ = full_case(api, c, "URN-P3A")
    request = request_closure(api, c.assessor, case["caseId"]).json()
    proposed = date.fromisoformat(request["proposedDestructionDate"])
    today = clock.today()
    assert proposed.year == today.year + 6  # the service keeps records six years
    decided = decide(api, c.leader, request["approvalId"])
    assert decided.status == 200, decided.json()
    closed = api.get(f"/cases/{case['caseId']}", c.reader).json()
    assert closed["status"] == "closed" and closed["closedAt"] is not None
    assert closed["destructionDate"] == proposed.isoformat()
    assert case["caseId"] in [x["caseId"] for x in api.get("/cases", c.reader, query={"status": "closed"}).json()[
        "items"]]
    # the closed case keeps its level and date; its records can no longer change, not even by a team leader
    assert_problem(api.post(f"/cases/{case['caseId']}/reassessments", c.assessor), 403)  # no longer theirs
    assert_problem(api.post(f"/cases/{case['caseId']}/reassessments", c.leader), 409)
    assert api.get(f"/cases/{case['caseId']}", c.reader).json()["destructionDate"] == proposed.isoformat()


def test_apr3_the_approver_may_change_the_destruction_date(world, api):
    c = world.community
    case, aid = full_case(api, c, "URN-P3B")
    api.post(f"/cases/{case['caseId']}/plans", c.assessor, {"assessmentId": aid})
    request = request_closure(api, c.assessor, case["caseId"], "with-plan").json()
    assert_problem(decide(api, c.leader, request["approvalId"], destructionDate="2000-01-01"), 422, "destructionDate")
    assert_problem(decide(api, c.leader, request["approvalId"], destructionDate="soon"), 422, "destructionDate")
    decided = decide(api, c.leader, request["approvalId"], destructionDate="2040-03-31", comment="MAPPA case")
    assert decided.status == 200, decided.json()
    assert decided.json()["case"]["destructionDate"] == "2040-03-31"
    assert decided.json()["approval"]["destructionDate"] == "2040-03-31"
    assert api.get(f"/cases/{case['caseId']}", c.reader).json()["destructionDate"] == "2040-03-31"


def test_apr3_not_approve_keeps_the_case_open_and_tells_the_worker(world, api):
    c = world.community
    case, _ = full_case(api, c, "URN-P3C")
    request = request_closure(api, c.assessor, case["caseId"]).json()
    assert_problem(request_closure(api, c.assessor, case["caseId"]), 409)  # one closure request at a time
    assert decide(api, c.leader, request["approvalId"], "not-approve", comment="requested in error").status == 200
    still = api.get(f"/cases/{case['caseId']}", c.reader).json()
    assert still["status"] == "open" and still["destructionDate"] is None
    assert [t.task_kind for t in tasks_of(c.assessor)].count("closure-not-approved") == 1
    assert request_closure(api, c.assessor, case["caseId"]).status == 201  # may ask again later


def test_apr3_no_new_assessment_while_a_closure_waits(world, api):
    c = world.community
    case, _ = full_case(api, c, "URN-P3E")
    request = request_closure(api, c.assessor, case["caseId"]).json()
    assert_problem(api.post(f"/cases/{case['caseId']}/reassessments", c.assessor), 409)
    decide(api, c.leader, request["approvalId"], "not-approve")
    assert api.post(f"/cases/{case['caseId']}/reassessments", c.assessor).status == 201


def test_apr3_an_override_has_no_destruction_date(world, api):
    c = world.community
    case, aid = full_case(api, c, "URN-P3D", locked=False)
    request = override(api, c.assessor, case["caseId"], aid, "high").json()
    assert_problem(decide(api, c.leader, request["approvalId"], destructionDate="2040-01-01"), 422,
                   "destructionDate")


# ---------------------------------------------------------------- APR-4


def test_apr4_the_approvals_table_lists_type_case_person_worker_and_when(world, api):
    c = world.community
    case, aid = full_case(api, c, "URN-P4A", locked=False)
    request = override(api, c.assessor, case["caseId"], aid, "high").json()
    [row] = table(api, c.leader)
    assert row["approvalId"] == request["approvalId"] and row["type"] == "override"
    assert (row["caseId"], row["caseNumber"], row["urn"], row["surname"]) == (
        case["caseId"], case["caseNumber"], "URN-P4A", "Smith")
    assert row["worker"] == {"userId": c.assessor, "name": "Assessor Community"}
    assert row["requestedAt"] and row["requestedBy"] == c.assessor
    assert api.get(f"/approvals/{request['approvalId']}", c.reader).json()["rationale"]


def test_apr4_the_table_is_paged_oldest_first_and_holds_only_pending_requests(world, api):
    c = world.community
    ids = []
    for n in range(3):
        case, _ = full_case(api, c, f"URN-P4B{n}")
        ids.append(request_closure(api, c.assessor, case["caseId"]).json()["approvalId"])
    first = api.get("/approvals", c.leader, query={"limit": 2}).json()
    assert [a["approvalId"] for a in first["items"]] == ids[:2] and first["next"]
    second = api.get("/approvals", c.leader, query={"limit": 2, "next": first["next"]}).json()
    assert [a["approvalId"] for a in second["items"]] == ids[2:]
    decide(api, c.leader, ids[0])
    assert [a["approvalId"] for a in table(api, c.leader)] == ids[1:]


def test_apr4_only_approvers_see_the_table_and_only_their_services_requests(world, api):
    c = world.community
    case, _ = full_case(api, c, "URN-P4C")
    request = request_closure(api, c.assessor, case["caseId"]).json()
    assert_problem(api.get("/approvals", c.assessor), 403)
    assert table(api, world.prison.leader) == []
    assert_problem(api.get(f"/approvals/{request['approvalId']}", world.prison.leader), 404)
    assert_problem(api.get("/approvals/not-an-id", c.leader), 404)
    assert_problem(api.get("/approvals", c.leader, query={"next": "garbage!"}), 400)


# ---------------------------------------------------------------- APR-5


def test_apr5_a_request_is_decided_once(world, api):
    c = world.community
    case, _ = full_case(api, c, "URN-P5A")
    request = request_closure(api, c.assessor, case["caseId"]).json()
    assert decide(api, c.leader, request["approvalId"]).status == 200
    again = assert_problem(decide(api, c.leader, request["approvalId"], "not-approve"), 409)
    assert "already decided" in again["detail"] and again["current"]["status"] == "approved"
    assert api.get(f"/cases/{case['caseId']}", c.reader).json()["status"] == "closed"


def test_apr5_the_requester_cant_approve_their_own_request(world, api):
    c = world.community
    case, _ = full_case(api, c, "URN-P5B")
    request = request_closure(api, c.leader, case["caseId"]).json()  # the team leader asks for the closure
    assert_problem(decide(api, c.leader, request["approvalId"]), 403)
    assert api.get(f"/approvals/{request['approvalId']}", c.leader).json()["status"] == "pending"
    assert_problem(decide(api, c.assessor, request["approvalId"]), 403)  # no approve right
    assert_problem(decide(api, world.prison.leader, request["approvalId"]), 404)
    assert_problem(decide(api, c.leader, "01BX5ZZKBKACTAV9WEVGEMMVRZ"), 404)
    assert_problem(api.post(f"/approvals/{request['approvalId']}/decision", c.leader, {"decision": "maybe"}), 422,
                   "decision")


def test_apr5_two_managers_one_decision_stands(world, api, monkeypatch):
    c = world.community
    second_leader = "community-leader2"
    from casework import admin

    admin.add_user(second_leader, service_id="community", forename="Second", surname="Leader",
                   email="leader2@community.example.org", group_id="team-leader", supervisor_id=None,
                   actor_id="system")
    case, _ = full_case(api, c, "URN-P5C")
    request = request_closure(api, c.assessor, case["caseId"]).json()
    api.get("/approvals", c.leader)  # load the function before the threads race into it

    # Both decisions pass the "still pending" check, then reach their write together.
    users = [c.leader, second_leader]
    answers = dict(zip(users, race(monkeypatch, lambda: decide(api, c.leader, request["approvalId"], "approve"),
                                   lambda: decide(api, second_leader, request["approvalId"], "not-approve")),
                       strict=True))

    statuses = sorted(a.status for a in answers.values())
    assert statuses == [200, 409], {u: a.json() for u, a in answers.items()}
    winner = next(u for u, a in answers.items() if a.status == 200)
    loser = next(a for a in answers.values() if a.status == 409)
    assert "already decided" in loser.json()["detail"]
    stood = api.get(f"/approvals/{request['approvalId']}", c.leader).json()
    assert stood["decidedBy"] == winner
    closed = api.get(f"/cases/{case['caseId']}", c.reader).json()["status"]
    assert closed == ("closed" if stood["status"] == "approved" else "open")
    decisions = [t for t in tasks_of(c.assessor) if t.task_kind.startswith("closure-")]
    assert len(decisions) == 1  # one task, from the decision that stood
    trail = [e["action"] for e in api.get(f"/cases/{case['caseId']}/audit", c.leader).json()["items"]]
    assert sum(a.startswith("approval.") and a != "approval.requested" for a in trail) == 1


# ---------------------------------------------------------------- APR-6


def test_apr6_every_decision_is_audited_and_tasks_the_worker(world, api):
    c = world.community
    case, aid = full_case(api, c, "URN-P6A", total=8, locked=False)
    first = override(api, c.assessor, case["caseId"], aid, "medium").json()
    decide(api, c.leader, first["approvalId"], "not-approve", comment="not evidenced")
    api.delete(f"/cases/{case['caseId']}/assessments/{aid}/override", c.assessor)
    second = override(api, c.assessor, case["caseId"], aid, "medium").json()
    decide(api, c.leader, second["approvalId"], comment="agreed at supervision")
    kinds = [t.task_kind for t in tasks_of(c.assessor)]
    assert kinds.count("override-not-approved") == 1 and kinds.count("override-approved") == 1
    tray = api.get("/me/worktray", c.assessor).json()["items"]
    approved = next(t for t in tray if t["kind"] == "override-approved")
    assert approved["caseId"] == case["caseId"] and "medium" in approved["subject"]
    trail = api.get(f"/cases/{case['caseId']}/audit", c.leader).json()["items"]
    decisions = [e for e in trail if e["action"] in ("approval.approved", "approval.not-approved")]
    assert [(e["action"], e["actorId"], e["reason"]) for e in decisions] == [
        ("approval.not-approved", c.leader, "not evidenced"), ("approval.approved", c.leader, "agreed at supervision")]
    assert decisions[1]["before"]["riskNeedLevel"] == "low" and decisions[1]["after"]["riskNeedLevel"] == "medium"


def test_apr6_closure_completes_the_workers_assigned_task_and_tasks_the_decision(world, api):
    c = world.community
    case, _ = full_case(api, c, "URN-P6B")
    request = request_closure(api, c.assessor, case["caseId"]).json()
    decide(api, c.leader, request["approvalId"])
    open_kinds = [t["kind"] for t in api.get("/me/worktray", c.assessor).json()["items"]
                  if t["caseId"] == case["caseId"]]
    assert open_kinds == ["closure-approved"]  # the "case assigned" task is done with the case


def test_apr5_a_request_left_on_a_closed_case_is_not_decided(world, api):
    """Once the case is closed its level is final: a request still waiting on it (however it got there) is
    refused, and nothing changes."""
    from casework.store import records

    c = world.community
    case, aid = full_case(api, c, "URN-P5D", locked=False)
    pending = override(api, c.assessor, case["caseId"], aid, "high")
    assert pending.status == 201, pending.json()
    item = records.find_case(case["caseId"])
    item.status, item.closed_at = "closed", clock.stamp()
    records.refresh_index_keys(item).save()
    refused = assert_problem(decide(api, c.leader, pending.json()["approvalId"]), 409)
    assert refused["current"]["status"] == "pending"
    assert case_level(api, c.reader, case["caseId"]) == "medium"


def test_apr3_closing_releases_the_worker_and_the_decision_says_who_held_it(world, api):
    c = world.community
    case, _ = full_case(api, c, "URN-P3F")
    request = request_closure(api, c.assessor, case["caseId"]).json()
    decided = decide(api, c.leader, request["approvalId"])
    assert decided.status == 200, decided.json()
    assert decided.json()["case"]["assignedTo"] is None
    assert case["caseId"] not in [x["caseId"] for x in api.get(f"/users/{c.assessor}/caseload", c.leader).json()[
        "items"]]
    assert case["caseId"] not in [x["caseId"] for x in api.get("/cases/unassigned", c.leader).json()["items"]]
    [entry] = [e for e in api.get(f"/cases/{case['caseId']}/audit", c.reader).json()["items"]
               if e["action"] == "approval.approved"]
    assert entry["before"]["assignedTo"] == c.assessor and entry["after"]["assignedTo"] is None
    assert [t.task_kind for t in tasks_of(c.assessor)].count("closure-approved") == 1

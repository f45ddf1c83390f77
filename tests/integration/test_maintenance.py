"""Record maintenance (DOMAIN: DEL-1 .. DEL-3) through the real handlers (moto in-process)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from casework import admin, clock
from casework.compliance import sweep
from casework.store import assessments as assessment_store
from casework.store import audit, records
from casework.store.transfer import partition_items as _partition
from tests.integration.lscmi_flow import (
    assert_problem,
    assigned_case,
    case_level,
    fill_full,
    lock,
    override,
    start,
)
from tests.support import open_case


def unassign(api, leader: str, case_id: str) -> None:
    assert api.put(f"/cases/{case_id}/assignment", leader, {"userId": None}).status == 200


def tombstones(entity: str) -> list[Any]:
    """The audit trail read from the store: it outlives the record (whose own route is then 404)."""
    return audit.trail(entity, 200, None).items


def locked_full(api, c, urn: str, total: int = 15) -> tuple[dict[str, Any], str]:
    case = assigned_case(api, c.leader, c.assessor, urn)
    full = start(api, c.assessor, case["caseId"])
    fill_full(api, c.assessor, case["caseId"], full["assessmentId"], total=total)
    assert lock(api, c.assessor, case["caseId"], full["assessmentId"]).status == 200
    return case, full["assessmentId"]


def body(confirm: str, reason: str = "started in error at the court report stage") -> dict[str, str]:
    return {"confirm": confirm, "reason": reason}


# ---------------------------------------------------------------- DEL-1


def test_del1_delete_a_full_1_8_started_instead_of_an_initial_assessment(world, api):
    c = world.community
    case, aid = locked_full(api, c, "URN-D1A", total=25)
    unassign(api, c.leader, case["caseId"])
    answer = api.post(f"/cases/{case['caseId']}/assessments/{aid}/deletion", c.leader,
                      body(f"DELETE ASSESSMENT {case['caseNumber']}"))
    assert answer.status == 200, answer.json()
    assert answer.json()["deleted"] == [f"assessment {aid}"]
    assert_problem(api.get(f"/cases/{case['caseId']}/assessments/{aid}", c.leader), 404)
    assert case_level(api, c.leader, case["caseId"]) is None  # no assessment left to drive a level
    [stone] = [e for e in tombstones(audit.case_entity(case["caseId"])) if e.action == "assessment.deleted"]
    assert stone.actor_id == c.leader and stone.reason == "started in error at the court report stage"
    assert stone.before["assessmentId"] == aid and stone.before["riskNeedLevel"] == "high"
    # now the initial assessment can be started
    assert api.post(f"/cases/{case['caseId']}/assessments", c.leader, {"kind": "initial"}).status == 201


def test_del1_delete_a_reassessment_started_by_mistake(world, api):
    c = world.community
    case, aid = locked_full(api, c, "URN-D1B", total=3)
    again = api.post(f"/cases/{case['caseId']}/reassessments", c.assessor).json()
    api.put(f"/cases/{case['caseId']}/assessments/{again['assessmentId']}/sections/1", c.assessor,
            {"scores": {"criminalHistory": 8, "educationEmployment": 9, "familyMarital": 4, "leisureRecreation": 2,
                        "companions": 4, "alcoholDrugProblem": 8, "procriminalAttitudeOrientation": 4,
                        "antisocialPattern": 4}})
    assert case_level(api, c.leader, case["caseId"]) == "very-high"
    unassign(api, c.leader, case["caseId"])
    # the first assessment is copied by the reassessment: it can't go first
    assert_problem(api.post(f"/cases/{case['caseId']}/assessments/{aid}/deletion", c.leader,
                            body(f"DELETE ASSESSMENT {case['caseNumber']}")), 409)
    answer = api.post(f"/cases/{case['caseId']}/assessments/{again['assessmentId']}/deletion", c.leader,
                      body(f"DELETE ASSESSMENT {case['caseNumber']}", "reassess selected by mistake"))
    assert answer.status == 200, answer.json()
    history = api.get(f"/cases/{case['caseId']}/history", c.leader).json()
    assert [a["assessmentId"] for a in history["assessments"]] == [aid]
    assert case_level(api, c.leader, case["caseId"]) == "very-low"  # back to the remaining assessment


def test_del1_an_initial_assessment_is_not_deleted_but_unlocked(world, api):
    c = world.community
    case = open_case(api, c.leader, urn="URN-D1C")
    initial = start(api, c.leader, case["caseId"], "initial")
    assert_problem(api.post(f"/cases/{case['caseId']}/assessments/{initial['assessmentId']}/deletion", c.leader,
                            body(f"DELETE ASSESSMENT {case['caseNumber']}")), 422, "assessmentId")


def test_del1_delete_a_case_with_its_records_and_references(world, api):
    c = world.community
    case, aid = locked_full(api, c, "URN-D1D")
    other = open_case(api, c.leader, urn="URN-D1D")  # the person's second case stays
    request = api.post(f"/cases/{case['caseId']}/closure-requests", c.assessor,
                       {"kind": "no-plan", "rationale": "done"}).json()
    unassign(api, c.leader, case["caseId"])
    answer = api.post(f"/cases/{case['caseId']}/deletion", c.leader,
                      body(f"DELETE CASE {case['caseNumber']}", "case cannot be completed"))
    assert answer.status == 200, answer.json()
    assert f"case {case['caseNumber']}" in answer.json()["deleted"]
    assert_problem(api.get(f"/cases/{case['caseId']}", c.leader), 404)
    assert_problem(api.get(f"/approvals/{request['approvalId']}", c.leader), 404)
    assert api.get("/approvals", c.leader).json()["items"] == []
    assert case["caseId"] not in [x["caseId"] for x in api.get("/cases", c.leader, query={"status": "all"}).json()[
        "items"]]
    person = api.get("/people/URN-D1D", c.leader).json()
    assert [x["caseId"] for x in person["cases"]] == [other["caseId"]] and person["multipleCases"] is False
    assert api.get(f"/cases/{other['caseId']}", c.leader).json()["multipleCases"] is False
    assert records.find_case(case["caseId"]) is None
    assert assessment_store.find_approval(request["approvalId"]) is None
    [stone] = [e for e in tombstones(audit.case_entity(case["caseId"])) if e.action == "case.deleted"]
    assert stone.before["assessments"] == [aid] and stone.reason == "case cannot be completed"
    assert any(e.action == "case.deleted" for e in tombstones(audit.person_entity("community", "URN-D1D")))


def test_del1_delete_a_person_with_every_case(world, api):
    c = world.community
    first, _ = locked_full(api, c, "URN-D1E")
    second = open_case(api, c.leader, urn="URN-D1E")
    assert_problem(api.post("/people/URN-D1E/deletion", c.leader, body("DELETE PERSON URN-D1E")), 409)  # assigned
    unassign(api, c.leader, first["caseId"])
    assert_problem(api.post("/people/URN-D1E/deletion", c.leader, body("DELETE PERSON URN-D1")), 422, "confirm")
    answer = api.post("/people/URN-D1E/deletion", c.leader, body("DELETE PERSON URN-D1E", "duplicate record"))
    assert answer.status == 200, answer.json()
    assert_problem(api.get("/people/URN-D1E", c.leader), 404)
    for case in (first, second):
        assert_problem(api.get(f"/cases/{case['caseId']}", c.leader), 404)
        assert any(e.action == "person.deleted" for e in tombstones(audit.case_entity(case["caseId"])))
    [stone] = [e for e in tombstones(audit.person_entity("community", "URN-D1E")) if e.action == "person.deleted"]
    assert stone.before["cases"] == [first["caseNumber"], second["caseNumber"]]
    assert stone.actor_id == c.leader and stone.reason == "duplicate record"
    assert _partition("community#PERSON#URN-D1E") == []
    assert_problem(api.post("/people/URN-D1E/deletion", c.leader, body("DELETE PERSON URN-D1E")), 404)


# ---------------------------------------------------------------- DEL-2


def test_del2_unlock_reopens_an_assessment_locked_in_error(world, api):
    c = world.community
    case, aid = locked_full(api, c, "URN-D2A")
    unassign(api, c.leader, case["caseId"])
    answer = api.post(f"/cases/{case['caseId']}/assessments/{aid}/unlock", c.leader,
                      body(f"UNLOCK ASSESSMENT {case['caseNumber']}", "locked before section 8 was agreed"))
    assert answer.status == 200, answer.json()
    got = api.get(f"/cases/{case['caseId']}/assessments/{aid}", c.leader).json()
    assert got["status"] == "in-progress" and got["lockedAt"] is None
    assert api.put(f"/cases/{case['caseId']}/assessments/{aid}/sections/8", c.leader, {"text": "agreed"}).status == 200
    assert any(e.action == "assessment.unlocked" and e.reason == "locked before section 8 was agreed"
               for e in tombstones(audit.case_entity(case["caseId"])))
    # unlocking an unlocked assessment is refused
    assert_problem(api.post(f"/cases/{case['caseId']}/assessments/{aid}/unlock", c.leader,
                            body(f"UNLOCK ASSESSMENT {case['caseNumber']}")), 409)


def test_del2_an_initial_assessment_can_be_unlocked_too(world, api):
    c = world.community
    case = open_case(api, c.leader, urn="URN-D2B")
    initial = start(api, c.leader, case["caseId"], "initial")
    for name in ("ohf", "screening", "initial-analysis"):
        api.put(f"/cases/{case['caseId']}/assessments/{initial['assessmentId']}/sections/{name}", c.leader,
                {"text": "x"})
    assert lock(api, c.leader, case["caseId"], initial["assessmentId"]).status == 200
    answer = api.post(f"/cases/{case['caseId']}/assessments/{initial['assessmentId']}/unlock", c.leader,
                      body(f"UNLOCK ASSESSMENT {case['caseNumber']}"))
    assert answer.status == 200 and answer.json()["action"] == "assessment.unlocked"


# ---------------------------------------------------------------- DEL-3


def test_del3_an_assigned_case_is_refused_and_nothing_changes(world, api):
    c = world.community
    case, aid = locked_full(api, c, "URN-D3A")
    for path, confirm in ((f"/cases/{case['caseId']}/deletion", "DELETE CASE"),
                          (f"/cases/{case['caseId']}/assessments/{aid}/deletion", "DELETE ASSESSMENT"),
                          (f"/cases/{case['caseId']}/assessments/{aid}/unlock", "UNLOCK ASSESSMENT")):
        refused = assert_problem(api.post(path, c.leader, body(f"{confirm} {case['caseNumber']}")), 409)
        assert refused["current"]["assignedTo"] == c.assessor
    assert api.get(f"/cases/{case['caseId']}/assessments/{aid}", c.leader).json()["status"] == "locked"


def test_del3_needs_the_record_maintenance_right(world, api):
    c = world.community
    case, _ = locked_full(api, c, "URN-D3B")
    unassign(api, c.leader, case["caseId"])
    for user in (c.assessor, c.reader, c.admin):
        assert_problem(api.post(f"/cases/{case['caseId']}/deletion", user, body(f"DELETE CASE {case['caseNumber']}")),
                       403)
    assert_problem(api.post(f"/cases/{case['caseId']}/deletion", world.prison.leader,
                            body(f"DELETE CASE {case['caseNumber']}")), 404)
    assert api.get(f"/cases/{case['caseId']}", c.leader).status == 200


def test_del3_the_confirmation_must_match_exactly_and_a_reason_is_required(world, api):
    c = world.community
    case, aid = locked_full(api, c, "URN-D3C")
    unassign(api, c.leader, case["caseId"])
    url = f"/cases/{case['caseId']}/deletion"
    for wrong in (f"delete case {case['caseNumber']}", f"DELETE CASE {case['caseNumber'] + 1}", "DELETE CASE",
                  f"DELETE CASE {case['caseNumber']} "):
        refused = assert_problem(api.post(url, c.leader, body(wrong)), 422, "confirm")
        assert f"DELETE CASE {case['caseNumber']}" in refused["detail"]
    assert_problem(api.post(url, c.leader, {"confirm": f"DELETE CASE {case['caseNumber']}"}), 422, "reason")
    assert_problem(api.post(url, c.leader, body(f"DELETE CASE {case['caseNumber']}", "   ")), 422, "reason")
    assert_problem(api.post(url, c.leader, {"reason": "x"}), 422, "confirm")
    assert api.get(f"/cases/{case['caseId']}", c.leader).status == 200
    assert api.get(f"/cases/{case['caseId']}/assessments/{aid}", c.leader).status == 200


def test_del3_a_pending_override_goes_with_its_assessment(world, api):
    c = world.community
    case = assigned_case(api, c.leader, c.assessor, "URN-D3D")
    full = start(api, c.assessor, case["caseId"])
    fill_full(api, c.assessor, case["caseId"], full["assessmentId"], total=15)
    request = override(api, c.assessor, case["caseId"], full["assessmentId"], "high").json()
    unassign(api, c.leader, case["caseId"])
    answer = api.post(f"/cases/{case['caseId']}/assessments/{full['assessmentId']}/deletion", c.leader,
                      body(f"DELETE ASSESSMENT {case['caseNumber']}"))
    assert answer.status == 200, answer.json()
    assert api.get("/approvals", c.leader).json()["items"] == []
    assert_problem(api.get(f"/approvals/{request['approvalId']}", c.leader), 404)


def test_del1_a_deletion_larger_than_one_transaction_is_refused_whole(world, api):
    """A person whose records would not fit one transaction (100 items) is not half deleted: refused, with the
    way round it (delete the cases one at a time), and every record still there."""
    from casework import clock, ids
    from casework.store.models import RecordItem

    c = world.community
    case = open_case(api, c.leader, urn="URN-D1F")
    item = records.find_case(case["caseId"])
    with RecordItem.batch_write() as batch:
        for _ in range(99):
            batch.save(assessment_store.new_assessment(
                item, assessment_id=ids.ulid(), kind="full", reassessment_of=None, sections={}, override=None,
                created_by=c.assessor, created_at=clock.stamp()))
    before = len(_partition("community#PERSON#URN-D1F"))
    refused = assert_problem(api.post("/people/URN-D1F/deletion", c.leader, body("DELETE PERSON URN-D1F")), 409)
    assert "one at a time" in refused["detail"]
    refused = assert_problem(api.post(f"/cases/{case['caseId']}/deletion", c.leader,
                                      body(f"DELETE CASE {case['caseNumber']}")), 409)
    assert "reassessments one at a time" in refused["detail"]
    assert len(_partition("community#PERSON#URN-D1F")) == before == 101
    assert api.get(f"/cases/{case['caseId']}", c.leader).status == 200
    assert not [e for e in tombstones(audit.case_entity(case["caseId"])) if e.action.endswith("deleted")]


def closed_by_approval(api, c, urn: str) -> tuple[dict[str, Any], str]:
    """A case with a locked full 1-8, closed by a team leader's approval (APR-3)."""
    case, aid = locked_full(api, c, urn)
    request = api.post(f"/cases/{case['caseId']}/closure-requests", c.assessor,
                       {"kind": "no-plan", "rationale": "order completed"}).json()
    decided = api.post(f"/approvals/{request['approvalId']}/decision", c.leader, {"decision": "approve"})
    assert decided.status == 200, decided.json()
    return decided.json()["case"], aid


def test_del3_a_case_closed_by_approval_is_nobodys_and_its_person_can_be_deleted(world, api):
    c = world.community
    case, aid = closed_by_approval(api, c, "URN-D3E")
    assert case["status"] == "closed" and case["assignedTo"] is None  # closing releases the worker
    assert case["caseId"] not in [x["caseId"] for x in api.get("/me/caseload", c.assessor).json()["items"]]
    # a closed case's assessments are kept as they were closed
    assert_problem(api.post(f"/cases/{case['caseId']}/assessments/{aid}/deletion", c.leader,
                            body(f"DELETE ASSESSMENT {case['caseNumber']}")), 409)
    assert_problem(api.post(f"/cases/{case['caseId']}/assessments/{aid}/unlock", c.leader,
                            body(f"UNLOCK ASSESSMENT {case['caseNumber']}")), 409)
    assert api.get(f"/cases/{case['caseId']}/assessments/{aid}", c.leader).json()["status"] == "locked"
    answer = api.post("/people/URN-D3E/deletion", c.leader, body("DELETE PERSON URN-D3E", "duplicate record"))
    assert answer.status == 200, answer.json()
    assert_problem(api.get("/people/URN-D3E", c.leader), 404)


def test_del2_no_unlock_while_a_closure_request_waits(world, api):
    """Unlocking under a waiting closure would let the case close with work still open."""
    c = world.community
    case, aid = locked_full(api, c, "URN-D2C")
    request = api.post(f"/cases/{case['caseId']}/closure-requests", c.assessor,
                       {"kind": "no-plan", "rationale": "order completed"}).json()
    unassign(api, c.leader, case["caseId"])
    refused = assert_problem(api.post(f"/cases/{case['caseId']}/assessments/{aid}/unlock", c.leader,
                                      body(f"UNLOCK ASSESSMENT {case['caseNumber']}")), 409)
    assert "closure" in refused["detail"]
    assert api.get(f"/cases/{case['caseId']}/assessments/{aid}", c.leader).json()["status"] == "locked"
    assert not [e for e in tombstones(audit.case_entity(case["caseId"])) if e.action == "assessment.unlocked"]
    assert api.get(f"/approvals/{request['approvalId']}", c.leader).json()["status"] == "pending"


def test_del3_tombstones_are_read_through_the_api_after_the_deletion(world, api):
    c = world.community
    case, _ = locked_full(api, c, "URN-D3F")
    unassign(api, c.leader, case["caseId"])
    assert api.post(f"/cases/{case['caseId']}/deletion", c.leader,
                    body(f"DELETE CASE {case['caseNumber']}", "case cannot be completed")).status == 200
    trail = api.get(f"/cases/{case['caseId']}/audit", c.reader)
    assert trail.status == 200, trail.json()
    stone = trail.json()["items"][-1]
    assert stone["action"] == "case.deleted" and stone["actorId"] == c.leader
    assert stone["reason"] == "case cannot be completed"
    assert_problem(api.get(f"/cases/{case['caseId']}/audit", world.prison.leader), 404)  # another service's trail
    assert api.post("/people/URN-D3F/deletion", c.leader, body("DELETE PERSON URN-D3F", "duplicate")).status == 200
    person_trail = api.get("/people/URN-D3F/audit", c.reader)
    assert person_trail.status == 200, person_trail.json()
    actions = [e["action"] for e in person_trail.json()["items"]]
    assert actions[0] == "person.recorded" and actions[-2:] == ["case.deleted", "person.deleted"]
    assert person_trail.json()["items"][-1]["reason"] == "duplicate"
    assert_problem(api.get("/people/URN-D3F/audit", world.prison.leader), 404)  # kept per service
    assert_problem(api.get("/people/URN-NEVER/audit", c.reader), 404)


# ---------------------------------------------------------------- DEL-1 on a children's case


def children_maintainer() -> str:
    """A team leader in the children's service: its practice managers lack record maintenance (right 50)."""
    user_id = "children-maintainer"
    admin.add_user(user_id, service_id="children", forename="Team", surname="Leader",
                   email="maintainer@children.example.org", group_id="team-leader", supervisor_id=None,
                   actor_id="system")
    return user_id


def children_case_with_records(api, k, urn: str) -> tuple[dict[str, Any], str, list[str]]:
    """A child-in-need case with a C&F assessment and two visits (a failed one, then a statutory one), each starting
    its deadlines; unassigned again."""
    case = open_case(api, k.leader, urn=urn, case_type="child-in-need")
    assert api.put(f"/cases/{case['caseId']}/assignment", k.leader, {"userId": k.worker}).status == 200
    cf = api.post(f"/cases/{case['caseId']}/cf-assessments", k.leader, {})
    assert cf.status == 201, cf.json()
    visits = []
    for kind in ("failed", "statutory"):
        made = api.post(f"/cases/{case['caseId']}/visits", k.worker,
                        {"visitType": kind, "visitDate": clock.today().isoformat(), "note": "Called at the home"})
        assert made.status == 201, made.json()
        visits.append(made.json()["visitId"])
    unassign(api, k.leader, case["caseId"])
    return case, cf.json()["assessmentId"], visits


def test_del1_a_childrens_case_goes_with_every_record_of_its_key_range(world, api):
    """The C&F assessment, the visits and their deadlines are the case's records as much as its assessments: none is
    left behind (nor found through the case's routes, nor raised by the sweep)."""
    k = world.children
    maintainer = children_maintainer()
    case, cf_id, visit_ids = children_case_with_records(api, k, "URN-D1K")
    item = records.find_case(case["caseId"])
    assert item is not None
    held = {records.kind_of(i) for i in records.case_key_range(item)}
    assert {"cf-assessment", "visit", "deadline"} <= held
    assert_problem(api.post(f"/cases/{case['caseId']}/deletion", k.leader,
                            body(f"DELETE CASE {case['caseNumber']}")), 403)  # a practice manager lacks right 50
    answer = api.post(f"/cases/{case['caseId']}/deletion", maintainer,
                      body(f"DELETE CASE {case['caseNumber']}", "opened on the wrong child"))
    assert answer.status == 200, answer.json()
    deleted = answer.json()["deleted"]
    assert {f"case {case['caseNumber']}", f"cf-assessment {cf_id}", *(f"visit {v}" for v in visit_ids)} <= set(
        deleted)
    # the Records table itself: nothing of the case's key range, only the person left in the partition
    assert records.case_key_range(item) == []
    assert [records.kind_of(i) for i in _partition("children#PERSON#URN-D1K")] == ["person"]
    assert_problem(api.get(f"/cases/{case['caseId']}/visits", k.leader), 404)
    assert_problem(api.get(f"/cases/{case['caseId']}/cf-assessments", k.leader), 404)
    with clock.frozen(clock.now() + timedelta(days=400)):
        assert sweep.sweep()["read"] == 0  # no deadline outlives its case
    [stone] = [e for e in tombstones(audit.case_entity(case["caseId"])) if e.action == "case.deleted"]
    counts = stone.before["records"]
    assert (counts["cf-assessments"], counts["visits"], counts["assessments"]) == (1, 2, 0)
    assert counts["deadlines"] >= 2 and sum(counts.values()) == len(deleted) - 1
    assert stone.actor_id == maintainer and stone.reason == "opened on the wrong child"


def test_del1_a_childrens_person_goes_with_every_record_of_every_case(world, api):
    k = world.children
    maintainer = children_maintainer()
    children_case_with_records(api, k, "URN-D1L")
    answer = api.post("/people/URN-D1L/deletion", maintainer, body("DELETE PERSON URN-D1L", "duplicate record"))
    assert answer.status == 200, answer.json()
    assert _partition("children#PERSON#URN-D1L") == []
    [stone] = [e for e in tombstones(audit.person_entity("children", "URN-D1L")) if e.action == "person.deleted"]
    assert (stone.before["records"]["cf-assessments"], stone.before["records"]["visits"]) == (1, 2)

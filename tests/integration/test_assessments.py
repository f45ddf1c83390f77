"""LS/CMI assessments (DOMAIN: LSA-1 .. LSA-6) through the real handlers (moto in-process)."""

from __future__ import annotations

import pytest

from casework.lscmi import scoring
from tests.integration.lscmi_flow import (
    assert_problem,
    assigned_case,
    case_level,
    fill_full,
    lock,
    scores_for,
    section,
    start,
)
from tests.support import open_case


def history(api, user, case_id):
    answer = api.get(f"/cases/{case_id}/history", user)
    assert answer.status == 200, answer.json()
    return answer.json()


# ---------------------------------------------------------------- LSA-1


def test_lsa1_an_initial_assessment_has_the_ohf_screening_and_initial_analysis(world, api):
    c = world.community
    case = assigned_case(api, c.leader, c.assessor, "URN-L1A")
    ia = start(api, c.assessor, case["caseId"], "initial")
    assert ia["kind"] == "initial" and ia["status"] == "in-progress" and ia["sections"] == {}
    for name in ("ohf", "screening", "initial-analysis"):
        saved = section(api, c.assessor, case["caseId"], ia["assessmentId"], name,
                        answers={"1": "reason for assessment: court report"}, text="free text")
        assert saved.status == 200, saved.json()
    got = api.get(f"/cases/{case['caseId']}/assessments/{ia['assessmentId']}", c.assessor)
    assert got.status == 200 and got.headers["etag"] == f'"{got.json()["version"]}"'
    assert set(got.json()["sections"]) == {"ohf", "screening", "initial-analysis"}
    assert got.json()["sections"]["ohf"]["savedBy"] == c.assessor
    # a section of the full 1-8 does not belong to an initial assessment
    assert_problem(section(api, c.assessor, case["caseId"], ia["assessmentId"], "1", scores=scores_for(3)), 422,
                   "section")


def test_lsa1_the_initial_assessment_is_for_community_services_only(world, api):
    p = world.prison
    case = assigned_case(api, p.leader, p.assessor, "URN-L1B")
    answer = api.post(f"/cases/{case['caseId']}/assessments", p.assessor, {"kind": "initial"})
    assert_problem(answer, 422, "kind")
    assert history(api, p.leader, case["caseId"])["assessments"] == []


def test_lsa1_a_full_assessment_has_sections_ohf_and_1_to_8(world, api):
    c = world.community
    case = assigned_case(api, c.leader, c.assessor, "URN-L1C")
    full = start(api, c.assessor, case["caseId"])
    fill_full(api, c.assessor, case["caseId"], full["assessmentId"])
    got = api.get(f"/cases/{case['caseId']}/assessments/{full['assessmentId']}", c.assessor).json()
    assert set(got["sections"]) == {"ohf", "1", "2", "3", "4", "5", "6", "7", "8"}
    assert_problem(section(api, c.assessor, case["caseId"], full["assessmentId"], "12", text="x"), 422, "section")


def test_lsa1_only_the_assigned_worker_or_a_team_leader_changes_an_assessment(world, api):
    c = world.community
    case = assigned_case(api, c.leader, c.assessor, "URN-L1D")
    assert_problem(api.post(f"/cases/{case['caseId']}/assessments", c.assessor2, {"kind": "full"}), 403)
    assert_problem(api.post(f"/cases/{case['caseId']}/assessments", c.reader, {"kind": "full"}), 403)
    assert_problem(api.post(f"/cases/{case['caseId']}/assessments", world.prison.leader, {"kind": "full"}), 404)
    full = start(api, c.leader, case["caseId"])  # the team-leader right
    assert_problem(api.get(f"/cases/{case['caseId']}/assessments/{full['assessmentId']}", world.prison.leader), 404)
    assert api.get(f"/cases/{case['caseId']}/assessments/{full['assessmentId']}", c.reader).status == 200
    assert_problem(api.get(f"/cases/{case['caseId']}/assessments/NOPE", c.reader), 404)


def test_lsa1_only_an_ls_cmi_case_is_assessed(world, api):
    k = world.children
    case = open_case(api, k.leader, urn="URN-L1G", case_type="child-in-need")
    assert_problem(api.post(f"/cases/{case['caseId']}/assessments", k.leader, {"kind": "full"}), 422, "caseId")
    assert_problem(api.post(f"/cases/{case['caseId']}/closure-requests", k.leader,
                            {"kind": "no-plan", "rationale": "x"}), 422, "caseId")


def test_lsa1_one_assessment_in_progress_at_a_time_and_one_full_1_8_per_case(world, api):
    c = world.community
    case = assigned_case(api, c.leader, c.assessor, "URN-L1E")
    full = start(api, c.assessor, case["caseId"])
    assert_problem(api.post(f"/cases/{case['caseId']}/assessments", c.assessor, {"kind": "initial"}), 409)
    fill_full(api, c.assessor, case["caseId"], full["assessmentId"])
    assert lock(api, c.assessor, case["caseId"], full["assessmentId"]).status == 200
    body = assert_problem(api.post(f"/cases/{case['caseId']}/assessments", c.assessor, {"kind": "full"}), 409)
    assert "reassessment" in body["detail"]


# ---------------------------------------------------------------- LSA-2


def test_lsa2_section1_total_is_computed_from_the_subcomponent_scores(world, api):
    c = world.community
    case = assigned_case(api, c.leader, c.assessor, "URN-L2A")
    full = start(api, c.assessor, case["caseId"])
    saved = section(api, c.assessor, case["caseId"], full["assessmentId"], "1", scores=scores_for(23))
    assert saved.status == 200, saved.json()
    assert saved.json()["sections"]["1"]["total"] == 23
    assert saved.json()["scoreLevel"] == "high" and saved.json()["level"] == "high"


@pytest.mark.parametrize(("name", "value"), [("criminalHistory", 9), ("educationEmployment", 10),
                                             ("familyMarital", 5), ("leisureRecreation", 3), ("companions", -1),
                                             ("alcoholDrugProblem", 9), ("procriminalAttitudeOrientation", 5),
                                             ("antisocialPattern", 5), ("companions", True), ("familyMarital", "2"),
                                             ("criminalHistory", 1.5)])
def test_lsa2_a_score_out_of_its_range_is_refused_and_nothing_changes(world, api, name, value):
    c = world.community
    case = assigned_case(api, c.leader, c.assessor, "URN-L2B")
    full = start(api, c.assessor, case["caseId"])
    scores = {**scores_for(0), name: value}
    body = assert_problem(section(api, c.assessor, case["caseId"], full["assessmentId"], "1", scores=scores), 422)
    assert f"scores.{name}" in [e["field"] for e in body["errors"]]
    after = api.get(f"/cases/{case['caseId']}/assessments/{full['assessmentId']}", c.assessor).json()
    assert after["sections"] == {} and after["version"] == full["version"]
    assert case_level(api, c.assessor, case["caseId"]) is None


def test_lsa2_a_level_or_total_sent_by_the_client_is_refused(world, api):
    c = world.community
    case = assigned_case(api, c.leader, c.assessor, "URN-L2C")
    full = start(api, c.assessor, case["caseId"])
    for extra in ({"riskNeedLevel": "low"}, {"level": "low"}, {"total": 3}, {"scoreLevel": "low"}):
        answer = section(api, c.assessor, case["caseId"], full["assessmentId"], "1", scores=scores_for(30), **extra)
        assert_problem(answer, 422, next(iter(extra)))
    assert case_level(api, c.assessor, case["caseId"]) is None


def test_lsa2_scores_belong_to_section_1_and_the_7_3_2_answer_to_section_7(world, api):
    c = world.community
    case = assigned_case(api, c.leader, c.assessor, "URN-L2D")
    full = start(api, c.assessor, case["caseId"])
    aid = full["assessmentId"]
    assert_problem(section(api, c.assessor, case["caseId"], aid, "2", scores=scores_for(3)), 422, "scores")
    assert_problem(section(api, c.assessor, case["caseId"], aid, "1"), 422, "scores")
    assert_problem(section(api, c.assessor, case["caseId"], aid, "7", text="x"), 422, "fullAssessmentMerited")
    assert_problem(section(api, c.assessor, case["caseId"], aid, "6", planType="rmp"), 422, "planType")


def test_lsa2_7_3_2_decides_whether_7_4_is_required_and_7_4_ends_in_the_plan_type(world, api):
    c = world.community
    case = assigned_case(api, c.leader, c.assessor, "URN-L2E")
    full = start(api, c.assessor, case["caseId"])
    aid = full["assessmentId"]
    fill_full(api, c.assessor, case["caseId"], aid, merited=False)
    # not merited: 7.4 is not completed and the plan is a case management plan
    assert_problem(section(api, c.assessor, case["caseId"], aid, "7.4", planType="rmp"), 422, "section")
    got = api.get(f"/cases/{case['caseId']}/assessments/{aid}", c.assessor).json()
    assert got["planType"] == "cmp"
    # merited: 7.4 becomes required for the lock, and it ends in the plan type
    assert section(api, c.assessor, case["caseId"], aid, "7", fullAssessmentMerited=True).status == 200
    assert_problem(lock(api, c.assessor, case["caseId"], aid), 422, "sections")
    assert_problem(section(api, c.assessor, case["caseId"], aid, "7.4", text="no type"), 422, "planType")
    saved = section(api, c.assessor, case["caseId"], aid, "7.4", planType="rmp", text="imminence")
    assert saved.status == 200 and saved.json()["planType"] == "rmp"
    assert lock(api, c.assessor, case["caseId"], aid).status == 200


# ---------------------------------------------------------------- LSA-3


@pytest.mark.parametrize(("total", "level"), [(0, "very-low"), (4, "very-low"), (5, "low"), (10, "low"),
                                              (11, "medium"), (19, "medium"), (20, "high"), (29, "high"),
                                              (30, "very-high"), (43, "very-high")])
def test_lsa3_the_case_shows_the_score_driven_level(world, api, total, level):
    c = world.community
    case = assigned_case(api, c.leader, c.assessor, "URN-L3A")
    full = start(api, c.assessor, case["caseId"])
    assert section(api, c.assessor, case["caseId"], full["assessmentId"], "1", scores=scores_for(total)).status == 200
    assert case_level(api, c.reader, case["caseId"]) == level
    listed = api.get("/cases", c.reader).json()["items"]
    assert next(x for x in listed if x["caseId"] == case["caseId"])["riskNeedLevel"] == level


def test_lsa3_rescoring_moves_the_level_and_the_change_is_audited(world, api):
    c = world.community
    case = assigned_case(api, c.leader, c.assessor, "URN-L3B")
    full = start(api, c.assessor, case["caseId"])
    section(api, c.assessor, case["caseId"], full["assessmentId"], "1", scores=scores_for(3))
    section(api, c.assessor, case["caseId"], full["assessmentId"], "1", scores=scores_for(35))
    assert case_level(api, c.assessor, case["caseId"]) == "very-high"
    trail = api.get(f"/cases/{case['caseId']}/audit", c.leader).json()["items"]
    saved = [e for e in trail if e["action"] == "assessment.section-saved" and e["after"]["section"] == "1"]
    assert [e["after"]["riskNeedLevel"] for e in saved] == ["very-low", "very-high"]
    assert saved[1]["before"] == {"riskNeedLevel": "very-low"}


# ---------------------------------------------------------------- LSA-4


def test_lsa4_a_case_management_plan_has_actions_and_no_contingency(world, api):
    c = world.community
    case = assigned_case(api, c.leader, c.assessor, "URN-L4A")
    full = start(api, c.assessor, case["caseId"])
    fill_full(api, c.assessor, case["caseId"], full["assessmentId"], merited=False)
    lock(api, c.assessor, case["caseId"], full["assessmentId"])
    plan = api.post(f"/cases/{case['caseId']}/plans", c.assessor, {"assessmentId": full["assessmentId"]})
    assert plan.status == 201 and plan.json()["planType"] == "cmp"
    pid = plan.json()["planId"]
    url = f"/cases/{case['caseId']}/plans/{pid}/sections"
    action = {"need": "employment", "action": "refer to employability service", "timescale": "3 months"}
    assert_problem(api.put(f"{url}/9", c.assessor, {"actions": [action], "contingency": "x"}), 422, "contingency")
    saved = api.put(f"{url}/9", c.assessor, {"actions": [action], "text": "strengths: family support"})
    assert saved.status == 200 and saved.json()["sections"]["9"]["actions"] == [action]
    assert api.put(f"{url}/10", c.assessor, {"text": "progress: attended"}).status == 200
    assert api.put(f"{url}/11", c.assessor, {"text": "discharge summary"}).status == 200
    assert_problem(api.put(f"{url}/10", c.assessor, {"actions": [action]}), 422, "actions")
    assert_problem(api.put(f"{url}/12", c.assessor, {"text": "x"}), 422, "section")
    assert_problem(api.post(f"/cases/{case['caseId']}/plans", c.assessor, {"assessmentId": full["assessmentId"]}),
                   409)


def test_lsa4_a_risk_management_plan_needs_a_contingency_plan(world, api):
    c = world.community
    case = assigned_case(api, c.leader, c.assessor, "URN-L4B")
    full = start(api, c.assessor, case["caseId"])
    fill_full(api, c.assessor, case["caseId"], full["assessmentId"], merited=True, plan_type="rmp")
    lock(api, c.assessor, case["caseId"], full["assessmentId"])
    plan = api.post(f"/cases/{case['caseId']}/plans", c.assessor, {"assessmentId": full["assessmentId"]}).json()
    assert plan["planType"] == "rmp"
    url = f"/cases/{case['caseId']}/plans/{plan['planId']}/sections/9"
    assert_problem(api.put(url, c.assessor, {"text": "no contingency"}), 422, "contingency")
    saved = api.put(url, c.assessor, {"contingency": "if contact with victim: recall", "text": "plan"})
    assert saved.status == 200 and saved.json()["sections"]["9"]["contingency"].startswith("if contact")


def test_lsa4_a_plan_follows_a_locked_full_assessment(world, api):
    c = world.community
    case = assigned_case(api, c.leader, c.assessor, "URN-L4C")
    full = start(api, c.assessor, case["caseId"])
    assert_problem(api.post(f"/cases/{case['caseId']}/plans", c.assessor, {"assessmentId": full["assessmentId"]}),
                   422, "assessmentId")
    missing = {"assessmentId": "01BX5ZZKBKACTAV9WEVGEMMVRZ"}
    assert_problem(api.post(f"/cases/{case['caseId']}/plans", c.assessor, missing), 422, "assessmentId")


# ---------------------------------------------------------------- LSA-5


def test_lsa5_a_locked_assessment_cant_be_edited(world, api):
    c = world.community
    case = assigned_case(api, c.leader, c.assessor, "URN-L5A")
    full = start(api, c.assessor, case["caseId"])
    aid = full["assessmentId"]
    assert_problem(lock(api, c.assessor, case["caseId"], aid), 422, "sections")  # incomplete
    fill_full(api, c.assessor, case["caseId"], aid)
    locked = lock(api, c.assessor, case["caseId"], aid)
    assert locked.status == 200 and locked.json()["status"] == "locked" and locked.json()["lockedBy"] == c.assessor
    assert_problem(section(api, c.assessor, case["caseId"], aid, "2", text="late change"), 409)
    assert_problem(lock(api, c.assessor, case["caseId"], aid), 409)
    after = api.get(f"/cases/{case['caseId']}/assessments/{aid}", c.assessor).json()
    assert after["sections"]["2"]["text"] == "section 2 notes"


def test_lsa5_a_stale_if_match_is_a_conflict(world, api):
    c = world.community
    case = assigned_case(api, c.leader, c.assessor, "URN-L5B")
    full = start(api, c.assessor, case["caseId"])
    url = f"/cases/{case['caseId']}/assessments/{full['assessmentId']}/sections/2"
    assert api.put(url, c.assessor, {"text": "a"}, headers={"If-Match": f'"{full["version"]}"'}).status == 200
    body = assert_problem(api.put(url, c.assessor, {"text": "b"}, headers={"If-Match": f'"{full["version"]}"'}), 409)
    assert body["current"]["sections"]["2"]["text"] == "a"


def test_lsa5_reassessment_copies_forward_the_last_assessment(world, api):
    c = world.community
    case = assigned_case(api, c.leader, c.assessor, "URN-L5C")
    first = start(api, c.assessor, case["caseId"])
    assert_problem(api.post(f"/cases/{case['caseId']}/reassessments", c.assessor), 409)  # still in progress
    fill_full(api, c.assessor, case["caseId"], first["assessmentId"], total=12)
    lock(api, c.assessor, case["caseId"], first["assessmentId"])
    again = api.post(f"/cases/{case['caseId']}/reassessments", c.assessor)
    assert again.status == 201, again.json()
    copy = again.json()
    assert copy["reassessmentOf"] == first["assessmentId"] and copy["status"] == "in-progress"
    original = api.get(f"/cases/{case['caseId']}/assessments/{first['assessmentId']}", c.assessor).json()
    assert copy["sections"] == original["sections"] and copy["kind"] == "full"
    # the reassessment is edited; the locked original stays as it was
    section(api, c.assessor, case["caseId"], copy["assessmentId"], "1", scores=scores_for(25))
    assert case_level(api, c.assessor, case["caseId"]) == "high"
    assert api.get(f"/cases/{case['caseId']}/assessments/{first['assessmentId']}", c.assessor
                   ).json()["sections"]["1"]["total"] == 12


# ---------------------------------------------------------------- LSA-6


def test_lsa6_case_history_keeps_every_assessment_and_a_previous_plan_of_the_other_type(world, api):
    c = world.community
    case = assigned_case(api, c.leader, c.assessor, "URN-L6A")
    first = start(api, c.assessor, case["caseId"])
    fill_full(api, c.assessor, case["caseId"], first["assessmentId"], merited=False)
    lock(api, c.assessor, case["caseId"], first["assessmentId"])
    cmp = api.post(f"/cases/{case['caseId']}/plans", c.assessor, {"assessmentId": first["assessmentId"]}).json()
    # a significant event: reassessed, now a full risk of serious harm assessment ending in an RMP
    second = api.post(f"/cases/{case['caseId']}/reassessments", c.assessor).json()
    section(api, c.assessor, case["caseId"], second["assessmentId"], "7", fullAssessmentMerited=True)
    section(api, c.assessor, case["caseId"], second["assessmentId"], "7.4", planType="rmp")
    lock(api, c.assessor, case["caseId"], second["assessmentId"])
    rmp = api.post(f"/cases/{case['caseId']}/plans", c.assessor, {"assessmentId": second["assessmentId"]}).json()
    seen = history(api, c.reader, case["caseId"])
    assert [a["assessmentId"] for a in seen["assessments"]] == [first["assessmentId"], second["assessmentId"]]
    assert [(p["planId"], p["planType"]) for p in seen["plans"]] == [(cmp["planId"], "cmp"), (rmp["planId"], "rmp")]
    assert seen["riskNeedLevel"] == case_level(api, c.reader, case["caseId"])
    assert_problem(api.get(f"/cases/{case['caseId']}/history", world.prison.leader), 404)


def test_lsa6_one_ls_cmi_record_per_person_across_cases(world, api):
    """LSA-6: a person's LS/CMI record is one, held with the person, made of their cases' histories. Opening and
    assessing a second case adds to it and takes nothing away: the first case's assessment, reassessment and
    plans (a case management plan, then a risk management plan) read exactly as before, each record is in its
    own case's history once and in no other, each case shows its own level, and the person's record holds these
    records and no others."""
    from tests.integration.test_transfer import record_items

    c = world.community
    urn = "URN-L6B"
    first = assigned_case(api, c.leader, c.assessor, urn)
    a1 = start(api, c.assessor, first["caseId"])
    fill_full(api, c.assessor, first["caseId"], a1["assessmentId"], total=12, merited=False)  # medium
    lock(api, c.assessor, first["caseId"], a1["assessmentId"])
    cmp = api.post(f"/cases/{first['caseId']}/plans", c.assessor, {"assessmentId": a1["assessmentId"]})
    assert cmp.status == 201 and cmp.json()["planType"] == "cmp", cmp.json()
    a2 = api.post(f"/cases/{first['caseId']}/reassessments", c.assessor).json()
    section(api, c.assessor, first["caseId"], a2["assessmentId"], "7", fullAssessmentMerited=True)
    section(api, c.assessor, first["caseId"], a2["assessmentId"], "7.4", planType="rmp")
    assert lock(api, c.assessor, first["caseId"], a2["assessmentId"]).status == 200
    rmp = api.post(f"/cases/{first['caseId']}/plans", c.assessor, {"assessmentId": a2["assessmentId"]})
    assert rmp.status == 201 and rmp.json()["planType"] == "rmp", rmp.json()
    before = history(api, c.reader, first["caseId"])

    second = open_case(api, c.leader, urn=urn)  # a later case of the same person, assessed from scratch
    assert api.put(f"/cases/{second['caseId']}/assignment", c.leader, {"userId": c.assessor}).status == 200
    b1 = start(api, c.assessor, second["caseId"])
    fill_full(api, c.assessor, second["caseId"], b1["assessmentId"], total=35, merited=True, plan_type="rmp")
    lock(api, c.assessor, second["caseId"], b1["assessmentId"])
    plan = api.post(f"/cases/{second['caseId']}/plans", c.assessor, {"assessmentId": b1["assessmentId"]})
    assert plan.status == 201, plan.json()
    b2 = api.post(f"/cases/{second['caseId']}/reassessments", c.assessor).json()  # left in progress

    assert history(api, c.reader, first["caseId"]) == before  # nothing lost, moved or added
    assert [a["assessmentId"] for a in before["assessments"]] == [a1["assessmentId"], a2["assessmentId"]]
    assert [(p["planId"], p["planType"]) for p in before["plans"]] == [
        (cmp.json()["planId"], "cmp"), (rmp.json()["planId"], "rmp")]
    later = history(api, c.reader, second["caseId"])
    assert [(a["assessmentId"], a["reassessmentOf"], a["status"]) for a in later["assessments"]] == [
        (b1["assessmentId"], None, "locked"), (b2["assessmentId"], b1["assessmentId"], "in-progress")]
    assert [(p["planId"], p["planType"]) for p in later["plans"]] == [(plan.json()["planId"], "rmp")]
    assert (before["riskNeedLevel"], later["riskNeedLevel"]) == ("medium", "very-high")

    cases = api.get(f"/people/{urn}", c.reader).json()["cases"]
    assert [x["caseId"] for x in cases] == [first["caseId"], second["caseId"]]
    assert [x["riskNeedLevel"] for x in cases] == ["medium", "very-high"]
    every: list[tuple[str, str]] = []
    for x in cases:
        seen = history(api, c.reader, x["caseId"])
        assert {r["caseId"] for r in seen["assessments"] + seen["plans"]} == {x["caseId"]}
        every += [(x["caseId"], a["assessmentId"]) for a in seen["assessments"]]
        every += [(x["caseId"], p["planId"]) for p in seen["plans"]]
    stored = [i for i in record_items("community", urn) if i["kind"] in ("assessment", "plan")]
    held = [(i["caseId"], i.get("assessmentId") if i["kind"] == "assessment" else i["planId"]) for i in stored]
    assert len(every) == len(set(every)) == 7 and sorted(held) == sorted(every)
    assert {i["pk"] for i in stored} == {f"community#PERSON#{urn}"}  # all of it held with the person


def test_lsa_sections_of_an_assessment_are_the_documented_ones():
    assert scoring.SECTIONS["full"][0] == "ohf" and "7.4" in scoring.SECTIONS["full"]


def test_lsa1_a_retried_start_with_the_same_idempotency_key_starts_one_assessment(world, api):
    c = world.community
    case = assigned_case(api, c.leader, c.assessor, "URN-L1F")
    url, key = f"/cases/{case['caseId']}/assessments", {"Idempotency-Key": "start-l1f"}
    first = api.post(url, c.assessor, {"kind": "full"}, headers=key)
    again = api.post(url, c.assessor, {"kind": "full"}, headers=key)
    assert first.status == again.status == 201
    assert first.json()["assessmentId"] == again.json()["assessmentId"]
    assert len(history(api, c.reader, case["caseId"])["assessments"]) == 1

"""Justice throughcare (DOMAIN: THR-1, THR-2, with CMP-1 and CMP-2) through the real handlers (moto in-process): a
case's events start deadlines, the sweep raises their alerts as time moves on, and locking the assessment or
reassessment they wait for meets them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from casework import clock
from casework.compliance import rules, sweep
from tests.integration.lscmi_flow import assert_problem, assigned_case, fill_full, lock, start
from tests.integration.test_assignment import close_directly
from tests.support import Api, open_case

ASSESSMENT_DUE = "LS/CMI assessment due within five months of sentence"
NATION = "scotland"  # the community service's


def event(api: Api, user: str, case_id: str, kind: str, on: date, **extra: Any):
    return api.post(f"/cases/{case_id}/events", user,
                    {"kind": kind, "eventDate": on.isoformat(), "details": "HMP Barlinnie, 4 years", **extra})


def recorded(api: Api, user: str, case_id: str, kind: str, on: date, **extra: Any) -> dict[str, Any]:
    answer = event(api, user, case_id, kind, on, **extra)
    assert answer.status == 201, answer.json()
    return answer.json()


def alerts(api: Api, user: str, kind: str) -> list[dict[str, Any]]:
    """The user's open worktray alerts of one deadline kind."""
    answer = api.get("/me/worktray", user, query={"limit": 100})
    assert answer.status == 200, answer.json()
    return [t for t in answer.json()["items"] if t["kind"] == kind]


def deadlines(api: Api, user: str, case_id: str) -> list[dict[str, Any]]:
    answer = api.get(f"/cases/{case_id}/deadlines", user)
    assert answer.status == 200, answer.json()
    return answer.json()


def stage_at(deadline: dict[str, Any], name: str) -> datetime:
    return rules.parse_at(next(s["at"] for s in deadline["stages"] if s["name"] == name))


def sweep_at(moment: datetime) -> dict[str, Any]:
    with clock.frozen(moment):
        return sweep.sweep()


def locked_full(api: Api, user: str, case_id: str) -> dict[str, Any]:
    full = start(api, user, case_id)
    fill_full(api, user, case_id, full["assessmentId"])
    answer = lock(api, user, case_id, full["assessmentId"])
    assert answer.status == 200, answer.json()
    return answer.json()


# ---------------------------------------------------------------- THR-1


def test_thr1_custody_sentence_with_supervision_is_due_in_five_months_alerts_then_is_met_by_a_full_assessment(
        world, api):
    c = world.community
    case = assigned_case(api, c.leader, c.assessor, "URN-T1A")
    sentenced = clock.today() - timedelta(days=20)
    made = recorded(api, c.assessor, case["caseId"], "custody-sentence", sentenced, postReleaseSupervision=True)
    deadline = made["deadline"]
    due = rules.add_months(sentenced, 5).isoformat()
    assert made["kind"] == "custody-sentence" and made["postReleaseSupervision"] is True
    assert deadline["deadlineId"] == f"thr1-{made['eventId']}"
    assert (deadline["rule"], deadline["kind"], deadline["subject"]) == ("THR-1", "lscmi-due", ASSESSMENT_DUE)
    assert (deadline["dueDate"], deadline["ownerId"], deadline["state"]) == (due, c.assessor, "upcoming")
    assert alerts(api, c.assessor, "lscmi-due") == []  # nothing is due for months

    # the approaching alert goes to the worker only, once however often the sweep runs (CMP-2)
    sweep_at(stage_at(deadline, "approaching") + timedelta(minutes=1))
    sweep_at(stage_at(deadline, "approaching") + timedelta(minutes=20))
    assert [a["subject"] for a in alerts(api, c.assessor, "lscmi-due")] == [
        f"Approaching: {ASSESSMENT_DUE}, due {due}"]
    assert alerts(api, c.leader, "lscmi-due") == []

    # its day ended: the worker and their team leader are told it passed, once
    passed = stage_at(deadline, "passed")
    assert passed == rules.end_of(date.fromisoformat(due))
    assert sweep_at(passed - timedelta(minutes=1))["stages"] == 0
    sweep_at(passed + timedelta(minutes=1))
    sweep_at(passed + timedelta(hours=3))
    subject = f"Passed: {ASSESSMENT_DUE}, was due {due}"
    assert sorted(a["subject"] for a in alerts(api, c.assessor, "lscmi-due")) == sorted([
        f"Approaching: {ASSESSMENT_DUE}, due {due}", subject])
    assert [a["subject"] for a in alerts(api, c.leader, "lscmi-due")] == [subject]
    with clock.frozen(passed + timedelta(hours=3)):
        assert deadlines(api, c.reader, case["caseId"])[0]["state"] == "passed"

    # the full assessment locked: met, and no later sweep raises its escalation
    full = locked_full(api, c.assessor, case["caseId"])
    met = deadlines(api, c.reader, case["caseId"])[0]
    assert (met["state"], met["metHow"]) == ("met", f"assessment {full['assessmentId']} locked")
    trail = api.get(f"/cases/{case['caseId']}/audit", c.reader).json()["items"]
    assert any(e["action"] == "assessment.locked" and e["after"].get("deadlinesMet") == [deadline["deadlineId"]]
               for e in trail)
    assert sweep_at(stage_at(deadline, "escalated-2") + timedelta(days=30))["stages"] == 0
    assert len(alerts(api, c.leader, "lscmi-due")) == 1


def test_thr1_a_sentence_without_post_release_supervision_starts_no_deadline(world, api):
    c = world.community
    case = assigned_case(api, c.leader, c.assessor, "URN-T1B")
    made = recorded(api, c.assessor, case["caseId"], "custody-sentence", clock.today(), postReleaseSupervision=False)
    assert made["deadline"] is None and made["postReleaseSupervision"] is False
    assert deadlines(api, c.reader, case["caseId"]) == []


def test_thr1_an_unassigned_case_s_deadline_is_the_team_leader_s_and_a_late_one_alerts_at_once(world, api):
    """A sentence recorded after the five months ran out: passed at once, to the caller (the case has no worker)."""
    c = world.community
    case = open_case(api, c.leader, urn="URN-T1C")
    sentenced = clock.today() - timedelta(days=200)
    made = recorded(api, c.leader, case["caseId"], "custody-sentence", sentenced, postReleaseSupervision=True)
    assert made["deadline"]["ownerId"] == c.leader and made["deadline"]["state"] == "passed"
    assert [a["subject"].split(":")[0] for a in alerts(api, c.leader, "lscmi-due")] == ["Passed"]


# ---------------------------------------------------------------- THR-2


@pytest.mark.parametrize("kind, trigger", [
    ("significant-event", "significant event"),
    ("progression", "progression"),
    ("pre-release-conference", "conference before the pre-release conference"),
])
def test_thr2_each_trigger_raises_a_reassessment_alert_at_once(world, api, kind, trigger):
    c = world.community
    case = assigned_case(api, c.leader, c.assessor, f"URN-T2-{kind[:3].upper()}")
    happened = clock.today() - timedelta(days=3)
    made = recorded(api, c.assessor, case["caseId"], kind, happened)
    deadline = made["deadline"]
    due = rules.working_days_from(happened, 20, NATION).isoformat()
    assert deadline["deadlineId"] == f"thr2-{made['eventId']}" and made["postReleaseSupervision"] is None
    assert (deadline["rule"], deadline["kind"], deadline["dueDate"]) == ("THR-2", "reassessment", due)
    raised = alerts(api, c.assessor, "reassessment")
    assert [a["subject"] for a in raised] == [f"Reassessment needed: {trigger}"]
    assert raised[0]["dueDate"] == due and raised[0]["link"] == f"/cases/{case['caseId']}/events"
    assert alerts(api, c.leader, "reassessment") == []
    assert sweep_at(clock.now())["stages"] == 0  # raised once, with the event


def test_thr2_a_locked_reassessment_meets_it_and_a_first_full_assessment_does_not(world, api):
    c = world.community
    case = assigned_case(api, c.leader, c.assessor, "URN-T2M")
    made = recorded(api, c.assessor, case["caseId"], "progression", clock.today() - timedelta(days=1))
    deadline = made["deadline"]
    locked_full(api, c.assessor, case["caseId"])
    assert deadlines(api, c.reader, case["caseId"])[0]["state"] == "upcoming"

    again = api.post(f"/cases/{case['caseId']}/reassessments", c.assessor)
    assert again.status == 201, again.json()
    assert lock(api, c.assessor, case["caseId"], again.json()["assessmentId"]).status == 200
    met = deadlines(api, c.reader, case["caseId"])[0]
    assert (met["state"], met["metHow"]) == ("met", f"assessment {again.json()['assessmentId']} locked")
    assert sweep_at(stage_at(deadline, "escalated-2") + timedelta(days=30))["stages"] == 0
    assert len(alerts(api, c.assessor, "reassessment")) == 1  # the one raised with the event


def test_thr1_a_locked_full_reassessment_meets_a_later_sentence(world, api):
    c = world.community
    case = assigned_case(api, c.leader, c.assessor, "URN-T1R")
    locked_full(api, c.assessor, case["caseId"])
    recorded(api, c.assessor, case["caseId"], "custody-sentence", clock.today(), postReleaseSupervision=True)
    recorded(api, c.assessor, case["caseId"], "significant-event", clock.today())
    again = api.post(f"/cases/{case['caseId']}/reassessments", c.assessor).json()
    assert lock(api, c.assessor, case["caseId"], again["assessmentId"]).status == 200
    assert {(d["rule"], d["state"]) for d in deadlines(api, c.reader, case["caseId"])} == {
        ("THR-1", "met"), ("THR-2", "met")}


# ---------------------------------------------------------------- the events themselves


def test_thr_events_are_listed_latest_first_with_their_deadlines(world, api):
    c = world.community
    case = assigned_case(api, c.leader, c.assessor, "URN-TL")
    first = recorded(api, c.assessor, case["caseId"], "custody-sentence", clock.today() - timedelta(days=90),
                     postReleaseSupervision=True)
    second = recorded(api, c.assessor, case["caseId"], "progression", clock.today() - timedelta(days=2))
    answer = api.get(f"/cases/{case['caseId']}/events", c.reader)
    assert answer.status == 200, answer.json()
    listed = answer.json()
    assert listed["caseId"] == case["caseId"]
    assert [e["eventId"] for e in listed["items"]] == [second["eventId"], first["eventId"]]
    assert [e["deadline"]["rule"] for e in listed["items"]] == ["THR-2", "THR-1"]
    assert listed["items"][1]["details"] == "HMP Barlinnie, 4 years"
    assert_problem(api.get(f"/cases/{case['caseId']}/events", world.prison.leader), 404)


def _nothing_written(api: Api, user: str, case_id: str) -> None:
    assert api.get(f"/cases/{case_id}/events", user).json()["items"] == []
    assert not [d for d in deadlines(api, user, case_id) if d["rule"] in ("THR-1", "THR-2")]
    trail = api.get(f"/cases/{case_id}/audit", user).json()["items"]
    assert not [e for e in trail if e["action"] == "case.event-recorded"]


@pytest.mark.parametrize("change, field", [
    ({"eventDate": (date.today() + timedelta(days=2)).isoformat()}, "eventDate"),
    ({"kind": "parole-hearing"}, "kind"),
    ({"postReleaseSupervision": None}, "postReleaseSupervision"),
    ({"postReleaseSupervision": "yes"}, "postReleaseSupervision"),
    ({"details": ""}, "details"),
    ({"details": "x" * 4001}, "details"),
    ({"eventDate": "0001-01-01"}, "eventDate"),  # five months before would be no date at all
    ({"eventDate": "9999-12-31"}, "eventDate"),
])
def test_thr_bad_input_is_refused_naming_the_field_and_nothing_is_written(world, api, change, field):
    c = world.community
    case = assigned_case(api, c.leader, c.assessor, "URN-TB")
    body = {"kind": "custody-sentence", "eventDate": clock.today().isoformat(), "details": "sentenced",
            "postReleaseSupervision": True, **change}
    assert_problem(api.post(f"/cases/{case['caseId']}/events", c.assessor, body), 422, field)
    _nothing_written(api, c.reader, case["caseId"])


def test_thr_supervision_belongs_to_a_custody_sentence_only(world, api):
    c = world.community
    case = assigned_case(api, c.leader, c.assessor, "URN-TS")
    answer = event(api, c.assessor, case["caseId"], "significant-event", clock.today(), postReleaseSupervision=True)
    assert_problem(answer, 422, "postReleaseSupervision")
    _nothing_written(api, c.reader, case["caseId"])


def test_thr_only_a_justice_case_has_events(world, api):
    k = world.children
    case = open_case(api, k.leader, urn="URN-TK", case_type="child-in-need")
    answer = event(api, k.leader, case["caseId"], "significant-event", clock.today())
    assert_problem(answer, 422, "caseId")
    _nothing_written(api, k.reader, case["caseId"])


def test_thr_only_who_may_change_the_case_records_and_other_services_see_nothing(world, api):
    c = world.community
    case = assigned_case(api, c.leader, c.assessor, "URN-TA")
    today = clock.today()
    assert_problem(event(api, c.reader, case["caseId"], "significant-event", today), 403)
    assert_problem(event(api, c.assessor2, case["caseId"], "significant-event", today), 403)  # not their case
    assert_problem(event(api, world.prison.leader, case["caseId"], "significant-event", today), 404)
    assert_problem(event(api, c.assessor, "01J00000000000000000000000", "significant-event", today), 404)
    _nothing_written(api, c.reader, case["caseId"])
    assert recorded(api, c.leader, case["caseId"], "significant-event", today)["deadline"]["ownerId"] == c.assessor


def test_thr_a_closed_case_takes_no_event(world, api):
    c = world.community
    case = assigned_case(api, c.leader, c.assessor, "URN-TC")
    close_directly(case["caseId"])
    assert_problem(event(api, c.assessor, case["caseId"], "significant-event", clock.today()), 409)
    _nothing_written(api, c.reader, case["caseId"])


def test_thr_a_retried_call_with_the_same_idempotency_key_records_once(world, api):
    c = world.community
    case = assigned_case(api, c.leader, c.assessor, "URN-TI")
    body = {"kind": "significant-event", "eventDate": clock.today().isoformat(), "details": "assault on staff"}
    headers = {"Idempotency-Key": "thr-retry-1"}
    first = api.post(f"/cases/{case['caseId']}/events", c.assessor, body, headers=headers)
    second = api.post(f"/cases/{case['caseId']}/events", c.assessor, body, headers=headers)
    assert first.status == second.status == 201 and first.json()["eventId"] == second.json()["eventId"]
    assert len(api.get(f"/cases/{case['caseId']}/events", c.reader).json()["items"]) == 1
    assert len(alerts(api, c.assessor, "reassessment")) == 1


def test_thr_a_deleted_case_takes_its_events_and_deadlines_with_it(world, api):
    """DEL-1 with CMP-1: no deadline outlives its case to alert about a case that is gone."""
    c = world.community
    case = open_case(api, c.leader, urn="URN-TX")
    recorded(api, c.leader, case["caseId"], "custody-sentence", clock.today(), postReleaseSupervision=True)
    recorded(api, c.leader, case["caseId"], "significant-event", clock.today())
    answer = api.post(f"/cases/{case['caseId']}/deletion", c.leader,
                      {"confirm": f"DELETE CASE {case['caseNumber']}", "reason": "opened in error"})
    assert answer.status == 200, answer.json()
    assert sweep_at(clock.now() + timedelta(days=400))["read"] == 0


def test_cmp1_closing_a_case_cancels_its_open_deadlines(world, api):
    """CMP-1 with APR-3: a case closed by a manager's decision stops its timescales in the same transaction; the
    sweep raises nothing more for it."""
    c = world.community
    # given a case with a locked full assessment and an open reassessment deadline (THR-2)
    case = assigned_case(api, c.leader, c.assessor, "URN-TX")
    locked_full(api, c.assessor, case["caseId"])
    recorded(api, c.assessor, case["caseId"], "significant-event", clock.today())
    assert [d["state"] for d in deadlines(api, c.reader, case["caseId"])] != []
    # when the case's closure is requested and approved
    request = api.post(f"/cases/{case['caseId']}/closure-requests", c.assessor,
                       {"kind": "no-plan", "rationale": "order completed"})
    assert request.status == 201, request.json()
    decided = api.post(f"/approvals/{request.json()['approvalId']}/decision", c.leader, {"decision": "approve"})
    assert decided.status == 200, decided.json()
    # then every deadline of the case is cancelled, and months later the sweep raises nothing for it
    held = deadlines(api, c.reader, case["caseId"])
    assert held and {d["state"] for d in held} == {"cancelled"} and {d["metHow"] for d in held} == {"case closed"}
    before = alerts(api, c.leader, "reassessment") + alerts(api, c.assessor, "reassessment")
    sweep_at(clock.now() + timedelta(days=120))
    assert alerts(api, c.leader, "reassessment") + alerts(api, c.assessor, "reassessment") == before


def test_thr1_a_sentence_recorded_after_the_full_assessment_was_locked_starts_no_timescale(world, api):
    """THR-1: the assessment the sentence calls for is already done (locked on or after the sentence date), so the
    event recorded late starts nothing that would pass and escalate."""
    c = world.community
    case = assigned_case(api, c.leader, c.assessor, "URN-TL")
    sentenced = clock.today() - timedelta(days=30)
    locked_full(api, c.assessor, case["caseId"])
    answer = recorded(api, c.assessor, case["caseId"], "custody-sentence", sentenced, postReleaseSupervision=True)
    assert answer["deadline"] is None
    assert [d for d in deadlines(api, c.reader, case["caseId"]) if d["rule"] == "THR-1"] == []
    # a reassessment is still called for by a significant event after it
    later = recorded(api, c.assessor, case["caseId"], "significant-event", clock.today())
    assert later["deadline"]["rule"] == "THR-2"

"""Requests whose rules exclude each other, fired at the same moment over HTTP against the local runner: for each
pair, several tries, each with the calls released together from threads. Exactly one call of a try succeeds, the
others answer 409 with the current state, and what is stored (read back through the API, audit trail included)
is the winner's effect and only the winner's: never both, and never a success whose effect is missing.

Which item each pair is conditional on is listed in docs/decisions.md ("Requests that exclude each other")."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import requests

from tests.e2e.runner import at_once, new_case
from tests.integration.lscmi_flow import fill_full, lock, start

pytestmark = pytest.mark.e2e

TRIES = 5
LEADER, PRACTICE = "COMMUNITY_LEADER", "COMMUNITY_PRACTICE"  # both may decide, assign, record MAPPA
ASSESSOR, ASSESSOR2 = "COMMUNITY_ASSESSOR", "COMMUNITY_ASSESSOR2"
PROBLEM = "application/problem+json"

# pair -> {"fired": calls sent, "won": {operation: tries won}, "refused": {status: calls},
#          "lost": acknowledged writes whose effect is missing}
FIGURES: dict[str, dict[str, Any]] = {}


@pytest.fixture(scope="module", autouse=True)
def figures() -> Iterator[None]:
    yield
    print("\nrace figures (pair: calls fired, tries won by each, refusals by status, acknowledged writes lost)")
    for pair, seen in FIGURES.items():
        print(f"  {pair}: {seen['fired']} calls, won {seen['won']}, refused {seen['refused']}, lost {seen['lost']}")


# ---------------------------------------------------------------- set-ups (LS/CMI: tests/integration's, over HTTP)


def locked_full(run: Any, user: str, case_id: str, *, plan_type: str | None = None) -> str:
    """A full 1-8 completed and locked (LSA-5); with `plan_type`, 7.4 says which plan follows. Its path."""
    api = run.api()
    assessment_id = start(api, user, case_id)["assessmentId"]
    fill_full(api, user, case_id, assessment_id, merited=plan_type is not None, plan_type=plan_type or "cmp")
    locked = lock(api, user, case_id, assessment_id)
    assert locked.status == 200, locked.json()
    return f"/cases/{case_id}/assessments/{assessment_id}"


# ---------------------------------------------------------------- firing and judging


def judged(pair: str, answers: dict[str, requests.Response], *, refused: dict[str, set[int]] | None = None,
           both_if: Callable[[dict[str, requests.Response]], bool] | None = None) -> list[str]:
    """The names of the calls that succeeded: exactly one, the others refused with 409 and the current state (or,
    per `refused`, with the answer the rule gives once the winner's change is there: a 404 for a deleted record, a
    422 for a request the winner made wrong). Two succeed only for a pair where one may follow the other, and only
    when `both_if` shows they happened one after the other."""
    won = [name for name, answer in answers.items() if answer.status_code < 300]
    shown = {name: (a.status_code, a.text[:400]) for name, a in answers.items()}
    assert won, shown
    if len(won) > 1:
        assert both_if is not None and both_if(answers), shown
    for name, answer in answers.items():
        if name in won:
            continue
        assert answer.status_code in {409} | (refused or {}).get(name, set()), (name, shown)
        assert answer.headers["Content-Type"] == PROBLEM, (name, shown)
        if answer.status_code == 409:
            assert "current" in answer.json(), (name, shown)
    seen = FIGURES.setdefault(pair, {"fired": 0, "won": {}, "refused": {}, "lost": 0})
    seen["fired"] += len(answers)
    for name, answer in answers.items():
        if name not in won:
            seen["refused"][answer.status_code] = seen["refused"].get(answer.status_code, 0) + 1
    key = " and ".join(won) if len(won) > 1 else won[0].rstrip("0123456789")  # decide3 counts as decide
    seen["won"][key] = seen["won"].get(key, 0) + 1
    return won


def stands(pair: str, present: bool, what: str) -> None:
    """The winner's acknowledged effect is stored; one that is missing is counted as lost, then fails the test."""
    if not present:
        FIGURES[pair]["lost"] += 1
    assert present, f"{pair}: acknowledged but not stored: {what}"


def trail(run: Any, case_id: str) -> list[str]:
    """The case's audit actions (readable after a deletion too, DEL-3)."""
    answer = run.call("GET", f"/cases/{case_id}/audit", LEADER, params={"limit": 200})
    assert answer.status_code == 200, answer.text
    return [e["action"] for e in answer.json()["items"]]


def case_of(run: Any, case_id: str) -> dict[str, Any]:
    answer = run.call("GET", f"/cases/{case_id}", LEADER)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def history(run: Any, case_id: str) -> dict[str, Any]:
    answer = run.call("GET", f"/cases/{case_id}/history", LEADER)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def open_tasks(run: Any, user: str, case_id: str) -> list[dict[str, Any]]:
    items = run.call("GET", "/me/worktray", user, params={"limit": 200}).json()["items"]
    return [t for t in items if t["caseId"] == case_id]


def unlock(run: Any, path: str, case: dict[str, Any]) -> requests.Response:
    return run.call("POST", f"{path}/unlock", LEADER, json={
        "confirm": f"UNLOCK ASSESSMENT {case['caseNumber']}", "reason": "locked in error"})


def delete_assessment(run: Any, path: str, case: dict[str, Any]) -> requests.Response:
    return run.call("POST", f"{path}/deletion", LEADER, json={
        "confirm": f"DELETE ASSESSMENT {case['caseNumber']}", "reason": "started by mistake"})


def closure(run: Any, user: str, case_id: str, kind: str = "no-plan") -> requests.Response:
    return run.call("POST", f"/cases/{case_id}/closure-requests", user, json={"kind": kind, "rationale": "done"})


def decide(run: Any, user: str, approval_id: str, decision: str = "approve") -> requests.Response:
    return run.call("POST", f"/approvals/{approval_id}/decision", user, json={"decision": decision})


def assign(run: Any, case_id: str, worker: str | None, *, by: str = LEADER, if_match: int | None = None
           ) -> requests.Response:
    headers = {"If-Match": f'"{if_match}"'} if if_match is not None else {}
    return run.call("PUT", f"/cases/{case_id}/assignment", by, headers=headers,
                    json={"userId": run.user_id(worker) if worker else None})


def reassess(run: Any, case_id: str) -> requests.Response:
    return run.call("POST", f"/cases/{case_id}/reassessments", LEADER)


def start_plan(run: Any, case_id: str, path: str) -> requests.Response:
    return run.call("POST", f"/cases/{case_id}/plans", LEADER, json={"assessmentId": path.rsplit("/", 1)[1]})


# ---------------------------------------------------------------- APR-3: what keeps a case open, against its closure


def test_apr3_unlock_and_closure_request_at_once_one_stands(local_run):
    """The issue's finding: an unassigned case with a locked full 1-8, unlocked and asked to close at once. Both used
    to succeed, and the approved closure left a closed case with an assessment in progress for good."""
    for _ in range(TRIES):
        _unlock_and_closure_request(local_run, "APR-3 unlock / closure request")


def _unlock_and_closure_request(run: Any, pair: str) -> None:
    case = new_case(run, LEADER, "URN-RACE")
    path = locked_full(run, LEADER, case["caseId"])
    answers = at_once(unlock=lambda: unlock(run, path, case), closure=lambda: closure(run, LEADER, case["caseId"]))
    (winner,) = judged(pair, answers)
    status, actions = run.call("GET", path, LEADER).json()["status"], trail(run, case["caseId"])
    if winner == "unlock":
        stands(pair, status == "in-progress" and "assessment.unlocked" in actions, "the unlock")
        assert "approval.requested" not in actions
    else:
        stands(pair, status == "locked" and "approval.requested" in actions, "the closure request")
        assert "assessment.unlocked" not in actions
        # the manager approves: the case closes with every assessment locked
        decided = decide(run, PRACTICE, answers["closure"].json()["approvalId"])
        assert decided.status_code == 200, decided.text
        assert case_of(run, case["caseId"])["status"] == "closed"
        assert run.call("GET", path, LEADER).json()["status"] == "locked"


def test_apr3_reassessment_and_closure_request_at_once_one_stands(local_run):
    """No new assessment while a closure waits, no closure while an assessment is in progress."""
    for _ in range(TRIES):
        _reassessment_and_closure_request(local_run, "APR-3 reassessment / closure request")


def _reassessment_and_closure_request(run: Any, pair: str) -> None:
    case = new_case(run, LEADER, "URN-RACE")
    locked_full(run, LEADER, case["caseId"])
    answers = at_once(reassess=lambda: reassess(run, case["caseId"]),
                      closure=lambda: closure(run, LEADER, case["caseId"]))
    (winner,) = judged(pair, answers)
    kept, actions = history(run, case["caseId"])["assessments"], trail(run, case["caseId"])
    if winner == "reassess":
        stands(pair, len(kept) == 2 and "assessment.reassessment-started" in actions, "the reassessment")
        assert "approval.requested" not in actions
    else:
        stands(pair, "approval.requested" in actions, "the closure request")
        assert len(kept) == 1 and "assessment.reassessment-started" not in actions


def test_lsa4_plan_and_closure_request_at_once_one_stands(local_run):
    """A closure with no management plan and the assessment's plan started at once: never a case closing 'with no
    plan' that has one (sequentially the closure is refused 422, or the plan 409)."""
    for _ in range(TRIES):
        _plan_and_closure_request(local_run, "LSA-4/APR-1 plan / closure request with no plan")


def _plan_and_closure_request(run: Any, pair: str) -> None:
    case = new_case(run, LEADER, "URN-RACE")
    path = locked_full(run, LEADER, case["caseId"], plan_type="cmp")
    answers = at_once(plan=lambda: start_plan(run, case["caseId"], path),
                      closure=lambda: closure(run, LEADER, case["caseId"]))
    (winner,) = judged(pair, answers, refused={"closure": {422}})
    plans, actions = history(run, case["caseId"])["plans"], trail(run, case["caseId"])
    if winner == "plan":
        stands(pair, len(plans) == 1 and "plan.started" in actions, "the plan")
        assert "approval.requested" not in actions
    else:
        stands(pair, "approval.requested" in actions, "the closure request")
        assert plans == [] and "plan.started" not in actions


def test_apr3_closure_approval_and_assignment_at_once_one_stands(local_run):
    """A closed case is nobody's: approving the closure and assigning the case at once never leaves a closed case
    with a worker (assigning first and approving after is the one order where both stand)."""
    for _ in range(TRIES):
        _closure_approval_and_assignment(local_run, "APR-3/ASG-1 closure approval / assignment")


def _closure_approval_and_assignment(run: Any, pair: str) -> None:
    case = new_case(run, LEADER, "URN-RACE")
    locked_full(run, LEADER, case["caseId"])
    approval_id = closure(run, LEADER, case["caseId"]).json()["approvalId"]
    before = case_of(run, case["caseId"])["version"]
    answers = at_once(assign=lambda: assign(run, case["caseId"], ASSESSOR),
                      decide=lambda: decide(run, PRACTICE, approval_id))
    won = judged(pair, answers, both_if=lambda a: a["decide"].json()["case"]["version"] == before + 2)
    now, tasks = case_of(run, case["caseId"]), open_tasks(run, ASSESSOR, case["caseId"])
    if "decide" in won:  # alone, or after the assignment: closed, nobody's, nothing left in a worktray
        stands(pair, now["status"] == "closed", "the approval")
        assert now["assignedTo"] is None and tasks == []
    else:
        stands(pair, now["assignedTo"] == run.user_id(ASSESSOR), "the assignment")
        assert now["status"] == "open" and len(tasks) == 1
        assert run.call("GET", f"/approvals/{approval_id}", LEADER).json()["status"] == "pending"


def test_apr5_ten_managers_deciding_at_once_one_decision_stands(local_run):
    for _ in range(TRIES):
        _ten_decisions(local_run, "APR-5 ten decisions of one request")


def _ten_decisions(run: Any, pair: str) -> None:
    case = new_case(run, LEADER, "URN-RACE")
    assert assign(run, case["caseId"], ASSESSOR).status_code == 200
    locked_full(run, ASSESSOR, case["caseId"])
    approval_id = closure(run, ASSESSOR, case["caseId"]).json()["approvalId"]
    calls = {f"decide{n}": _decision(run, (LEADER, PRACTICE)[n % 2], approval_id, ("approve", "not-approve")[n % 3 % 2])
             for n in range(10)}
    answers = at_once(**calls)
    (winner,) = judged(pair, answers)
    for name, answer in answers.items():
        if name != winner:
            assert "already decided" in answer.json()["detail"], answer.text
    decision = answers[winner].json()["approval"]["status"]
    request = run.call("GET", f"/approvals/{approval_id}", LEADER).json()
    now, actions = case_of(run, case["caseId"]), trail(run, case["caseId"])
    stands(pair, request["status"] == decision, "the decision")
    assert now["status"] == ("closed" if decision == "approved" else "open")
    assert [a for a in actions if a in ("approval.approved", "approval.not-approved")] == [f"approval.{decision}"]
    decided = run.call("GET", "/me/worktray", ASSESSOR, params={"status": "all", "limit": 200}).json()["items"]
    assert len([t for t in decided if t["caseId"] == case["caseId"] and t["kind"].startswith("closure-")]) == 1


def _decision(run: Any, user: str, approval_id: str, decision: str) -> Callable[[], requests.Response]:
    return lambda: decide(run, user, approval_id, decision)


# ---------------------------------------------------------------- DEL-3: maintenance needs an unassigned case


def test_del3_unlock_and_assignment_at_once_one_stands(local_run):
    """An unlock needs the case unassigned: never an assessment unlocked on a case that was assigned first
    (unlocking first and assigning after is the one order where both stand)."""
    for _ in range(TRIES):
        _unlock_and_assignment(local_run, "DEL-3 unlock / assignment")


def _unlock_and_assignment(run: Any, pair: str) -> None:
    case = new_case(run, LEADER, "URN-RACE")
    path = locked_full(run, LEADER, case["caseId"])
    before = case_of(run, case["caseId"])["version"]
    answers = at_once(unlock=lambda: unlock(run, path, case), assign=lambda: assign(run, case["caseId"], ASSESSOR))
    # both stand only if the assignment found the case the unlock had moved on (its version two on)
    won = judged(pair, answers, both_if=lambda a: a["assign"].json()["case"]["version"] == before + 2)
    status, actions = run.call("GET", path, LEADER).json()["status"], trail(run, case["caseId"])
    if "unlock" in won:
        stands(pair, status == "in-progress" and "assessment.unlocked" in actions, "the unlock")
    else:
        assert status == "locked" and "assessment.unlocked" not in actions
    now = case_of(run, case["caseId"])
    if "assign" in won:
        stands(pair, now["assignedTo"] == run.user_id(ASSESSOR), "the assignment")
    else:
        assert now["assignedTo"] is None and open_tasks(run, ASSESSOR, case["caseId"]) == []


def test_del3_case_deletion_and_assignment_at_once_one_stands(local_run):
    """Never a case deleted while assigned, nor a worker given a deleted case (the loser is refused, or finds the
    case gone)."""
    for _ in range(TRIES):
        _case_deletion_and_assignment(local_run, "DEL-3 case deletion / assignment")


def _case_deletion_and_assignment(run: Any, pair: str) -> None:
    case = new_case(run, LEADER, "URN-RACE")
    answers = at_once(
        delete=lambda: run.call("POST", f"/cases/{case['caseId']}/deletion", LEADER, json={
            "confirm": f"DELETE CASE {case['caseNumber']}", "reason": "opened in error"}),
        assign=lambda: assign(run, case["caseId"], ASSESSOR, by=PRACTICE))
    (winner,) = judged(pair, answers, refused={"assign": {404}})
    found, actions = run.call("GET", f"/cases/{case['caseId']}", LEADER), trail(run, case["caseId"])
    if winner == "delete":
        stands(pair, found.status_code == 404 and "case.deleted" in actions, "the deletion")
        assert "case.assigned" not in actions and open_tasks(run, ASSESSOR, case["caseId"]) == []
    else:
        stands(pair, found.json()["assignedTo"] == run.user_id(ASSESSOR), "the assignment")
        assert "case.deleted" not in actions


# ---------------------------------------------------------------- LSA-1/LSA-5/LSA-4/DEL-1: the assessments of a case


def test_lsa1_two_assessments_started_at_once_one_stands(local_run):
    """One assessment in progress at a time: a full 1-8 and an initial assessment started at once."""
    for _ in range(TRIES):
        _two_starts(local_run, "LSA-1 start / start")


def _two_starts(run: Any, pair: str) -> None:
    case = new_case(run, LEADER, "URN-RACE")

    def start(kind: str) -> Callable[[], requests.Response]:
        return lambda: run.call("POST", f"/cases/{case['caseId']}/assessments", LEADER, json={"kind": kind})

    answers = at_once(full=start("full"), initial=start("initial"))
    (winner,) = judged(pair, answers)
    kept = history(run, case["caseId"])["assessments"]
    stands(pair, [a["kind"] for a in kept] == [winner], f"the {winner} assessment")
    assert trail(run, case["caseId"]).count("assessment.started") == 1


def test_lsa5_unlock_and_reassessment_at_once_one_stands(local_run):
    """Only the latest assessment is unlocked and a reassessment copies a locked one: never both at once."""
    for _ in range(TRIES):
        _unlock_and_reassessment(local_run, "LSA-5/DEL-2 unlock / reassessment")


def _unlock_and_reassessment(run: Any, pair: str) -> None:
    case = new_case(run, LEADER, "URN-RACE")
    path = locked_full(run, LEADER, case["caseId"])
    answers = at_once(unlock=lambda: unlock(run, path, case), reassess=lambda: reassess(run, case["caseId"]))
    (winner,) = judged(pair, answers)
    kept = history(run, case["caseId"])["assessments"]
    if winner == "unlock":
        stands(pair, [a["status"] for a in kept] == ["in-progress"], "the unlock")
    else:
        stands(pair, [a["status"] for a in kept] == ["locked", "in-progress"], "the reassessment")


def test_del1_reassessment_and_deletion_of_the_assessment_it_copies_at_once_one_stands(local_run):
    """A reassessment never copies an assessment deleted at the same moment."""
    for _ in range(TRIES):
        _reassessment_and_deletion(local_run, "DEL-1 reassessment / deletion of its original")


def _reassessment_and_deletion(run: Any, pair: str) -> None:
    case = new_case(run, LEADER, "URN-RACE")
    path = locked_full(run, LEADER, case["caseId"])
    answers = at_once(delete=lambda: delete_assessment(run, path, case),
                      reassess=lambda: reassess(run, case["caseId"]))
    (winner,) = judged(pair, answers)
    kept = history(run, case["caseId"])["assessments"]
    if winner == "delete":
        stands(pair, kept == [], "the deletion")
    else:
        stands(pair, len(kept) == 2 and kept[1]["reassessmentOf"] == kept[0]["assessmentId"], "the reassessment")


def test_lsa4_two_plans_for_one_assessment_at_once_one_stands(local_run):
    for _ in range(TRIES):
        _two_plans(local_run, "LSA-4 plan / plan")


def _two_plans(run: Any, pair: str) -> None:
    case = new_case(run, LEADER, "URN-RACE")
    path = locked_full(run, LEADER, case["caseId"], plan_type="rmp")
    answers = at_once(plan1=lambda: start_plan(run, case["caseId"], path),
                      plan2=lambda: start_plan(run, case["caseId"], path))
    judged(pair, answers)
    stands(pair, len(history(run, case["caseId"])["plans"]) == 1, "the plan")


# ---------------------------------------------------------------- ASG-4: two reassignments


def test_asg4_two_reassignments_at_once_one_stands(local_run):
    """Two team leaders reassign the case they both read (If-Match) to different workers: exactly one wins, the
    other gets the current state; only the winner's worker has the task."""
    for _ in range(TRIES):
        _two_reassignments(local_run, "ASG-4 reassignment / reassignment")


def _two_reassignments(run: Any, pair: str) -> None:
    case = new_case(run, LEADER, "URN-RACE")
    read = assign(run, case["caseId"], ASSESSOR).json()["case"]["version"]
    answers = at_once(to_second=lambda: assign(run, case["caseId"], ASSESSOR2, if_match=read),
                      to_leader=lambda: assign(run, case["caseId"], LEADER, by=PRACTICE, if_match=read))
    (winner,) = judged(pair, answers)
    worker, other = (ASSESSOR2, LEADER) if winner == "to_second" else (LEADER, ASSESSOR2)
    stands(pair, case_of(run, case["caseId"])["assignedTo"] == run.user_id(worker), "the reassignment")
    assert len(open_tasks(run, worker, case["caseId"])) == 1
    assert open_tasks(run, other, case["caseId"]) == [] and open_tasks(run, ASSESSOR, case["caseId"]) == []
    assert trail(run, case["caseId"]).count("case.assigned") == 2


# ---------------------------------------------------------------- MAP-4/MAP-5: a person's MAPPA discussions


def new_person(run: Any) -> str:
    urn = new_case(run, LEADER, "URN-RACEM")["urn"]
    return str(urn)


def discussion(run: Any, user: str, urn: str, **body: Any) -> requests.Response:
    base = {"dateOfDiscussion": _day(-3), "reviewDate": _day(30), "level": 2, "category": 1,
            "details": "curfew 7pm"}
    return run.call("POST", f"/people/{urn}/mappa", user, json={**base, **body})


def listing(run: Any, urn: str) -> dict[str, Any]:
    answer = run.call("GET", f"/people/{urn}/mappa", LEADER)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _day(offset: int) -> str:
    return (date.today() + timedelta(days=offset)).isoformat()


def one_current(run: Any, urn: str) -> str | None:
    """MAP-4: at most one current discussion, and the person's flag names it. Its id."""
    shown = listing(run, urn)
    current = [d["discussionId"] for d in shown["items"] if d["current"]]
    assert len(current) <= 1, shown
    flag = shown["mappa"]
    if current:
        assert flag["current"] and flag["discussionId"] == current[0], shown
    else:
        assert flag is None or not flag["current"], shown
    return current[0] if current else None


def test_map4_two_new_discussions_at_once_one_stands(local_run):
    for _ in range(TRIES):
        _two_new_discussions(local_run, "MAP-4 new discussion / new discussion")


def _two_new_discussions(run: Any, pair: str) -> None:
    urn = new_person(run)
    answers = at_once(lead=lambda: discussion(run, LEADER, urn), practice=lambda: discussion(run, PRACTICE, urn))
    (winner,) = judged(pair, answers)
    stands(pair, one_current(run, urn) == answers[winner].json()["discussionId"], "the discussion")
    assert len(listing(run, urn)["items"]) == 1


def test_map4_two_subsequent_discussions_at_once_one_stands(local_run):
    """Two leads record the subsequent discussion (ending the current one the day before) at once."""
    for _ in range(TRIES):
        _two_subsequent_discussions(local_run, "MAP-4 subsequent / subsequent")


def _two_subsequent_discussions(run: Any, pair: str) -> None:
    urn = new_person(run)
    first = discussion(run, LEADER, urn, dateOfDiscussion=_day(-20)).json()["discussionId"]
    answers = at_once(lead=lambda: discussion(run, LEADER, urn, endCurrent=True),
                      practice=lambda: discussion(run, PRACTICE, urn, endCurrent=True))
    (winner,) = judged(pair, answers, refused={"lead": {422}, "practice": {422}})
    stands(pair, one_current(run, urn) == answers[winner].json()["discussionId"], "the subsequent discussion")
    shown = {d["discussionId"]: d for d in listing(run, urn)["items"]}
    assert len(shown) == 2 and shown[first]["dateEnded"] == _day(-4)


def test_map4_reopened_and_new_discussion_at_once_one_stands(local_run):
    """An ended discussion made current again (its date ended cleared) and a new current one recorded at once."""
    for _ in range(TRIES):
        _reopened_and_new(local_run, "MAP-4 reopen / new discussion")


def _reopened_and_new(run: Any, pair: str) -> None:
    urn = new_person(run)
    ended = discussion(run, LEADER, urn, dateOfDiscussion=_day(-20), reviewDate=None, dateEnded=_day(-10))
    ended_id = ended.json()["discussionId"]
    answers = at_once(
        reopen=lambda: run.call("PATCH", f"/mappa/{ended_id}", LEADER, json={"dateEnded": None,
                                                                             "reviewDate": _day(20)}),
        new=lambda: discussion(run, PRACTICE, urn))
    (winner,) = judged(pair, answers)
    wanted = ended_id if winner == "reopen" else answers["new"].json()["discussionId"]
    stands(pair, one_current(run, urn) == wanted, f"the {winner} discussion")


def test_map5_notification_and_end_of_discussion_at_once_one_stands(local_run):
    """A notification goes from a current discussion: never one added to a discussion ended at the same moment
    (notifying first and ending after is the one order where both stand)."""
    for _ in range(TRIES):
        _notification_and_end(local_run, "MAP-5 notification / end of the discussion")


def _notification_and_end(run: Any, pair: str) -> None:
    urn = new_person(run)
    current = discussion(run, LEADER, urn).json()["discussionId"]
    answers = at_once(
        notify=lambda: run.call("POST", f"/mappa/{current}/notifications", LEADER, json={
            "recipients": [run.user_id(ASSESSOR)], "dateNotified": _day(0), "sendAlert": False}),
        end=lambda: run.call("PATCH", f"/mappa/{current}", PRACTICE, json={"dateEnded": _day(0)}))
    won = judged(pair, answers, both_if=lambda a: [n["notificationId"] for n in a["end"].json()["notifications"]] == [
        a["notify"].json()["notificationId"]])
    shown = run.call("GET", f"/mappa/{current}", LEADER).json()
    if "notify" in won:
        stands(pair, len(shown["notifications"]) == 1, "the notification")
    else:
        assert shown["notifications"] == []
    if "end" in won:
        stands(pair, shown["dateEnded"] == _day(0) and one_current(run, urn) is None, "the end")
    else:
        assert shown["current"] and one_current(run, urn) == current


def test_del1_person_deletion_and_new_discussion_at_once_one_stands(local_run):
    """The nuclear option takes every record: never a discussion recorded at the same moment left behind without
    its person (recording first and deleting after is the one order where both stand, and the deletion takes it)."""
    for _ in range(TRIES):
        _person_deletion_and_discussion(local_run, "DEL-1 person deletion / new discussion")


def _person_deletion_and_discussion(run: Any, pair: str) -> None:
    urn = new_person(run)
    answers = at_once(
        delete=lambda: run.call("POST", f"/people/{urn}/deletion", LEADER, json={
            "confirm": f"DELETE PERSON {urn}", "reason": "recorded in error"}),
        record=lambda: discussion(run, PRACTICE, urn))
    # both stand when the deletion read the person after the discussion was recorded: checked below, by what is left
    won = judged(pair, answers, refused={"record": {404}}, both_if=lambda a: True)
    if "delete" in won:
        stands(pair, run.call("GET", f"/people/{urn}", LEADER).status_code == 404, "the deletion")
        # the same URN recorded again starts with no discussion: nothing of the old person was left behind
        again = run.call("POST", "/people", LEADER, json={"urn": urn, "forename": "A", "surname": "B",
                                                          "dateOfBirth": "1990-06-01"})
        assert again.status_code == 201, again.text
        shown = listing(run, urn)
        assert shown["items"] == [] and shown["mappa"] is None, shown
    else:
        stands(pair, one_current(run, urn) == answers["record"].json()["discussionId"], "the discussion")

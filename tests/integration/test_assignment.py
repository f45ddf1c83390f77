"""Assignment (DOMAIN: ASG-1 .. ASG-6) through the real handlers (moto in-process)."""

from __future__ import annotations

from typing import Any

from casework.store import records, work
from tests.support import Api, open_case, race

PROBLEM = "application/problem+json"


def assign(api: Api, user: str, case_id: str, worker: str | None, **kw: Any):
    return api.put(f"/cases/{case_id}/assignment", user, {"userId": worker}, **kw)


def read_case(api: Api, user: str, case_id: str) -> dict[str, Any]:
    answer = api.get(f"/cases/{case_id}", user)
    assert answer.status == 200, answer.json()
    return answer.json()


def audit_actions(api: Api, user: str, case_id: str) -> list[str]:
    return [e["action"] for e in api.get(f"/cases/{case_id}/audit", user).json()["items"]]


def tasks_of(user_id: str) -> list[Any]:
    """Every task ever put in a user's worktray, read from the store (a locked user can't call the API)."""
    return work.all_tasks(user_id, 200, None).items


def assert_problem(answer, status: int, field: str | None = None) -> dict[str, Any]:
    assert answer.status == status, (answer.status, answer.json())
    assert answer.headers["content-type"] == PROBLEM
    body = answer.json()
    assert body["status"] == status and {"type", "title", "detail"} <= set(body)
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body
    return body


def close_directly(case_id: str) -> None:
    """There is no closure route yet (APR-3): put a case in the closed state through the store."""
    case = records.find_case(case_id)
    assert case is not None
    case.status = "closed"
    records.refresh_index_keys(case)
    case.save()


# ---------------------------------------------------------------- ASG-1


def test_asg1_team_leader_assigns_reassigns_and_unassigns(world, api):
    """ASG-1: a team leader assigns, reassigns and unassigns; each answer names who had it and who has it."""
    leader, first, second = world.community.leader, world.community.assessor, world.community.assessor2
    case = open_case(api, leader, urn="URN-A1")

    # when the team leader assigns the open case to an assessor
    assigned = assign(api, leader, case["caseId"], first)
    # then the answer says nobody had it and the assessor has it now, by name
    assert assigned.status == 200
    assert assigned.json()["previous"] is None
    assert assigned.json()["current"] == {"userId": first, "name": "Assessor Community"}
    assert assigned.json()["changed"] is True
    assert assigned.json()["case"]["assignedTo"] == first

    # when they reassign it to another assessor
    reassigned = assign(api, leader, case["caseId"], second).json()
    assert reassigned["previous"] == {"userId": first, "name": "Assessor Community"}
    assert reassigned["current"] == {"userId": second, "name": "Assessor2 Community"}

    # when they unassign it
    unassigned = assign(api, leader, case["caseId"], None).json()
    assert unassigned["previous"] == {"userId": second, "name": "Assessor2 Community"}
    assert unassigned["current"] is None
    assert read_case(api, leader, case["caseId"])["assignedTo"] is None


def test_asg1_the_answer_carries_the_new_version_as_etag(world, api):
    """ASG-1/4: the assignment answer's ETag is the case's new version, as a fresh read shows."""
    leader = world.community.leader
    case = open_case(api, leader, urn="URN-A2")
    answer = assign(api, leader, case["caseId"], world.community.assessor)
    read = api.get(f"/cases/{case['caseId']}", leader)
    assert answer.json()["case"]["version"] == read.json()["version"] == case["version"] + 1
    assert answer.headers["etag"] == read.headers["etag"] == f'"{read.json()["version"]}"'


def test_asg1_the_childrens_practice_manager_assigns_to_a_social_worker(world, api):
    """ASG-1 in a children's service: the practice manager assigns to a social worker."""
    case = open_case(api, world.children.leader, urn="URN-A3", case_type="child-protection")
    answer = assign(api, world.children.leader, case["caseId"], world.children.worker)
    assert answer.status == 200 and answer.json()["current"]["userId"] == world.children.worker


def test_asg1_assigning_to_the_current_holder_changes_nothing(world, api):
    """ASG-1: assigning to the current holder, or unassigning an unassigned case, changes nothing at all."""
    leader, assessor = world.community.leader, world.community.assessor
    case = open_case(api, leader, urn="URN-A4")
    assign(api, leader, case["caseId"], assessor)
    before = read_case(api, leader, case["caseId"])

    again = assign(api, leader, case["caseId"], assessor)
    assert again.status == 200
    assert again.json()["changed"] is False
    assert again.json()["previous"] == again.json()["current"] == {"userId": assessor, "name": "Assessor Community"}
    assert read_case(api, leader, case["caseId"])["version"] == before["version"]
    assert audit_actions(api, leader, case["caseId"]) == ["case.opened", "case.assigned"]
    assert len(tasks_of(assessor)) == 1
    # unassigning an unassigned case is no change either
    other = open_case(api, leader, urn="URN-A5")
    assert assign(api, leader, other["caseId"], None).json()["changed"] is False
    assert audit_actions(api, leader, other["caseId"]) == ["case.opened"]


def test_asg1_a_case_of_another_service_is_not_found(world, api):
    """ASG-1: assigning another service's case is 404, exactly as a missing case, and nothing changes."""
    case = open_case(api, world.community.leader, urn="URN-A6")
    answer = assign(api, world.prison.leader, case["caseId"], world.prison.assessor)
    missing = assign(api, world.prison.leader, "01JD2Q5V6W7X8Y9Z0ABCDEFGHJ", world.prison.assessor)
    assert_problem(answer, 404)
    assert answer.json() == missing.json()
    assert read_case(api, world.community.leader, case["caseId"])["assignedTo"] is None
    assert tasks_of(world.prison.assessor) == []


def test_asg1_only_the_assign_right_may_assign(world, api):
    """ASG-1: read-only, assessor and administrator users get 403, and nothing changes."""
    leader = world.community.leader
    case = open_case(api, leader, urn="URN-A7")
    for user in (world.community.reader, world.community.assessor, world.community.admin):
        assert_problem(assign(api, user, case["caseId"], world.community.assessor), 403)
    assert_problem(assign(api, world.prison.reader, case["caseId"], world.prison.assessor), 403)
    assert read_case(api, leader, case["caseId"])["version"] == case["version"]
    assert audit_actions(api, leader, case["caseId"]) == ["case.opened"]
    assert tasks_of(world.community.assessor) == []


def test_asg1_a_closed_case_cannot_be_assigned(world, api):
    """ASG-1: only an open case is assigned; a closed one is 409 with its current state."""
    leader = world.community.leader
    case = open_case(api, leader, urn="URN-A8")
    close_directly(case["caseId"])
    body = assert_problem(assign(api, leader, case["caseId"], world.community.assessor), 409)
    assert body["current"]["status"] == "closed" and body["current"]["assignedTo"] is None
    assert tasks_of(world.community.assessor) == []


def test_asg1_each_assignment_is_audited_with_who_and_before_after(world, api):
    """ASG-1: each assignment leaves an audit entry with the actor and the worker before and after."""
    leader, first, second = world.community.leader, world.community.assessor, world.community.assessor2
    case = open_case(api, leader, urn="URN-A9")
    for worker in (first, second, None):
        assign(api, leader, case["caseId"], worker)
    entries = api.get(f"/cases/{case['caseId']}/audit", world.community.assessor).json()["items"][1:]
    assert [(e["action"], e["actorId"], e["before"], e["after"]) for e in entries] == [
        ("case.assigned", leader, {"assignedTo": None}, {"assignedTo": first}),
        ("case.assigned", leader, {"assignedTo": first}, {"assignedTo": second}),
        ("case.unassigned", leader, {"assignedTo": second}, {"assignedTo": None}),
    ]


def test_asg1_a_body_without_userid_is_422(world, api):
    """ASG-1: the body must name userId (null to unassign) and nothing else."""
    case = open_case(api, world.community.leader, urn="URN-A10")
    assert_problem(api.put(f"/cases/{case['caseId']}/assignment", world.community.leader, {}), 422, "userId")
    assert_problem(api.put(f"/cases/{case['caseId']}/assignment", world.community.leader,
                           {"userId": world.community.assessor, "note": "x"}), 422, "note")
    assert read_case(api, world.community.leader, case["caseId"])["assignedTo"] is None


# ---------------------------------------------------------------- ASG-2


def test_asg2_unassigned_table_lists_open_cases_without_worker_sorted_by_surname(world, api):
    """ASG-2: the unassigned table lists the service's open cases with no worker, by surname."""
    leader = world.community.leader
    cases = {s: open_case(api, leader, urn=f"URN-U{n}", surname=s)
             for n, s in enumerate(["Wilson", "brown", "Taylor", "Adams", "Morgan"])}
    assign(api, leader, cases["Taylor"]["caseId"], world.community.assessor)  # has a worker
    close_directly(cases["Morgan"]["caseId"])  # not open
    open_case(api, world.prison.leader, urn="URN-U9", surname="Aardvark")  # another service

    answer = api.get("/cases/unassigned", world.community.reader)
    assert answer.status == 200
    items = answer.json()["items"]
    assert [c["surname"] for c in items] == ["Adams", "brown", "Wilson"]
    assert all(c["status"] == "open" and c["assignedTo"] is None for c in items)

    # unassigning puts a case back in the table
    assign(api, leader, cases["Taylor"]["caseId"], None)
    items = api.get("/cases/unassigned", world.community.reader).json()["items"]
    assert [c["surname"] for c in items] == ["Adams", "brown", "Taylor", "Wilson"]


def test_asg2_unassigned_table_pages_and_sorts_by_case_number_on_request(world, api):
    """ASG-2: the unassigned table sorts by case number on request and pages."""
    leader = world.community.leader
    cases = [open_case(api, leader, urn=f"URN-V{n}", surname=s) for n, s in enumerate(["Zed", "Young", "Xu"])]
    by_number = api.get("/cases/unassigned", leader, query={"sort": "caseNumber"}).json()["items"]
    assert [c["caseId"] for c in by_number] == [c["caseId"] for c in cases]
    first = api.get("/cases/unassigned", leader, query={"limit": 2}).json()
    second = api.get("/cases/unassigned", leader, query={"limit": 2, "next": first["next"]}).json()
    assert [c["surname"] for c in first["items"] + second["items"]] == ["Xu", "Young", "Zed"]
    assert second["next"] is None


# ---------------------------------------------------------------- ASG-3


def test_asg3_caseload_lists_workers_cases_and_team_leader_sees_any(world, api):
    """ASG-3: a worker lists their own caseload; a team leader lists any worker's."""
    leader, assessor, other = world.community.leader, world.community.assessor, world.community.assessor2
    mine = [open_case(api, leader, urn=f"URN-L{n}", surname=s) for n, s in enumerate(["Price", "Ellis"])]
    theirs = open_case(api, leader, urn="URN-L9", surname="Owen")
    for case in mine:
        assign(api, leader, case["caseId"], assessor)
    assign(api, leader, theirs["caseId"], other)

    # the worker's own caseload, sorted by surname
    own = api.get("/me/caseload", assessor)
    assert own.status == 200
    assert [c["surname"] for c in own.json()["items"]] == ["Ellis", "Price"]
    assert api.get(f"/users/{assessor}/caseload", assessor).json() == own.json()

    # a team leader lists any worker's caseload
    seen = api.get(f"/users/{assessor}/caseload", leader)
    assert seen.status == 200 and seen.json() == own.json()
    assert [c["caseId"] for c in api.get(f"/users/{other}/caseload", leader).json()["items"]] == [theirs["caseId"]]


def test_asg3_an_assessor_cannot_list_someone_elses_caseload(world, api):
    """ASG-3: without the assign right, another worker's caseload is 403."""
    assessor, other = world.community.assessor, world.community.assessor2
    case = open_case(api, world.community.leader, urn="URN-L10")
    assign(api, world.community.leader, case["caseId"], other)
    assert_problem(api.get(f"/users/{other}/caseload", assessor), 403)
    assert_problem(api.get(f"/users/{other}/caseload", world.community.reader), 403)


def test_asg3_another_services_worker_is_not_found(world, api):
    """ASG-3: another service's worker is 404, exactly as an unknown user."""
    case = open_case(api, world.prison.leader, urn="URN-L11")
    assign(api, world.prison.leader, case["caseId"], world.prison.assessor)
    theirs = api.get(f"/users/{world.prison.assessor}/caseload", world.community.leader)
    nobody = api.get("/users/no-such-user/caseload", world.community.leader)
    assert_problem(theirs, 404)
    assert theirs.json() == nobody.json()


def test_asg3_caseload_holds_open_cases_by_default_and_closed_ones_on_request(world, api):
    """ASG-3: a caseload is the open cases by default; closed and all on request."""
    leader, assessor = world.community.leader, world.community.assessor
    still_open, closed = (open_case(api, leader, urn=f"URN-L{n}", surname=s) for n, s in ((20, "Ames"), (21, "Bell")))
    for case in (still_open, closed):
        assign(api, leader, case["caseId"], assessor)
    close_directly(closed["caseId"])
    ids = lambda status: [c["caseId"] for c in api.get("/me/caseload", assessor, query=status).json()["items"]]  # noqa: E731
    assert ids({}) == [still_open["caseId"]]
    assert ids({"status": "closed"}) == [closed["caseId"]]
    assert ids({"status": "all"}) == [still_open["caseId"], closed["caseId"]]


# ---------------------------------------------------------------- ASG-4


def test_asg4_concurrent_reassignment_exactly_one_wins(world, api, monkeypatch):
    """Two team-leader requests, both quoting the version they read, both past the If-Match check before either
    writes: the conditional write lets exactly one through; the other is told 409 with the winner's state."""
    leader = world.community.leader
    case = open_case(api, leader, urn="URN-R1")
    etag = api.get(f"/cases/{case['caseId']}", leader).headers["etag"]
    api.get("/cases/unassigned", leader)  # load the assignment function before the threads race into it
    targets = [world.community.assessor, world.community.assessor2]

    # Both requests pass the If-Match check, then reach their write together.
    answers = dict(zip(targets, race(monkeypatch, *(
        lambda w=w: assign(api, leader, case["caseId"], w, headers={"If-Match": etag}) for w in targets)),
        strict=True))

    assert sorted(a.status for a in answers.values()) == [200, 409]
    winner = next(a for a in answers.values() if a.status == 200).json()
    loser = assert_problem(next(a for a in answers.values() if a.status == 409), 409)
    now = read_case(api, leader, case["caseId"])
    assert now["assignedTo"] == winner["current"]["userId"] == winner["case"]["assignedTo"]
    assert loser["current"]["assignedTo"] == now["assignedTo"]
    assert loser["current"]["version"] == now["version"] == case["version"] + 1
    # one change only: one audit entry and one task
    assert audit_actions(api, leader, case["caseId"]) == ["case.opened", "case.assigned"]
    assert sum(len(tasks_of(w)) for w in targets) == 1


def test_asg4_a_stale_if_match_is_a_conflict_with_the_current_state(world, api):
    """ASG-4: a stale If-Match is 409 with the current state and changes nothing; the current ETag works."""
    leader = world.community.leader
    case = open_case(api, leader, urn="URN-R2")
    stale = api.get(f"/cases/{case['caseId']}", leader).headers["etag"]
    assert assign(api, leader, case["caseId"], world.community.assessor, headers={"If-Match": stale}).status == 200

    late = assign(api, leader, case["caseId"], world.community.assessor2, headers={"If-Match": stale})
    body = assert_problem(late, 409)
    assert body["current"]["assignedTo"] == world.community.assessor
    assert read_case(api, leader, case["caseId"])["assignedTo"] == world.community.assessor
    assert tasks_of(world.community.assessor2) == []

    # with the current ETag (weak or strong) the change goes through
    fresh = api.get(f"/cases/{case['caseId']}", leader).headers["etag"]
    assert assign(api, leader, case["caseId"], world.community.assessor2,
                  headers={"If-Match": f"W/{fresh}"}).status == 200


def test_asg4_a_malformed_if_match_is_400(world, api):
    """ASG-4: an If-Match that is not a version ETag is 400 naming If-Match."""
    leader = world.community.leader
    case = open_case(api, leader, urn="URN-R3")
    for value in ("abc", '"v1"', ""):
        assert_problem(assign(api, leader, case["caseId"], world.community.assessor, headers={"If-Match": value}),
                       400, "If-Match")
    assert read_case(api, leader, case["caseId"])["assignedTo"] is None


# ---------------------------------------------------------------- ASG-5


def test_asg5_cases_cannot_be_assigned_to_a_locked_user_another_services_user_or_one_without_case_write(world, api):
    """ASG-5: locked, other-service, unknown and no-case-write users are 422 naming userId; no change, no task."""
    leader = world.community.leader
    case = open_case(api, leader, urn="URN-S1")
    refused = {
        "locked": world.community.locked,
        "another service": world.prison.assessor,
        "read-only, no case-write": world.community.reader,
        "business administrator, no case-write": world.community.admin,
        "unknown": "no-such-user",
    }
    for why, user in refused.items():
        answer = assign(api, leader, case["caseId"], user)
        assert answer.status == 422, why
        assert_problem(answer, 422, "userId")
        assert tasks_of(user) == [], why
    after = read_case(api, leader, case["caseId"])
    assert after["assignedTo"] is None and after["version"] == case["version"]
    assert audit_actions(api, leader, case["caseId"]) == ["case.opened"]


def test_asg5_a_refused_reassignment_leaves_the_current_worker_and_their_task(world, api):
    """ASG-5: a refused reassignment leaves the case with its worker and their task open."""
    leader, assessor = world.community.leader, world.community.assessor
    case = open_case(api, leader, urn="URN-S2")
    assign(api, leader, case["caseId"], assessor)
    assert_problem(assign(api, leader, case["caseId"], world.community.locked), 422, "userId")
    assert read_case(api, leader, case["caseId"])["assignedTo"] == assessor
    assert [t["caseId"] for t in api.get("/me/worktray", assessor).json()["items"]] == [case["caseId"]]


# ---------------------------------------------------------------- ASG-6


def test_asg6_assignment_puts_task_in_new_workers_worktray(world, api):
    """ASG-6: assignment puts a task in the new worker's worktray and completes the previous worker's."""
    leader, first, second = world.community.leader, world.community.assessor, world.community.assessor2
    case = open_case(api, leader, urn="URN-W1", surname="Fraser")

    # when the case is assigned, the worker finds a "case assigned to you" task
    assign(api, leader, case["caseId"], first)
    tray = api.get("/me/worktray", first).json()["items"]
    assert len(tray) == 1
    task = tray[0]
    assert (task["kind"], task["caseId"], task["completedAt"]) == ("case-assigned", case["caseId"], None)
    assert f"Case {case['caseNumber']}" in task["subject"] and "assigned to you" in task["subject"]

    # when it is reassigned, the new worker has the task and the previous worker's task is completed
    assign(api, leader, case["caseId"], second)
    assert [t["caseId"] for t in api.get("/me/worktray", second).json()["items"]] == [case["caseId"]]
    assert api.get("/me/worktray", first).json()["items"] == []
    history = api.get("/me/worktray", first, query={"status": "all"}).json()["items"]
    assert [t["taskId"] for t in history] == [task["taskId"]]
    assert history[0]["completedAt"] is not None

    # when it is unassigned, the last worker's task is completed too
    assign(api, leader, case["caseId"], None)
    assert api.get("/me/worktray", second).json()["items"] == []
    assert api.get("/me/worktray", second, query={"status": "all"}).json()["items"][0]["completedAt"] is not None


def test_asg6_each_assignment_gives_its_own_task(world, api):
    """ASG-6: each case assigned gives its own task, to the new worker only."""
    leader, assessor = world.community.leader, world.community.assessor
    cases = [open_case(api, leader, urn=f"URN-W{n}") for n in (2, 3)]
    for case in cases:
        assign(api, leader, case["caseId"], assessor)
    tray = api.get("/me/worktray", assessor).json()["items"]
    assert sorted(t["caseId"] for t in tray) == sorted(c["caseId"] for c in cases)
    # nobody else got one
    assert tasks_of(world.community.assessor2) == [] and tasks_of(leader) == []

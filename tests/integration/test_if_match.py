"""Optimistic concurrency over HTTP (DESIGN), on every route that takes `If-Match`: assigning a case (ASG-4), saving
an assessment's section and locking it (LSA-5), saving a plan's section (LSA-4), amending a MAPPA discussion
(MAP-4). A stale `If-Match` changes nothing and answers 409 whose problem body carries `current`, the record as
a read of it shows it now; a record stored without a version shows version 0 and takes `If-Match: "0"`."""

from __future__ import annotations

from typing import Any

import boto3

from casework import admin
from casework.config import settings
from casework.store import directory as directory_store
from casework.store import records
from tests.integration.lscmi_flow import assert_problem, assigned_case, fill_full, lock, start
from tests.support import Api, open_case, race

NINE = {"actions": [{"need": "employment", "action": "a job", "timescale": "3 months"}], "text": "nine"}


def etag(api: Api, user: str, path: str) -> str:
    answer = api.get(path, user)
    assert answer.status == 200, answer.json()
    return answer.headers["etag"]


def stale_conflict(answer: Any) -> dict[str, Any]:
    """The 409 of a stale `If-Match`: its `current` state."""
    body = assert_problem(answer, 409)
    assert "current" in body, body
    return body["current"]  # type: ignore[no-any-return]


def discussion(api: Api, user: str, urn: str) -> str:
    open_case(api, user, urn=urn)
    made = api.post(f"/people/{urn}/mappa", user, {"dateOfDiscussion": "2026-01-05", "reviewDate": "2099-06-01",
                                                   "level": 2, "category": 1, "details": "Weekly visits"})
    assert made.status == 201, made.json()
    return made.json()["discussionId"]  # type: ignore[no-any-return]


# ---------------------------------------------------------------- ASG-4


def test_asg4_stale_if_match_answers_409_with_current_state(world, api):
    leader = world.community.leader
    case = open_case(api, leader, urn="URN-IM1")
    path = f"/cases/{case['caseId']}"
    read = etag(api, leader, path)
    assert api.put(f"{path}/assignment", leader, {"userId": world.community.assessor},
                   headers={"If-Match": read}).status == 200
    current = stale_conflict(api.put(f"{path}/assignment", leader, {"userId": world.community.assessor2},
                                     headers={"If-Match": read}))
    assert current == api.get(path, leader).json()
    assert current["assignedTo"] == world.community.assessor


def test_asg4_if_match_star_is_any_version_and_only_ascii_digits_are_a_version(world, api):
    """`If-Match: *` (RFC 9110: any current version) sets no condition; digits that are not ASCII, or more than a
    version ever has, are 400 naming If-Match, never a 500."""
    leader = world.community.leader
    case = open_case(api, leader, urn="URN-IM2")
    path = f"/cases/{case['caseId']}/assignment"
    for value in ("²", "١", "9" * 5000, '"1", "2"'):
        assert_problem(api.put(path, leader, {"userId": world.community.assessor}, headers={"If-Match": value}),
                       400, "If-Match")
    assert api.put(path, leader, {"userId": world.community.assessor}, headers={"If-Match": "*"}).status == 200


def test_asg4_a_record_stored_without_a_version_shows_0_and_takes_if_match_0(world, api):
    """A record written without a version (as imports wrote them before they were given version 1) shows version 0
    and ETag "0"; that ETag is a good If-Match, any other is stale (409 with the current state), never a 500."""
    leader = world.community.leader
    case = open_case(api, leader, urn="URN-IM3")
    stored = records.find_case(case["caseId"])
    assert stored is not None
    boto3.client("dynamodb").update_item(TableName=settings.records_table,
                                         Key={"pk": {"S": stored.pk}, "sk": {"S": stored.sk}},
                                         UpdateExpression="REMOVE version")
    path = f"/cases/{case['caseId']}"
    assert etag(api, leader, path) == '"0"' and api.get(path, leader).json()["version"] == 0
    current = stale_conflict(api.put(f"{path}/assignment", leader, {"userId": world.community.assessor},
                                     headers={"If-Match": '"1"'}))
    assert current["version"] == 0 and current["assignedTo"] is None
    done = api.put(f"{path}/assignment", leader, {"userId": world.community.assessor}, headers={"If-Match": '"0"'})
    assert done.status == 200 and done.headers["etag"] == '"1"', done.json()


# ---------------------------------------------------------------- LSA-5, LSA-4


def test_lsa5_stale_if_match_on_a_section_answers_409_with_current_state(world, api):
    c = world.community
    case = assigned_case(api, c.leader, c.assessor, "URN-IM4")
    full = start(api, c.assessor, case["caseId"])
    path = f"/cases/{case['caseId']}/assessments/{full['assessmentId']}"
    read = etag(api, c.assessor, path)
    assert api.put(f"{path}/sections/2", c.assessor, {"text": "a"}, headers={"If-Match": read}).status == 200
    current = stale_conflict(api.put(f"{path}/sections/2", c.assessor, {"text": "b"}, headers={"If-Match": read}))
    assert current == api.get(path, c.assessor).json()
    assert current["sections"]["2"]["text"] == "a"


def test_lsa5_stale_if_match_on_the_lock_answers_409_with_current_state(world, api):
    c = world.community
    case = assigned_case(api, c.leader, c.assessor, "URN-IM5")
    full = start(api, c.assessor, case["caseId"])
    path = f"/cases/{case['caseId']}/assessments/{full['assessmentId']}"
    read = etag(api, c.assessor, path)
    fill_full(api, c.assessor, case["caseId"], full["assessmentId"])
    current = stale_conflict(api.post(f"{path}/lock", c.assessor, headers={"If-Match": read}))
    assert current == api.get(path, c.assessor).json()
    assert current["status"] == "in-progress"
    assert api.post(f"{path}/lock", c.assessor, headers={"If-Match": etag(api, c.assessor, path)}).status == 200


def test_lsa4_stale_if_match_on_a_plan_section_answers_409_with_current_state(world, api):
    c = world.community
    case = assigned_case(api, c.leader, c.assessor, "URN-IM6")
    full = start(api, c.assessor, case["caseId"])
    fill_full(api, c.assessor, case["caseId"], full["assessmentId"])
    assert lock(api, c.assessor, case["caseId"], full["assessmentId"]).status == 200
    plan = api.post(f"/cases/{case['caseId']}/plans", c.assessor, {"assessmentId": full["assessmentId"]})
    assert plan.status == 201, plan.json()
    path = f"/cases/{case['caseId']}/plans/{plan.json()['planId']}/sections"
    read = f'"{plan.json()["version"]}"'
    assert api.put(f"{path}/9", c.assessor, NINE, headers={"If-Match": read}).status == 200
    current = stale_conflict(api.put(f"{path}/10", c.assessor, {"text": "ten"}, headers={"If-Match": read}))
    (shown,) = api.get(f"/cases/{case['caseId']}/history", c.assessor).json()["plans"]
    assert current == shown and set(current["sections"]) == {"9"}


# ---------------------------------------------------------------- MAP-4 (and MAP-2 in the answer)


def test_map4_stale_if_match_answers_409_with_current_state(world, api):
    leader = world.community.leader
    path = f"/mappa/{discussion(api, leader, 'URN-IM7')}"
    read = etag(api, leader, path)
    assert api.call("PATCH", path, leader, body={"level": 3}, headers={"If-Match": read}).status == 200
    current = stale_conflict(api.call("PATCH", path, leader, body={"level": 1}, headers={"If-Match": read}))
    assert current == api.get(path, leader).json()
    assert current["level"] == 3 and current["details"] == "Weekly visits"


def test_map4_a_race_lost_at_the_write_answers_409_with_current_state(world, api, monkeypatch):
    """Two amendments quoting the same ETag both pass the If-Match check; the one that loses at the conditional
    write is 409 with the discussion as the winner left it."""
    leader = world.community.leader
    path = f"/mappa/{discussion(api, leader, 'URN-IM8')}"
    read = etag(api, leader, path)
    answers = race(monkeypatch, *(
        lambda level=level: api.call("PATCH", path, leader, body={"level": level}, headers={"If-Match": read})
        for level in (1, 3)))
    assert sorted(a.status for a in answers) == [200, 409], [a.json() for a in answers]
    winner, loser = sorted(answers, key=lambda a: a.status)
    current = stale_conflict(loser)
    assert current == api.get(path, leader).json() and current["level"] == winner.json()["level"]


def test_map2_the_409_of_a_stale_if_match_withholds_the_details_without_the_confidential_right(world, api):
    """The current state in a 409 is the discussion as the caller may read it: without right 100, no details."""
    service = world.community.service_id
    group = directory_store.new_group(service, "mappa-clerk", name="MAPPA clerk", rights=[10, 110],
                                      built_in=False)
    group.save()
    admin.add_user("community-clerk", service_id=service, forename="Clerk", surname="Community",
                   email="clerk@community.example.org", group_id="mappa-clerk", supervisor_id=None,
                   actor_id="system")
    path = f"/mappa/{discussion(api, world.community.leader, 'URN-IM9')}"
    read = etag(api, "community-clerk", path)
    assert api.call("PATCH", path, "community-clerk", body={"level": 3}, headers={"If-Match": read}).status == 200
    current = stale_conflict(api.call("PATCH", path, "community-clerk", body={"level": 1},
                                      headers={"If-Match": read}))
    assert current["details"] is None and current["detailsWithheld"] is True and current["level"] == 3
    assert "Weekly visits" not in str(current)

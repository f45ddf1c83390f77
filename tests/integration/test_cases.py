"""People, cases, the system cases table and the audit trail through the real handlers (moto in-process).

Rules: DOMAIN "People, services and access", "Cases and records", ADM-2 (system cases table); DESIGN "API".
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import boto3
import pytest

from casework import cases as case_domain
from casework.config import settings
from casework.store import paging, records
from local import template
from local.dispatch import invoke
from tests.support import Api, open_case, person_body

PROBLEM = "application/problem+json"
MISSING_ULID = "01JD2Q5V6W7X8Y9Z0ABCDEFGHJ"


def assert_problem(answer, status: int, field: str | None = None) -> dict[str, Any]:
    """The answer is RFC 9457 problem+json with `status`, naming `field` among its errors when given."""
    assert answer.status == status, (answer.status, answer.json())
    assert answer.headers["content-type"] == PROBLEM
    body = answer.json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body
    return body


def case_numbers_issued(api: Api, user: str, urn: str) -> int:
    """The number the service's counter gives next, minus one: opens a probe case to find out."""
    return open_case(api, user, urn=urn)["caseNumber"] - 1


def close_directly(case_id: str) -> None:
    """There is no closure route yet (APR-3): put a case in the closed state through the store."""
    case = records.find_case(case_id)
    assert case is not None
    case.status = "closed"
    case.closed_at = "2025-01-01T00:00:00.000Z"
    records.refresh_index_keys(case)
    case.save()


def all_pages(api: Api, path: str, user: str, query: dict[str, Any]) -> list[list[dict[str, Any]]]:
    pages, token = [], None
    while True:
        answer = api.get(path, user, query={**query, **({"next": token} if token else {})})
        assert answer.status == 200, answer.json()
        pages.append(answer.json()["items"])
        token = answer.json()["next"]
        if token is None:
            return pages
        assert len(pages) < 20, "paging does not end"


# ---------------------------------------------------------------- who is calling


def test_me_is_the_directorys_view_of_the_caller(world, api):
    """GET /me answers every field from the directory: user, service, nation, group, rights, supervisor, lock."""
    answer = api.get("/me", world.community.assessor)
    assert answer.status == 200
    assert answer.json() == {
        "userId": "community-assessor",
        "name": "Assessor Community",
        "email": "assessor@community.example.org",
        "serviceId": "community",
        "serviceName": "Community",
        "nation": "scotland",
        "group": "assessor",
        "groupName": "Assessor / Case Manager",
        "rights": [10, 11, 13, 70],
        "supervisorId": "community-leader",
        "locked": False,
    }
    # another service, another group: the fields follow the directory, not a default
    prison = api.get("/me", world.prison.reader).json()
    assert (prison["serviceId"], prison["nation"], prison["group"]) == ("prison", "england", "read-only")
    assert prison["rights"] == [10, 70]
    children = api.get("/me", world.children.leader).json()
    assert (children["serviceId"], children["nation"], children["group"]) == ("children", "wales", "practice-manager")
    assert children["supervisorId"] is None


def test_access_rights_catalogue_lists_70_and_80_with_their_titles(world, api):
    """GET /access-rights lists the catalogue, with 70 and 80 as the Document Library rights."""
    answer = api.get("/access-rights", world.community.reader)
    assert answer.status == 200
    rights = {r["right"]: r for r in answer.json()}
    assert rights[70]["title"] == "Document Library – Read"
    assert rights[80]["title"] == "Document Library – Write"
    assert all(r["description"] for r in rights.values())
    assert len(rights) == len(answer.json())


# ---------------------------------------------------------------- recording people


def test_recording_a_person_answers_201_with_the_person(world, api):
    """POST /people answers 201 with the person as recorded, and the person can then be read."""
    answer = api.post("/people", world.community.leader, person_body("URN-100", surname="Brown"))
    assert answer.status == 201
    assert answer.json() == {"urn": "URN-100", "forename": "Alex", "surname": "Brown", "dateOfBirth": "1990-04-01",
                             "chsNumber": "CHS123", "cases": [], "multipleCases": False, "mappa": None}
    assert api.get("/people/URN-100", world.community.reader).json()["surname"] == "Brown"


def test_urn_is_upper_cased_and_a_second_record_of_it_is_a_conflict(world, api):
    """URNs are stored upper case; a second record of the same URN in a service is 409 and the first stands."""
    leader = world.community.leader
    assert api.post("/people", leader, person_body("urn-abc")).json()["urn"] == "URN-ABC"
    assert api.get("/people/urn-abc", leader).json()["urn"] == "URN-ABC"
    duplicate = api.post("/people", leader, person_body("URN-ABC", surname="Other"))
    body = assert_problem(duplicate, 409)
    assert body["urn"] == "URN-ABC"
    # the first record stands
    assert api.get("/people/URN-ABC", leader).json()["surname"] == "Smith"


def test_two_services_may_each_hold_a_record_of_the_same_urn(world, api):
    """Two services may each hold a record of one URN, each seeing only its own."""
    assert api.post("/people", world.community.leader, person_body("URN-SHARED", surname="Community")).status == 201
    assert api.post("/people", world.prison.leader, person_body("URN-SHARED", surname="Prison")).status == 201
    assert api.get("/people/URN-SHARED", world.community.leader).json()["surname"] == "Community"
    assert api.get("/people/URN-SHARED", world.prison.leader).json()["surname"] == "Prison"


def test_an_invalid_person_is_422_naming_the_field_and_nothing_is_written(world, api):
    """Unknown, malformed or missing fields are 422 problem+json naming the field, and no person is written."""
    leader = world.community.leader
    missing_surname = person_body("URN-X3")
    del missing_surname["surname"]
    bodies = {
        "nickname": {**person_body("URN-X1"), "nickname": "Al"},  # unknown field
        "dateOfBirth": {**person_body("URN-X2"), "dateOfBirth": "1990-13-01"},  # no 13th month
        "surname": missing_surname,
        "urn": {**person_body("URN-X4"), "urn": "URN X4/../"},
    }
    for field, body in bodies.items():
        assert_problem(api.post("/people", leader, body), 422, field)
    for urn in ("URN-X1", "URN-X2", "URN-X3", "URN-X4"):
        assert_problem(api.get(f"/people/{urn}", leader), 404)


def test_malformed_json_or_a_body_that_is_not_utf8_is_400_and_nothing_is_written(world, api):
    """A body that is not JSON, or not UTF-8, is 400 naming the body, and no person is written."""
    leader = world.community.leader
    malformed = api.post("/people", leader, '{"urn": "URN-X5", "forename": ')
    assert "JSON" in assert_problem(malformed, 400, "body")["detail"]
    latin1 = json.dumps(person_body("URN-X6", surname="Müller"), ensure_ascii=False).encode("latin-1")
    assert_problem(api.post("/people", leader, latin1), 400, "body")
    assert_problem(api.get("/people/URN-X5", leader), 404)
    assert_problem(api.get("/people/URN-X6", leader), 404)


# ---------------------------------------------------------------- Idempotency-Key


def test_a_retried_person_with_the_same_idempotency_key_replays_the_first_answer(world, api):
    """A retry with the same Idempotency-Key and body gets the first 201 again and writes nothing new."""
    leader, key = world.community.leader, {"Idempotency-Key": "person-urn-i1"}
    first = api.post("/people", leader, person_body("URN-I1"), headers=key)
    again = api.post("/people", leader, person_body("URN-I1"), headers=key)
    assert first.status == again.status == 201
    assert again.json() == first.json()
    # without the key the same request is a second write, refused: the replay above wrote nothing
    assert_problem(api.post("/people", leader, person_body("URN-I1")), 409)


def test_a_retried_case_with_the_same_idempotency_key_opens_one_case(world, api):
    """A retried POST /cases with the same key opens one case: same answer, and the case numbers don't advance."""
    leader, key = world.community.leader, {"Idempotency-Key": "open-urn-i2"}
    api.post("/people", leader, person_body("URN-I2"))
    first = api.post("/cases", leader, {"urn": "URN-I2", "caseType": "ls-cmi"}, headers=key)
    again = api.post("/cases", leader, {"urn": "URN-I2", "caseType": "ls-cmi"}, headers=key)
    assert first.status == again.status == 201
    assert again.json() == first.json()
    assert len(api.get("/people/URN-I2", leader).json()["cases"]) == 1
    # the service's case numbers did not advance for the replay
    assert case_numbers_issued(api, leader, "URN-I2-PROBE") == first.json()["caseNumber"]


def test_an_idempotency_key_reused_for_a_different_request_is_422(world, api):
    """Reusing a key for a different body is 422 naming Idempotency-Key, and the second request writes nothing."""
    leader, key = world.community.leader, {"Idempotency-Key": "reused-key"}
    assert api.post("/people", leader, person_body("URN-I3"), headers=key).status == 201
    assert_problem(api.post("/people", leader, person_body("URN-I4"), headers=key), 422, "Idempotency-Key")
    assert_problem(api.get("/people/URN-I4", leader), 404)

    api.post("/people", leader, person_body("URN-I5"))
    assert api.post("/cases", leader, {"urn": "URN-I3", "caseType": "ls-cmi"}, headers=key).status == 201
    assert_problem(api.post("/cases", leader, {"urn": "URN-I5", "caseType": "ls-cmi"}, headers=key), 422,
                   "Idempotency-Key")
    assert api.get("/people/URN-I5", leader).json()["cases"] == []


def test_idempotency_keys_belong_to_the_user_who_sent_them(world, api):
    """One user's key does not replay another user's request."""
    key = {"Idempotency-Key": "same-key"}
    assert api.post("/people", world.community.leader, person_body("URN-I6"), headers=key).status == 201
    other = api.post("/people", world.community.assessor, person_body("URN-I7"), headers=key)
    assert other.status == 201 and other.json()["urn"] == "URN-I7"


class LambdaTimedOut(BaseException):
    """What a Lambda killed at its timeout looks like from inside: nothing after it runs, no cleanup."""


def test_a_key_left_in_progress_by_a_timed_out_invocation_frees_itself_after_the_timeout(world, api, monkeypatch):
    # given a first attempt that the Lambda runtime kills mid-request (it leaves its key "in progress")
    leader, key = world.community.leader, {"Idempotency-Key": "killed-mid-request"}

    def killed(*_: Any, **__: Any) -> None:
        raise LambdaTimedOut

    monkeypatch.setattr(case_domain, "record_person", killed)
    with pytest.raises(LambdaTimedOut):
        api.post("/people", leader, person_body("URN-I9"), headers=key)
    monkeypatch.undo()

    # when the client retries at once, it is told the first attempt is still being processed
    assert_problem(api.post("/people", leader, person_body("URN-I9"), headers=key), 409)

    # then the in-progress record must end with the invocation (the function's timeout), not with the key's
    # 24-hour expiry: powertools only knows the invocation's end when the Lambda context is registered.
    jobs = boto3.client("dynamodb").query(
        TableName=settings.jobs_table, KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "IDEMPOTENCY"}})["Items"]
    assert [j["status"]["S"] for j in jobs] == ["INPROGRESS"]
    assert "in_progress_expiration" in jobs[0], "a retry would be refused as in progress for a whole day"
    ends_at_ms = int(jobs[0]["in_progress_expiration"]["N"])
    assert ends_at_ms <= (time.time() + 15 * 60) * 1000  # no later than Lambda's longest timeout


def test_a_malformed_idempotency_key_is_422(world, api):
    """An Idempotency-Key over 128 characters is 422 naming it, and nothing is written."""
    answer = api.post("/people", world.community.leader, person_body("URN-I8"), headers={"Idempotency-Key": "x" * 129})
    assert_problem(answer, 422, "Idempotency-Key")
    assert_problem(api.get("/people/URN-I8", world.community.leader), 404)


# ---------------------------------------------------------------- a person and their cases


def test_a_person_shows_their_cases_and_when_they_have_more_than_one(world, api):
    """GET /people/{urn} lists the person's cases oldest first and flags when there is more than one."""
    leader = world.community.leader
    first = open_case(api, leader, urn="URN-200", surname="Green")
    person = api.get("/people/URN-200", world.community.reader).json()
    assert [c["caseId"] for c in person["cases"]] == [first["caseId"]]
    assert person["multipleCases"] is False

    second = api.post("/cases", leader, {"urn": "URN-200", "caseType": "ls-cmi"}).json()
    assert second["multipleCases"] is True
    person = api.get("/people/urn-200", world.community.reader).json()
    assert [c["caseId"] for c in person["cases"]] == [first["caseId"], second["caseId"]]  # oldest first
    assert person["multipleCases"] is True
    assert all(c["multipleCases"] for c in person["cases"])


def test_another_services_person_is_not_found(world, api):
    """Another service's person, like a missing one, is 404."""
    open_case(api, world.community.leader, urn="URN-201")
    assert_problem(api.get("/people/URN-201", world.prison.leader), 404)
    assert_problem(api.get("/people/URN-NOBODY", world.community.leader), 404)


# ---------------------------------------------------------------- opening cases


def test_opening_a_case_answers_201_with_an_open_unassigned_case(world, api):
    """POST /cases answers 201 with an open, unassigned case carrying the person's names."""
    leader = world.community.leader
    api.post("/people", leader, person_body("URN-300", surname="Hill", forename="Sam"))
    answer = api.post("/cases", leader, {"urn": "urn-300", "caseType": "ls-cmi"})
    assert answer.status == 201
    case = answer.json()
    assert (case["urn"], case["forename"], case["surname"]) == ("URN-300", "Sam", "Hill")
    assert (case["caseType"], case["status"], case["assignedTo"]) == ("ls-cmi", "open", None)
    assert case["caseNumber"] == 1 and case["multipleCases"] is False
    assert case["destructionDate"] is None and case["closedAt"] is None


def test_case_numbers_increase_per_service_with_independent_counters(world, api):
    """Each service numbers its cases 1, 2, 3 ... independently of other services."""
    community = [open_case(api, world.community.leader, urn=f"URN-C{n}")["caseNumber"] for n in range(3)]
    prison = [open_case(api, world.prison.leader, urn=f"URN-C{n}")["caseNumber"] for n in range(2)]
    children = open_case(api, world.children.leader, urn="URN-K1", case_type="child-in-need")["caseNumber"]
    assert community == [1, 2, 3]
    assert prison == [1, 2]
    assert children == 1


def test_case_type_must_match_the_kind_of_service(world, api):
    """A case type of the wrong kind of service is 422 naming caseType; each service opens its own kinds."""
    api.post("/people", world.children.leader, person_body("URN-400"))
    assert_problem(api.post("/cases", world.children.leader, {"urn": "URN-400", "caseType": "ls-cmi"}), 422,
                   "caseType")
    api.post("/people", world.community.leader, person_body("URN-401"))
    assert_problem(api.post("/cases", world.community.leader, {"urn": "URN-401", "caseType": "child-in-need"}), 422,
                   "caseType")
    assert_problem(api.post("/cases", world.community.leader, {"urn": "URN-401", "caseType": "probation"}), 422,
                   "caseType")
    # nothing was opened
    assert api.get("/people/URN-400", world.children.leader).json()["cases"] == []
    assert api.get("/people/URN-401", world.community.leader).json()["cases"] == []
    # and the children's service opens its own kinds
    for kind in ("child-in-need", "child-protection", "looked-after", "care-leaver"):
        assert api.post("/cases", world.children.leader, {"urn": "URN-400", "caseType": kind}).status == 201


def test_a_case_for_an_unknown_urn_is_422_naming_urn(world, api):
    """A case for a URN the service does not hold (even if another service does) is 422 naming urn."""
    assert_problem(api.post("/cases", world.community.leader, {"urn": "URN-NONE", "caseType": "ls-cmi"}), 422, "urn")
    # a person of another service is unknown here too
    api.post("/people", world.prison.leader, person_body("URN-PRISON"))
    assert_problem(api.post("/cases", world.community.leader, {"urn": "URN-PRISON", "caseType": "ls-cmi"}), 422,
                   "urn")
    assert api.get("/people/URN-PRISON", world.prison.leader).json()["cases"] == []


# ---------------------------------------------------------------- reading a case


def test_reading_a_case_returns_it_with_its_version_as_etag(world, api):
    """GET /cases/{caseId} answers the case with ETag equal to its version."""
    case = open_case(api, world.community.leader, urn="URN-500")
    answer = api.get(f"/cases/{case['caseId']}", world.community.reader)
    assert answer.status == 200
    assert answer.json() == case
    assert answer.headers["etag"] == f'"{answer.json()["version"]}"'


def test_an_unknown_malformed_or_another_services_case_is_not_found_alike(world, api):
    """Another service's case id answers exactly as a missing or malformed one: same 404, same body."""
    case = open_case(api, world.community.leader, urn="URN-501")
    theirs = api.get(f"/cases/{case['caseId']}", world.prison.leader)
    missing = api.get(f"/cases/{MISSING_ULID}", world.prison.leader)
    assert_problem(theirs, 404)
    assert theirs.json() == missing.json()
    assert theirs.headers == missing.headers
    assert_problem(api.get(f"/cases/{case['caseId']}/audit", world.prison.leader), 404)
    # and so is an id that is not a case id at all
    assert api.get("/cases/not-a-case-id", world.prison.leader).json() == missing.json()


# ---------------------------------------------------------------- the system cases table (ADM-2)


SURNAMES = ["Young", "adams", "Clark", "evans", "Baker", "Davis", "Foster"]  # mixed case: sorted case-blind
SORT_KEYS = {"surname": lambda c: c["surname"].casefold(), "caseNumber": lambda c: c["caseNumber"]}


def seven_cases(api: Api, user: str) -> list[dict[str, Any]]:
    return [open_case(api, user, urn=f"URN-T{n}", surname=s) for n, s in enumerate(SURNAMES)]


def test_cases_table_sorts_by_surname_or_by_case_number(world, api):
    """GET /cases sorts by surname (case-blind) or by case number; surname is the default (ADM-2)."""
    cases = seven_cases(api, world.community.leader)
    by_surname = api.get("/cases", world.community.reader, query={"sort": "surname"}).json()["items"]
    assert [c["surname"] for c in by_surname] == sorted(SURNAMES, key=str.casefold)
    by_number = api.get("/cases", world.community.reader, query={"sort": "caseNumber"}).json()["items"]
    assert [c["caseNumber"] for c in by_number] == [c["caseNumber"] for c in cases] == list(range(1, 8))
    # the default is by surname, open cases
    assert api.get("/cases", world.community.reader).json()["items"] == by_surname


def test_cases_table_lists_only_the_callers_service(world, api):
    """The cases table never lists another service's cases."""
    seven_cases(api, world.community.leader)
    open_case(api, world.prison.leader, urn="URN-P1", surname="Prisoner")
    assert [c["surname"] for c in api.get("/cases", world.prison.reader).json()["items"]] == ["Prisoner"]
    assert api.get("/cases", world.children.leader, query={"status": "all"}).json()["items"] == []


def test_cases_table_filters_by_status(world, api):
    """status=open, closed and all select the matching cases (ADM-2)."""
    cases = seven_cases(api, world.community.leader)
    for case in cases[:3]:
        close_directly(case["caseId"])
    reader = world.community.reader
    open_ids = {c["caseId"] for c in api.get("/cases", reader, query={"status": "open"}).json()["items"]}
    closed = api.get("/cases", reader, query={"status": "closed"}).json()["items"]
    every = api.get("/cases", reader, query={"status": "all"}).json()["items"]
    assert open_ids == {c["caseId"] for c in cases[3:]}
    assert {c["caseId"] for c in closed} == {c["caseId"] for c in cases[:3]}
    assert all(c["status"] == "closed" for c in closed)
    assert [c["surname"] for c in every] == sorted(SURNAMES, key=str.casefold)


def test_cases_table_filters_by_assigned_worker(world, api):
    """assignedTo lists only that worker's cases; another service's worker has none here (ADM-2)."""
    leader, assessor = world.community.leader, world.community.assessor
    cases = seven_cases(api, leader)
    for case in (cases[0], cases[2]):
        assert api.put(f"/cases/{case['caseId']}/assignment", leader, {"userId": assessor}).status == 200
    assert api.put(f"/cases/{cases[1]['caseId']}/assignment", leader,
                   {"userId": world.community.assessor2}).status == 200
    mine = api.get("/cases", world.community.reader, query={"assignedTo": assessor}).json()["items"]
    assert [c["caseId"] for c in mine] == [cases[2]["caseId"], cases[0]["caseId"]]  # Clark, Young
    assert all(c["assignedTo"] == assessor for c in mine)
    # another service's worker holds nothing here, and their cases never show
    open_case(api, world.prison.leader, urn="URN-P2")
    assert api.get("/cases", world.community.reader,
                   query={"assignedTo": world.prison.assessor, "status": "all"}).json()["items"] == []


def test_paging_the_cases_table_returns_every_case_once_in_order(world, api):
    """Paging 7 cases 3 at a time returns each case exactly once, in order, for both sorts."""
    cases = seven_cases(api, world.community.leader)
    for sort, key in SORT_KEYS.items():
        pages = all_pages(api, "/cases", world.community.reader, {"limit": 3, "sort": sort})
        assert [len(p) for p in pages] == [3, 3, 1], sort
        assert [c["caseId"] for page in pages for c in page] == [c["caseId"] for c in sorted(cases, key=key)], sort


def test_paging_all_statuses_merges_open_and_closed_cases_in_order(world, api):
    """status=all merges open and closed cases into one ordered list across pages, each case once."""
    cases = seven_cases(api, world.community.leader)
    for case in (cases[0], cases[3], cases[4]):  # Young, evans, Baker: spread through both orders
        close_directly(case["caseId"])
    for sort, key in SORT_KEYS.items():
        pages = all_pages(api, "/cases", world.community.reader, {"limit": 3, "sort": sort, "status": "all"})
        listed = [c["caseId"] for page in pages for c in page]
        assert listed == [c["caseId"] for c in sorted(cases, key=key)], sort
        assert all(len(p) <= 3 for p in pages), sort


def test_a_limit_outside_1_to_200_is_422_naming_limit(world, api):
    """limit must be 1..200: anything else is 422 naming limit."""
    for limit in (0, 201, -1, "ten"):
        assert_problem(api.get("/cases", world.community.reader, query={"limit": limit}), 422, "limit")
    for limit in (1, 200):
        assert api.get("/cases", world.community.reader, query={"limit": limit}).status == 200


def test_a_garbage_next_token_is_400(world, api):
    """A next token that is not one the list issued is 400 naming next."""
    open_case(api, world.community.leader, urn="URN-G1")
    for token in ("garbage!!", "e30x", "%%%"):
        assert_problem(api.get("/cases", world.community.reader, query={"next": token}), 400, "next")


def test_a_next_token_forged_for_another_services_cases_is_400(world, api):
    """A token pointing into another service's partition, or not shaped as a start key, is 400."""
    open_case(api, world.community.leader, urn="URN-G2")
    theirs = open_case(api, world.prison.leader, urn="URN-G3")
    forged = paging.encode({"pk": {"S": f"prison#PERSON#{theirs['urn']}"}, "sk": {"S": "CASE#0000000001"},
                            "serviceStatus": {"S": "prison#open"}, "surnameKey": {"S": "a"}})
    assert_problem(api.get("/cases", world.community.reader, query={"next": forged}), 400, "next")
    forged_all = paging.encode({"open": {"serviceStatus": {"S": "prison#open"}}})
    assert_problem(api.get("/cases", world.community.reader, query={"next": forged_all, "status": "all"}), 400,
                   "next")
    assert_problem(api.get("/cases", world.community.reader, query={"next": paging.encode([1, 2])}), 400, "next")


def test_a_next_token_that_is_not_a_whole_start_key_is_400(world, api):
    # Well-formed and inside the caller's own partition, but missing the table and index keys a start key
    # needs: DynamoDB refuses such an ExclusiveStartKey, so the API must refuse the token itself (400), not
    # pass it on and fail (500).
    """A token holding only part of a start key is 400, never passed on to DynamoDB."""
    open_case(api, world.community.leader, urn="URN-G4")
    partial = paging.encode({"serviceStatus": {"S": "community#open"}})
    assert_problem(api.get("/cases", world.community.reader, query={"next": partial}), 400, "next")


def test_a_deeply_nested_next_token_is_400(world, api):
    # within the route's 2048-character limit, but nested past json's recursion limit
    """A token nested past JSON's recursion limit is 400, not a crash."""
    token = base64.urlsafe_b64encode(b"[" * 1500).decode().rstrip("=")
    assert_problem(api.get("/cases", world.community.reader, query={"next": token}), 400, "next")


# ---------------------------------------------------------------- audit


def test_audit_has_an_entry_per_change_with_actor_and_before_after(world, api):
    """The case's audit trail has one entry per change, oldest first, with actor and before/after."""
    leader, assessor = world.community.leader, world.community.assessor
    case = open_case(api, leader, urn="URN-700")
    url = f"/cases/{case['caseId']}/assignment"
    assert api.put(url, leader, {"userId": assessor}).status == 200
    assert api.put(url, leader, {"userId": None}).status == 200

    answer = api.get(f"/cases/{case['caseId']}/audit", world.community.reader)  # whoever reads the case
    assert answer.status == 200
    entries = answer.json()["items"]
    assert [e["action"] for e in entries] == ["case.opened", "case.assigned", "case.unassigned"]
    assert all(e["actorId"] == leader and e["at"].endswith("Z") for e in entries)
    assert entries[0]["after"] == {"caseNumber": case["caseNumber"], "urn": "URN-700", "caseType": "ls-cmi"}
    assert (entries[1]["before"], entries[1]["after"]) == ({"assignedTo": None}, {"assignedTo": assessor})
    assert (entries[2]["before"], entries[2]["after"]) == ({"assignedTo": assessor}, {"assignedTo": None})
    assert [e["at"] for e in entries] == sorted(e["at"] for e in entries)


def test_audit_pages(world, api):
    """The audit trail pages with limit and next, losing nothing."""
    leader = world.community.leader
    case = open_case(api, leader, urn="URN-701")
    for worker in (world.community.assessor, world.community.assessor2, None):
        api.put(f"/cases/{case['caseId']}/assignment", leader, {"userId": worker})
    pages = all_pages(api, f"/cases/{case['caseId']}/audit", leader, {"limit": 2})
    assert [len(p) for p in pages] == [2, 2]
    assert [e["action"] for p in pages for e in p] == ["case.opened", "case.assigned", "case.assigned",
                                                      "case.unassigned"]


# ---------------------------------------------------------------- refusals on every route


def route_calls(world, api: Api) -> list[tuple[str, str, Any]]:
    """Every route of the template as (method, concrete path, a body that would otherwise be accepted)."""
    case = open_case(api, world.community.leader, urn="URN-ROUTES")
    values = {"caseId": case["caseId"], "urn": "URN-ROUTES", "userId": world.community.assessor,
              "docId": "01JDROUTES0000000000000000", "versionId": "01JDROUTES0000000000000001",
              "destinationId": "01JDROUTES0000000000000002", "exportId": "01JDROUTES0000000000000003",
              "importId": "01JDROUTES0000000000000004", "email": "someone@example.org"}
    values.update(discussionId="01JDROUTES0000000000000005", notificationId="01JDROUTES0000000000000006",
                  taskId="01JDROUTES0000000000000007")
    values.update(assessmentId="01JDROUTES0000000000000008", planId="01JDROUTES0000000000000009",
                  approvalId="01JDROUTES000000000000000A", section="2", visitId="01JDROUTES000000000000000B")
    document = {"title": "Refused", "fileName": "refused.pdf", "contentType": "application/pdf", "size": 10}
    bodies = {
        "POST /people": person_body("URN-REFUSED"),
        "POST /cases": {"urn": "URN-ROUTES", "caseType": "ls-cmi"},
        "PUT /cases/{caseId}/assignment": {"userId": world.community.assessor},
        "POST /library": document,
        "PUT /library/{docId}": document,
        "POST /destinations": {"name": "Refused", "email": "refused@example.org"},
        "POST /import-senders": {"email": "refused@example.org"},
        "POST /exports": {"caseId": case["caseId"], "destinationId": "01JDROUTES0000000000000002"},
        "POST /imports": {"size": 100},
        "POST /imports/{importId}/confirm": {},
        "POST /people/{urn}/mappa": {"dateOfDiscussion": "2026-01-05", "reviewDate": "2026-06-01", "level": 1,
                                     "category": 1, "details": "Refused"},
        "PATCH /mappa/{discussionId}": {"level": 2},
        "POST /mappa/{discussionId}/notifications": {"recipients": [world.community.assessor],
                                                     "dateNotified": "2026-01-05"},
    }
    maintenance = {"confirm": "DELETE CASE 1", "reason": "refused"}
    bodies.update({
        "POST /cases/{caseId}/assessments": {"kind": "full"},
        "PUT /cases/{caseId}/assessments/{assessmentId}/sections/{section}": {"text": "refused"},
        "POST /cases/{caseId}/assessments/{assessmentId}/override": {
            "kind": "clinical", "requestedLevel": "high", "rationale": "refused"},
        "POST /cases/{caseId}/plans": {"assessmentId": "01JDROUTES0000000000000002"},
        "PUT /cases/{caseId}/plans/{planId}/sections/{section}": {"text": "refused"},
        "POST /cases/{caseId}/closure-requests": {"kind": "no-plan", "rationale": "refused"},
        "POST /approvals/{approvalId}/decision": {"decision": "approve"},
        "POST /cases/{caseId}/assessments/{assessmentId}/deletion": maintenance,
        "POST /cases/{caseId}/assessments/{assessmentId}/unlock": maintenance,
        "POST /cases/{caseId}/deletion": maintenance,
        "POST /people/{urn}/deletion": maintenance,
    })
    calls = []
    for route in template.routes():
        path = route.path
        for name, value in values.items():
            path = path.replace("{" + name + "}", value)
        assert "{" not in path, f"no test value for a parameter of {route.key}"
        calls.append((route.method, path, bodies.get(route.key)))
    assert len(calls) >= 13
    return calls


def assert_nothing_changed(world, api: Api) -> None:
    assert_problem(api.get("/people/URN-REFUSED", world.community.leader), 404)
    person = api.get("/people/URN-ROUTES", world.community.leader).json()
    assert len(person["cases"]) == 1
    assert person["cases"][0]["assignedTo"] is None and person["cases"][0]["version"] == 1
    assert api.get("/library", world.community.admin).json()["items"] == []
    assert api.get("/people/URN-ROUTES/mappa", world.community.leader).json()["items"] == []


def test_every_route_refuses_a_request_without_a_token(world, api):
    """Every route of the template answers 401 without a token (gateway) or without a subject (function)."""
    calls = route_calls(world, api)
    # API Gateway's JWT authorizer refuses a request with no token before any function runs
    statuses = {f"{m} {p}": api.call(m, p, None, body=b).status for m, p, b in calls}
    assert statuses == {key: 401 for key in statuses}
    # and each function refuses on its own an event whose claims name nobody (no `sub`)
    answers = {f"{m} {p}": invoke(m, p, headers={"content-type": "application/json"},
                                  body=None if b is None else json.dumps(b), claims={"token_use": "id"})
               for m, p, b in calls}
    assert {k: a.status for k, a in answers.items()} == {k: 401 for k in answers}
    assert all(a.headers["content-type"] == PROBLEM for a in answers.values())
    assert_nothing_changed(world, api)


def test_every_route_refuses_a_user_the_directory_does_not_know(world, api):
    """Every route answers 403 to a signed-in user who is not in the directory, and changes nothing."""
    calls = route_calls(world, api)
    answers = {f"{m} {p}": api.call(m, p, "stranger-from-the-user-pool", body=b) for m, p, b in calls}
    assert {k: a.status for k, a in answers.items()} == {k: 403 for k in answers}
    assert all(a.headers["content-type"] == PROBLEM for a in answers.values())
    assert_nothing_changed(world, api)


def test_every_route_refuses_a_locked_user_whatever_their_token_says(world, api):
    """Every route answers 403 'locked' to a locked user with a valid token, and changes nothing."""
    calls = route_calls(world, api)
    answers = {f"{m} {p}": api.call(m, p, world.community.locked, body=b) for m, p, b in calls}
    assert {k: a.status for k, a in answers.items()} == {k: 403 for k in answers}
    assert all("locked" in a.json()["detail"] for a in answers.values())
    assert_nothing_changed(world, api)


def test_read_only_users_cannot_record_people_or_open_cases(world, api):
    """Read-only users (THR-3) get 403 on POST /people and POST /cases, and nothing is written."""
    open_case(api, world.community.leader, urn="URN-RO")
    for reader in (world.community.reader, world.prison.reader):
        assert_problem(api.post("/people", reader, person_body("URN-RO-NEW")), 403)
        assert_problem(api.post("/cases", reader, {"urn": "URN-RO", "caseType": "ls-cmi"}), 403)
    assert_problem(api.get("/people/URN-RO-NEW", world.community.leader), 404)
    assert len(api.get("/people/URN-RO", world.community.leader).json()["cases"]) == 1


def test_every_row_of_a_person_with_two_cases_shows_multiple_cases(world, api):
    # given a person with one case, then a second case opened for them
    leader = world.community.leader
    first = open_case(api, leader, urn="URN-M2", surname="Twice")
    assert first["multipleCases"] is False
    second = api.post("/cases", leader, {"urn": "URN-M2", "caseType": "ls-cmi"}).json()
    # then both cases say so, read alone or as rows of the system cases table, and a third keeps it
    assert second["multipleCases"] is True
    assert api.get(f"/cases/{first['caseId']}", leader).json()["multipleCases"] is True
    third = api.post("/cases", leader, {"urn": "URN-M2", "caseType": "ls-cmi"}).json()
    rows = {c["caseId"]: c for c in api.get("/cases", world.community.reader).json()["items"]}
    assert all(rows[c["caseId"]]["multipleCases"] for c in (first, second, third))
    other = open_case(api, leader, urn="URN-M3", surname="Once")
    assert rows.get(other["caseId"], other)["multipleCases"] is False

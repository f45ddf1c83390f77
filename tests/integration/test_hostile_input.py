"""Hostile bodies on every route that reads one (issue 11; R4: every client mistake is a 4xx problem+json naming
what was wrong, never a 5xx, and nothing is written), through the real handlers as API Gateway calls them; and
booleans in requests are strictly JSON booleans (MAP-4, MAP-5, TRN-3, LSA-2)."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local import openapi, template
from local.dispatch import Answer, invoke
from tests.integration.test_assignment import assert_problem
from tests.support import World, open_case, person_body

PROBLEM = "application/problem+json"
DEPTH_LIMIT = 64
ID = "01HOSTILE0000000000000000X"
DAY = "2026-01-06"
PATH_VALUES = {"urn": "URN-HOSTILE", "section": "1"}

# A body each route accepts (before it looks anything up), so one hostile field is the only thing wrong with it.
VALID: dict[str, dict[str, Any]] = {
    "POST /people": person_body("URN-HOSTILE"),
    "POST /cases": {"urn": "URN-HOSTILE", "caseType": "ls-cmi"},
    "PUT /cases/{caseId}/assignment": {"userId": "community-assessor"},
    "POST /cases/{caseId}/assessments": {"kind": "full"},
    "PUT /cases/{caseId}/assessments/{assessmentId}/sections/{section}": {
        "answers": {"2.1": True, "2.2": 3, "2.3": "text"}, "text": "notes", "fullAssessmentMerited": False},
    "POST /cases/{caseId}/assessments/{assessmentId}/override": {
        "kind": "clinical", "requestedLevel": "high", "rationale": "why"},
    "POST /cases/{caseId}/plans": {"assessmentId": ID},
    "PUT /cases/{caseId}/plans/{planId}/sections/{section}": {
        "answers": {}, "text": "plan", "actions": [{"need": "n", "action": "a", "timescale": "t"}],
        "contingency": "c"},
    "POST /cases/{caseId}/assessments/{assessmentId}/deletion": {"confirm": "DELETE ASSESSMENT 1", "reason": "r"},
    "POST /cases/{caseId}/assessments/{assessmentId}/unlock": {"confirm": "UNLOCK ASSESSMENT 1", "reason": "r"},
    "POST /cases/{caseId}/deletion": {"confirm": "DELETE CASE 1", "reason": "r"},
    "POST /people/{urn}/deletion": {"confirm": "DELETE PERSON URN-HOSTILE", "reason": "r"},
    "POST /cases/{caseId}/closure-requests": {"kind": "no-plan", "rationale": "done"},
    "POST /approvals/{approvalId}/decision": {"decision": "approve", "destructionDate": DAY, "comment": "ok"},
    "POST /people/{urn}/mappa": {"dateOfDiscussion": DAY, "reviewDate": "2026-02-06", "level": 2, "category": 1,
                                 "details": "plan", "endCurrent": False},
    "PATCH /mappa/{discussionId}": {"level": 2, "details": "plan"},
    "POST /mappa/{discussionId}/notifications": {"recipients": ["community-assessor"], "dateNotified": DAY,
                                                 "sendAlert": True},
    "POST /library": {"title": "Guide", "fileName": "guide.pdf", "contentType": "application/pdf", "size": 10},
    "PUT /library/{docId}": {"title": "Guide", "fileName": "guide.pdf", "contentType": "application/pdf",
                             "size": 10},
    "POST /destinations": {"name": "Northfield", "email": "transfers@northfield.example.org"},
    "POST /import-senders": {"email": "cases@northfield.example.org", "name": "Northfield"},
    "POST /exports": {"caseId": ID, "destinationId": ID, "deliver": "download"},
    "POST /imports": {"fileName": "transfer.json", "size": 10, "reopenLatestCase": False},
    "POST /imports/{importId}/confirm": {"reopenLatestCase": True},
    "POST /cases/{caseId}/cf-assessments": {"authorisedOn": DAY, "priority": 10},
    "PUT /cases/{caseId}/cf-assessments/{assessmentId}/priority": {"priority": 30},
    "POST /cases/{caseId}/cf-assessments/{assessmentId}/completion": {"completedOn": DAY},
    "POST /cases/{caseId}/visits": {"visitType": "statutory", "visitDate": DAY, "note": "Seen alone"},
    "POST /cases/{caseId}/visits/{visitId}/comments": {"comment": "Good work"},
    "POST /cases/{caseId}/events": {"kind": "custody-sentence", "eventDate": DAY, "details": "4 years",
                                    "postReleaseSupervision": True},
    "POST /cases/{caseId}/failed-visits/decisions": {"decision": "Joint visit tomorrow"},
}


def nested(depth: int, kind: str = "array") -> str:
    """JSON nested `depth` deep, built as text (never by recursion)."""
    opening, closing = {"array": ("[", "]"), "object": ('{"a":', "}"), "mixed": ('[{"a":', "}]")}[kind]
    inner = "0" if kind != "array" else ""
    return opening * depth + inner + closing * depth


MULTIPART = '--xyz\r\nContent-Disposition: form-data; name="urn"\r\n\r\nURN-\u20ac\r\n--xyz--\r\n'

# Whole bodies: (name, body, content type or None for no header, the status a client gets, the field it names).
SHAPES: list[tuple[str, str | bytes | None, str | None, int, str]] = [
    ("objects nested 1,000 deep", nested(1000, "object"), "application/json", 400, "body"),
    ("arrays nested 1,000 deep", nested(1000), "application/json", 400, "body"),
    ("objects in arrays nested 1,000 deep", nested(1000, "mixed"), "application/json", 400, "body"),
    ("a field nested 1,000 deep", '{"urn": ' + nested(1000) + "}", "application/json", 400, "body"),
    ("nested 65 deep", nested(DEPTH_LIMIT + 1), "application/json", 400, "body"),
    ("brackets inside strings are not nesting", json.dumps({"x": "[{" * 5000}), "application/json", 422, "x"),
    ("text/plain", json.dumps({"x": 1}), "text/plain", 415, "Content-Type"),
    ("multipart/form-data without a boundary", json.dumps({"x": 1}), "multipart/form-data", 415, "Content-Type"),
    ("multipart/form-data with a boundary", MULTIPART, "multipart/form-data; boundary=xyz", 415, "Content-Type"),
    ("a form", "urn=URN-1&forename=A", "application/x-www-form-urlencoded", 415, "Content-Type"),
    ("XML", "<person><urn>URN-1</urn></person>", "application/xml", 415, "Content-Type"),
    ("a JSON-like media type", json.dumps({"x": 1}), "application/jsonp", 415, "Content-Type"),
    ("a garbage content type", json.dumps({"x": 1}), ";;\x7f=/=", 415, "Content-Type"),
    ("an empty content type, read as JSON", json.dumps({"x": 1}), "", 422, "x"),
    ("no content type, read as JSON", json.dumps({"x": 1}), None, 422, "x"),
    ("JSON with a charset", json.dumps({"x": 1}), "application/json; charset=utf-8", 422, "x"),
    ("JSON in capitals", json.dumps({"x": 1}), "Application/JSON", 422, "x"),
    ("no body", None, "application/json", 422, "body"),
    ("an empty body", "", "application/json", 422, "body"),
    ("an empty body typed text/plain", "", "text/plain", 422, "body"),
    ("an empty body typed multipart without a boundary", "", "multipart/form-data", 422, "body"),
    ("blank", "  \n", "application/json", 400, "body"),
    ("not JSON", '{"urn": ', "application/json", 400, "body"),
    ("NaN is not JSON", '{"x": NaN}', "application/json", 400, "body"),
    ("Infinity is not JSON", '[Infinity]', "application/json", 400, "body"),
    ("a number of 5,000 digits", "1" * 5000, "application/json", 400, "body"),
    ("Latin-1 bytes", json.dumps({"surname": "Müller"}, ensure_ascii=False).encode("latin-1"), "application/json",
     400, "body"),
    ("bytes that are no text", b"\xff\xfe\x00\x81{}", "application/json", 400, "body"),
    ("a 1 MB string", json.dumps({"x": "x" * 1_000_000}), "application/json", 422, "x"),
    ("a 1 MB key", json.dumps({"x" * 1_000_000: 1}), "application/json", 422, "x" * 1_000_000),
    ("an array", "[]", "application/json", 422, "body"),
    ("a number", "42", "application/json", 422, "body"),
    ("a string", '"body"', "application/json", 422, "body"),
    ("true", "true", "application/json", 422, "body"),
    ("null", "null", "application/json", 422, "body"),
]

# Field values wrong for every field of every request body (whatever its type).
WRONG_FOR_ANY_FIELD: list[tuple[str, str]] = [
    ("a 1 MB string", json.dumps("x" * 1_000_000)),
    ("half a character (a lone surrogate)", '"A\\ud800"'),
    ("100,000 items", json.dumps(["x"] * 100_000)),
    ("arrays nested 60 deep", nested(60)),
    ("objects nested 60 deep", nested(60, "object")),
]
# ... and wrong for every field of a JSON type (strict booleans; numbers are never text, text never a number).
WRONG_FOR_TYPE: dict[str, list[str]] = {
    "string": ["12345", "true", "[]", "{}"],
    "integer": ['"one"', "1.5", "[]", "{}"],
    "boolean": ['"yes"', '"true"', "1", "0", '"on"', "[]", "{}"],
    "array": ['"x"', "{}", "1"],
    "object": ['"x"', "[]", "1"],
}


@cache
def request_schemas() -> dict[str, dict[str, Any]]:
    """Route key -> the JSON Schema of the body it declares, from the OpenAPI document the code generates."""
    document = openapi.document()
    components = document["components"]["schemas"]
    found = {}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody")
            if body:
                found[f"{method.upper()} {path}"] = _deref(body["content"]["application/json"]["schema"], components)
    return found


def _deref(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    return {**schema, "properties": {name: _resolved(prop, components)
                                     for name, prop in schema.get("properties", {}).items()}}


def _resolved(prop: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in prop:
        prop = components[prop["$ref"].rsplit("/", 1)[1]]
    return prop


def json_types(prop: dict[str, Any]) -> set[str]:
    """The JSON types a property takes besides null (an enum is a string; a nested model an object)."""
    types = {prop["type"]} if "type" in prop else set()
    for option in prop.get("anyOf", []):
        types |= {option["type"]} if "type" in option else {"object"}  # a $ref: all our nullable refs are models
    return types - {"null"}


def body_routes() -> list[template.Route]:
    schemas = request_schemas()
    return [r for r in template.routes() if r.key in schemas]


def path_of(route: template.Route) -> str:
    return re.sub(r"\{([^}]+)\}", lambda m: PATH_VALUES.get(m.group(1), ID), route.path)


def send(route: template.Route, user: str, body: str | bytes | None, content_type: str | None) -> Answer:
    """As tests.support.Api, but the content type (or its absence) is the test's to choose."""
    headers = {} if content_type is None else {"content-type": content_type}
    return invoke(route.method, path_of(route), headers=headers, body=body,
                  claims={"sub": user, "token_use": "id"})


def with_field(route: template.Route, field: str, raw: str) -> str:
    """The route's valid body with one field's value replaced by raw JSON text."""
    text = json.dumps({**VALID[route.key], field: "\x00HOSTILE\x00"})
    return text.replace(json.dumps("\x00HOSTILE\x00"), raw)


def snapshot() -> dict[str, list[str]]:
    client = boto3.client("dynamodb")
    tables = [template.local_name(logical_id) for logical_id in template.tables()]
    return {t: sorted(json.dumps(i, sort_keys=True) for i in client.scan(TableName=t)["Items"]) for t in tables}


def caller_for(world: World, route: template.Route) -> str:
    """A user allowed to call the route: administration is the business administrator's, the rest a team
    leader's."""
    administration = ("/library", "/destinations", "/import-senders")
    return world.community.admin if route.path.startswith(administration) else world.community.leader


def refused(answer: Answer, what: str) -> dict[str, Any]:
    assert answer.status < 500, (what, answer.status, answer.body[:300])
    assert 400 <= answer.status < 500, (what, answer.status, answer.body[:300])
    assert answer.headers["content-type"] == PROBLEM, (what, answer.headers)
    problem = answer.json()
    assert problem["status"] == answer.status and {"type", "title", "detail"} <= set(problem), (what, problem)
    return problem


# ---------------------------------------------------------------- the routes


def test_r4_every_route_that_reads_a_body_is_driven():
    """Every POST/PUT/PATCH route of the template either declares a body model (and is driven here) or reads
    none; the 31 with a body each have a valid body to spoil."""
    writes = {r.key for r in template.routes() if r.method in ("POST", "PUT", "PATCH")}
    with_body = {r.key for r in body_routes()}
    assert with_body <= writes and len(with_body) == 31
    assert set(VALID) == with_body
    assert writes - with_body == {"POST /cases/{caseId}/reassessments", "POST /worktray/{taskId}/complete",
                                  "POST /notifications/{notificationId}/acknowledge",
                                  "POST /cases/{caseId}/assessments/{assessmentId}/lock",
                                  "POST /cases/{caseId}/visits/{visitId}/finalise"}


# ---------------------------------------------------------------- hostile bodies on every route


def test_r4_hostile_bodies_on_every_route_are_4xx_problems_and_write_nothing(world):
    """Each route × each hostile body: a 4xx problem+json naming the body, the header or the field, and no
    table changes."""
    before = snapshot()
    for route in body_routes():
        user = caller_for(world, route)
        for name, body, content_type, status, field in SHAPES:
            what = f"{route.key}: {name}"
            problem = refused(send(route, user, body, content_type), what)
            assert problem["status"] == status, (what, problem)
            assert field in [e["field"] for e in problem.get("errors", [])], (what, problem)
    assert snapshot() == before


def test_r4_a_wrong_value_in_any_field_is_422_naming_that_field_and_writes_nothing(world):
    """Each route × each field × values that field can't take (huge, nested, of the wrong JSON type, `"yes"` for
    a boolean): 422 naming that field alone, and no table changes."""
    before = snapshot()
    for route in body_routes():
        user = caller_for(world, route)
        for field, prop in request_schemas()[route.key]["properties"].items():
            values = WRONG_FOR_ANY_FIELD + [(f"{t}: {v}", v) for t in json_types(prop) for v in WRONG_FOR_TYPE[t]]
            for name, raw in values:
                what = f"{route.key} {field}: {name[:40]}"
                problem = refused(send(route, user, with_field(route, field, raw), "application/json"), what)
                assert problem["status"] == 422, (what, problem)
                named = {e["field"].split(".")[0] for e in problem["errors"]}
                assert named == {field}, (what, problem)
    assert snapshot() == before


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=20,
)
content_types = st.sampled_from([None, "", "application/json", "application/json; charset=utf-8", "text/plain",
                                 "multipart/form-data", "multipart/form-data; boundary=b",
                                 "application/x-www-form-urlencoded", "application/xml", "*/*"])


def test_r4_random_bodies_on_every_route_never_get_a_5xx(world):
    """Random JSON (whole bodies, or a route's valid body with one field replaced), random bytes and random
    content types: never a 5xx; every 4xx is problem+json; nothing is written."""
    routes = body_routes()
    before = snapshot()
    accepted: list[str] = []

    @settings(max_examples=300, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(route=st.sampled_from(routes), content_type=content_types, data=st.data())
    def drive(route: template.Route, content_type: str | None, data: st.DataObject) -> None:
        fields = list(request_schemas()[route.key]["properties"])
        body = data.draw(st.one_of(
            json_values.map(json.dumps),
            st.tuples(st.sampled_from(fields), json_values).map(lambda fv: with_field(route, fv[0], json.dumps(fv[1]))),
            st.binary(max_size=200),
        ))
        answer = send(route, caller_for(world, route), body, content_type)
        if answer.status < 400:
            accepted.append(route.key)  # a random body that happens to be valid: its write is legitimate
            return
        refused(answer, f"{route.key} {content_type!r} {body[:200]!r}")

    drive()
    if not accepted:
        assert snapshot() == before


# ---------------------------------------------------------------- what a client is told


def test_r4_a_body_nested_too_deep_is_400_naming_body_and_the_limit(world, api):
    """1,000 levels of nesting (a 2 KB body) was a RecursionError (500): now 400, the limit named."""
    answer = api.post("/people", world.community.leader, nested(1000))
    problem = assert_problem(answer, 400, "body")
    assert f"deeper than {DEPTH_LIMIT}" in problem["errors"][0]["message"]
    # 64 levels are within the limit: the body is read (and refused for its shape)
    assert_problem(api.post("/people", world.community.leader, nested(DEPTH_LIMIT)), 422, "body")
    assert_problem(api.get("/people/URN-HOSTILE", world.community.leader), 404)


def test_r4_multipart_without_a_boundary_is_415_naming_content_type(world, api):
    """`multipart/form-data` without a boundary was a ValueError (500): now 415 naming the header and what is
    accepted."""
    answer = api.post("/people", world.community.leader, person_body("URN-HOSTILE"),
                      headers={"content-type": "multipart/form-data"})
    problem = assert_problem(answer, 415, "Content-Type")
    assert "application/json" in problem["errors"][0]["message"]
    assert_problem(api.get("/people/URN-HOSTILE", world.community.leader), 404)


def test_r4_text_plain_is_415_problem_json(world, api):
    """text/plain was a 415 in powertools' own shape (application/json): now problem+json naming the header."""
    answer = api.post("/people", world.community.leader, person_body("URN-HOSTILE"),
                      headers={"content-type": "text/plain"})
    problem = assert_problem(answer, 415, "Content-Type")
    assert "text/plain" in problem["detail"] and "application/json" in problem["detail"]


def test_r4_json_sent_without_a_content_type_or_with_a_charset_is_read(world, api):
    """Clients that send JSON with no Content-Type, or with `; charset=utf-8`, are served as before."""
    leader = world.community.leader
    route = next(r for r in body_routes() if r.key == "POST /people")
    assert send(route, leader, json.dumps(person_body("URN-CT1")), None).status == 201
    assert send(route, leader, json.dumps(person_body("URN-CT2")), "application/json; charset=UTF-8").status == 201
    assert api.get("/people/URN-CT2", leader).status == 200


def test_r4_a_route_without_a_body_ignores_the_content_type_of_an_empty_body(world, api):
    """A route that reads no body is not refused for the Content-Type a client library sends with an empty one:
    the route runs (and here says what the assessment still lacks)."""
    leader = world.community.leader
    case = open_case(api, leader, urn="URN-NOBODY")
    started = api.post(f"/cases/{case['caseId']}/assessments", leader, {"kind": "initial"}).json()
    for content_type in ("text/plain", "multipart/form-data", "application/x-www-form-urlencoded"):
        answer = api.post(f"/cases/{case['caseId']}/assessments/{started['assessmentId']}/lock", leader, "",
                          headers={"content-type": content_type})
        assert "complete these sections" in assert_problem(answer, 422, "sections")["detail"]


# ---------------------------------------------------------------- booleans are strict


def notification(world: World, send_alert: Any) -> dict[str, Any]:
    return {"recipients": [world.community.assessor], "dateNotified": DAY, "sendAlert": send_alert}


@pytest.mark.parametrize("value", ["yes", "true", "false", 1, 0, "on", None])
def test_map5_send_alert_is_strictly_boolean(world, api, value):
    """MAP-5 "whether to send an alert": only JSON true or false; "yes" or 1 is 422 naming sendAlert."""
    answer = api.post(f"/mappa/{ID}/notifications", world.community.leader, notification(world, value))
    assert_problem(answer, 422, "sendAlert")


def test_map5_a_json_boolean_send_alert_is_accepted(world, api):
    answer = api.post(f"/mappa/{ID}/notifications", world.community.leader, notification(world, False))
    assert_problem(answer, 404)  # past validation: the discussion doesn't exist


@pytest.mark.parametrize("value", ["yes", "true", 1, None])
def test_map4_end_current_is_strictly_boolean(world, api, value):
    """MAP-4 "end the previous one": only a JSON boolean; nothing is recorded otherwise."""
    leader = world.community.leader
    api.post("/people", leader, person_body("URN-MAP4"))
    body = {**VALID["POST /people/{urn}/mappa"], "endCurrent": value}
    assert_problem(api.post("/people/URN-MAP4/mappa", leader, body), 422, "endCurrent")
    assert api.get("/people/URN-MAP4/mappa", leader).json()["items"] == []


@pytest.mark.parametrize("value", ["yes", "true", "1", 1, 0])
def test_trn3_reopen_latest_case_is_strictly_boolean(world, api, value):
    """TRN-3 "the latest case can be reopened": at upload and at confirmation, only a JSON boolean; no import
    job is started for `"yes"`."""
    leader = world.community.leader
    before = snapshot()
    assert_problem(api.post("/imports", leader, {"size": 10, "reopenLatestCase": value}), 422, "reopenLatestCase")
    assert_problem(api.post(f"/imports/{ID}/confirm", leader, {"reopenLatestCase": value}), 422,
                   "reopenLatestCase")
    assert snapshot() == before


def test_lsa2_full_assessment_merited_is_strictly_boolean(world, api):
    """LSA-2 7.3.2 "is a full risk of serious harm assessment merited?": "yes" is not an answer to it."""
    path = f"/cases/{ID}/assessments/{ID}/sections/7"
    answer = api.put(path, world.community.leader, {"fullAssessmentMerited": "yes"})
    assert_problem(answer, 422, "fullAssessmentMerited")


def test_r4_every_boolean_of_every_request_model_is_strict():
    """No request model (`...In`, and what they nest) takes "yes", "true" or 1 for a boolean."""
    import importlib
    import pkgutil

    from pydantic import ValidationError

    import casework.schemas
    from casework.schemas.common import In

    for module in pkgutil.iter_modules(casework.schemas.__path__):
        importlib.import_module(f"casework.schemas.{module.name}")

    def subclasses(cls: type[In]) -> set[type[In]]:
        found = set(cls.__subclasses__())
        return found | {s for c in found for s in subclasses(c)}

    checked = 0
    for model in subclasses(In):
        for name, prop in model.model_json_schema(by_alias=True).get("properties", {}).items():
            if json_types(prop) != {"boolean"}:
                continue
            for value in ("yes", "true", 1):
                with pytest.raises(ValidationError) as refusal:
                    model.model_validate({name: value})
                assert any(e["loc"][:1] == (name,) and e["type"] == "bool_type" for e in refusal.value.errors()), \
                    (model.__name__, name, value)
            checked += 1
    assert checked >= 5  # sendAlert, endCurrent, reopenLatestCase (twice), fullAssessmentMerited

"""The local runner's reading of the template and its API Gateway events."""

from __future__ import annotations

import base64

from local import template
from local.events import http_event


def test_literal_routes_win_over_parameters_as_in_api_gateway():
    route, params = template.match("GET", "/cases/unassigned")
    assert route.path == "/cases/unassigned" and params == {}
    route, params = template.match("GET", "/cases/01ABC")
    assert route.path == "/cases/{caseId}" and params == {"caseId": "01ABC"}
    assert template.match("DELETE", "/cases/01ABC") is None
    assert template.match("GET", "/nowhere") is None


def test_routes_come_from_the_template_with_their_functions():
    keys = {r.key: r.function for r in template.routes()}
    assert keys["PUT /cases/{caseId}/assignment"] == "AssignmentFunction"
    assert keys["GET /cases/{caseId}"] == "CasesFunction"


def test_event_is_shaped_as_api_gateway_http_api_payload_2():
    event = http_event("POST", "/cases", route_key="POST /cases", query="a=1&a=2&b=",
                       headers={"Content-Type": "application/json"}, body='{"x": 1}', claims={"sub": "u1"})
    assert event["version"] == "2.0" and event["routeKey"] == "POST /cases"
    assert event["requestContext"]["authorizer"]["jwt"]["claims"] == {"sub": "u1"}
    assert event["requestContext"]["http"]["method"] == "POST"
    assert event["requestContext"]["requestId"]
    assert event["queryStringParameters"] == {"a": "1,2", "b": ""}
    assert event["headers"] == {"content-type": "application/json"}
    assert event["body"] == '{"x": 1}' and event["isBase64Encoded"] is False


def test_a_body_that_is_not_utf8_arrives_base64_encoded():
    event = http_event("POST", "/people", route_key="POST /people", body=b"\xff\xfe", claims={"sub": "u"})
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\xff\xfe"


def test_local_names_and_references_resolve_like_cloudformation():
    assert template.local_name("RecordsTable") == "casework-records-table"
    assert template.resolve({"Ref": "RecordsTable"}) == "casework-records-table"
    assert template.resolve({"Ref": "CallerCacheSeconds"}) == "30"

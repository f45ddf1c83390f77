"""R4 over HTTP, as the findings were made: every route that reads a body, with every hostile body shape of
tests/integration/test_hostile_input.py, sent to the local runner as a client sends it. Each answer is a 4xx
problem+json of the function (the same status as in-process), never a 5xx and never the gateway's 500."""

from __future__ import annotations

import pytest

from tests.integration.test_hostile_input import SHAPES, body_routes, path_of

pytestmark = pytest.mark.e2e
PROBLEM = "application/problem+json"


def test_r4_hostile_bodies_over_http_are_4xx_problems_on_every_body_route(local_run):
    tried, server_errors = 0, []
    for route in body_routes():
        user = "COMMUNITY_ADMIN" if route.path.startswith(("/library", "/destinations", "/import-senders")) \
            else "COMMUNITY_LEADER"
        for name, body, content_type, status, _field in SHAPES:
            headers = {} if content_type is None else {"Content-Type": content_type}
            answer = local_run.call(route.method, path_of(route), user, headers=headers,
                                    data=body.encode() if isinstance(body, str) else body)
            tried += 1
            if answer.status_code >= 500:
                server_errors.append((route.key, name, answer.status_code, answer.text[:200]))
                continue
            assert answer.headers["content-type"] == PROBLEM, (route.key, name, answer.status_code, answer.text)
            assert answer.status_code == status, (route.key, name, answer.status_code, answer.text[:200])
    assert server_errors == []
    assert tried == len(body_routes()) * len(SHAPES)
    print(f"\nR4 over HTTP: {len(body_routes())} routes x {len(SHAPES)} shapes = {tried} calls, 5xx: 0")

"""The local runner is faithful where tests lean on it: each call to a function runs in an instance of its own
(in parallel, as Lambda scales out), API Gateway's own answers have API Gateway's shape, paths are decoded as
API Gateway decodes them, and each function sees only its environment. Driven over HTTP, from a small template."""

from __future__ import annotations

import threading
from pathlib import Path

import boto3
import pytest
import requests

from tests.e2e.runner import LocalRun

pytestmark = pytest.mark.e2e
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "drivers" / "template.yaml"
EMAIL, PASSWORD = "probe@casework.example.org", "Probe-Passw0rd!"


@pytest.fixture(scope="module")
def probe(tmp_path_factory):
    echo = tmp_path_factory.mktemp("probe") / "echo.jsonl"
    run = LocalRun("--no-seed", env={"CASEWORK_TEMPLATE": str(FIXTURE), "ECHO_FILE": str(echo),
                                     "LOCAL_TIMEOUT_SCALE": "1"})
    idp = boto3.client("cognito-idp", endpoint_url=run.ready["aws"], region_name="eu-west-2",
                       aws_access_key_id="x", aws_secret_access_key="x")
    pool = run.ready["userPoolId"]
    idp.admin_create_user(UserPoolId=pool, Username=EMAIL, MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": EMAIL}])
    idp.admin_set_user_password(UserPoolId=pool, Username=EMAIL, Password=PASSWORD, Permanent=True)
    token = run.call("POST", "/local/token", json={"email": EMAIL, "password": PASSWORD}).json()["idToken"]
    yield run, {"Authorization": f"Bearer {token}"}
    run.stop()


def test_r1_concurrent_calls_to_one_function_run_in_parallel_instances(probe):
    run, auth = probe
    start = threading.Barrier(4)
    answers: list[requests.Response] = []

    def call() -> None:
        start.wait()
        answers.append(run.call("GET", "/slow/1", headers=auth))

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [a.status_code for a in answers] == [200] * 4
    assert len({a.json()["pid"] for a in answers}) == 4  # four instances, each busy with one call at a time


def test_percent_encoded_paths_are_decoded_as_api_gateway_decodes_them(probe):
    run, auth = probe
    answer = run.call("GET", "/ping/a%2Bb%40example.org", headers=auth).json()
    assert answer["params"] == {"word": "a+b@example.org"}
    assert answer["rawPath"] == answer["path"] == "/ping/a+b@example.org"


def test_each_function_has_its_own_environment(probe):
    run, auth = probe
    answer = run.call("GET", "/ping/env", headers=auth).json()
    assert answer["probeOnly"] == "probe" and answer["queueUrl"] is None  # the echo function's variable is not here


@pytest.mark.parametrize(("method", "path", "status", "message"), [
    ("GET", "/nowhere", 404, "Not Found"),
    ("DELETE", "/ping/x", 404, "Not Found"),  # a path that exists, with a method it has no route for
    ("TRACE", "/ping/x", 404, "Not Found"),
    ("POST", "/boom", 500, "Internal Server Error"),  # the handler raised
    ("GET", "/slow/4", 500, "Internal Server Error"),  # past the function's 2 s timeout: stopped
])
def test_answers_api_gateway_makes_itself_have_its_shape(probe, method, path, status, message):
    run, auth = probe
    answer = run.call(method, path, headers=auth)
    assert (answer.status_code, answer.json()) == (status, {"message": message})
    assert answer.headers["content-type"] == "application/json"


def test_no_token_and_too_large_bodies_are_refused_by_the_gateway(probe):
    run, auth = probe
    refused = run.call("GET", "/ping/x")
    assert (refused.status_code, refused.json()) == (401, {"message": "Unauthorized"})
    large = run.call("POST", "/boom", headers=auth, data=b"x" * (10 * 1024 * 1024 + 1))
    assert (large.status_code, large.json()) == (413, {"message": "Request Entity Too Large"})


def test_a_function_that_failed_or_timed_out_still_answers_next_time(probe):
    run, auth = probe
    run.call("GET", "/slow/4", headers=auth)
    assert run.call("GET", "/ping/again", headers=auth).status_code == 200

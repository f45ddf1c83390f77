"""The local runner drives what AWS would: queues into consumers (with partial failures and a DLQ),
S3 notifications through their queue, and schedules on demand, all read from a template."""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import unquote_plus

import boto3
import pytest

from tests.e2e.runner import LocalRun

pytestmark = pytest.mark.e2e
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "drivers" / "template.yaml"


@pytest.fixture
def drivers_run(tmp_path):
    echo = tmp_path / "echo.jsonl"
    run = LocalRun("--no-seed", env={"CASEWORK_TEMPLATE": str(FIXTURE), "ECHO_FILE": str(echo)})
    yield run, echo
    run.stop()


def _events(echo: Path) -> list[dict]:
    return [json.loads(line) for line in echo.read_text().splitlines()] if echo.exists() else []


def _wait(predicate, seconds: float = 20.0) -> None:
    deadline = time.time() + seconds
    while not predicate():
        assert time.time() < deadline, "timed out"
        time.sleep(0.2)


def test_queue_messages_reach_consumer_and_poison_ends_in_dead_letter_queue(drivers_run):
    run, echo = drivers_run
    aws = dict(endpoint_url=run.ready["aws"], region_name="eu-west-2", aws_access_key_id="x",
               aws_secret_access_key="x")
    sqs = boto3.client("sqs", **aws)
    work = sqs.get_queue_url(QueueName="casework-work-queue")["QueueUrl"]
    dead = sqs.get_queue_url(QueueName="casework-work-dead-letters")["QueueUrl"]
    sqs.send_message(QueueUrl=work, MessageBody="hello")
    sqs.send_message(QueueUrl=work, MessageBody="poison")

    bodies = lambda: [r["body"] for e in _events(echo) for r in e.get("Records", [])]  # noqa: E731
    _wait(lambda: "hello" in bodies())
    assert all(r["eventSource"] == "aws:sqs" for e in _events(echo) for r in e.get("Records", []))
    _wait(lambda: int(sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["ApproximateNumberOfMessages"])
                      ["Attributes"]["ApproximateNumberOfMessages"]) == 1)
    assert bodies().count("hello") == 1  # a succeeded item is deleted, never redelivered


def test_s3_upload_reaches_consumer_through_its_queue(drivers_run):
    run, echo = drivers_run
    s3 = boto3.client("s3", endpoint_url=run.ready["aws"], region_name="eu-west-2", aws_access_key_id="x",
                      aws_secret_access_key="x")
    s3.put_object(Bucket="casework-uploads-bucket", Key="in/file.json", Body=b"{}")

    def uploaded() -> bool:
        for event in _events(echo):
            for record in event.get("Records", []):
                body = json.loads(record["body"]) if record["body"].startswith("{") else {}
                keys = [unquote_plus(r["s3"]["object"]["key"]) for r in body.get("Records", [])]  # S3 URL-encodes keys
                if "in/file.json" in keys:
                    return True
        return False

    _wait(uploaded)


def test_schedule_fires_on_demand_with_its_input(drivers_run):
    run, echo = drivers_run
    answer = run.call("POST", "/local/schedules/Tick")
    assert answer.status_code == 200
    assert {"job": "sweep"} in _events(echo)
    assert run.call("POST", "/local/schedules/Nope").status_code == 404

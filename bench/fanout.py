"""One professional notification to many recipients, end to end through the local runner.

The runner is started in this process as `python -m local` starts it (moto server, template resources,
demo data, HTTP gateway, SQS pollers), so every DynamoDB request, the API's and the queue consumer's alike,
is counted with `bench.dynamo.Meter`. The team leader of the demo service posts one notification over HTTP
to `recipients` users added to the directory for the run; the clock stops when every recipient's task
exists and the queue is empty. Reported: the API call's time, the fan-out's time and messages per second,
and DynamoDB requests and items written per delivery (API and consumer together).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.common import ROOT, table

QUEUE = "NotificationsQueue"
LEAD_EMAIL = "leader.community@casework.example.org"


def _post(url: str, token: str, body: Any) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as answer:
        return answer.status, json.loads(answer.read())


def _waiting(cloud: Any) -> int:
    attributes = cloud.client("sqs").get_queue_attributes(
        QueueUrl=cloud.queues[QUEUE],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def run(recipients: int = 200, log: Any = print) -> dict[str, Any]:
    """In a child process: the runner sets AWS_ENDPOINT_URL and caches clients, which must not leak into the
    other benchmarks (they run against moto in-process)."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "fanout.json"
        done = subprocess.run([sys.executable, "-m", "bench.fanout", "--recipients", str(recipients), "--json",
                               str(out)], cwd=ROOT, capture_output=True, text=True)
        log(done.stdout.rstrip())
        if done.returncode != 0 or not out.exists():
            return {"benchmark": "fanout", "recipients": recipients, "problem": done.stderr[-2000:]}
        return json.loads(out.read_text())  # type: ignore[no-any-return]


def measure(recipients: int, log: Any = print) -> dict[str, Any]:
    from local import cloud as cloud_module
    from local import env

    env.credentials()
    cloud = cloud_module.start()
    env.configure(cloud.endpoint)
    env_quiet = io.StringIO()

    from bench.dynamo import Meter
    from casework import admin, notifications
    from casework.store import work
    from local.drivers import Drivers
    from local.gateway import Gateway
    from local.lambdas import InProcess
    from local.seed import PASSWORD, seed

    with contextlib.redirect_stdout(env_quiet):
        seed(cloud)
    invoke = InProcess()
    drivers = Drivers(cloud, invoke)
    gateway = Gateway(cloud, drivers, invoke, host="127.0.0.1", port=0)
    gateway.start()
    meter = Meter()
    try:
        ids = [f"fanout-{n:04d}" for n in range(recipients)]
        for n, user_id in enumerate(ids):
            admin.add_user(user_id, service_id="community", forename=f"Pro{n:04d}", surname="Fanout",
                           email=f"pro{n:04d}@casework.example.org", group_id="assessor", supervisor_id=None,
                           actor_id="bench")
        token = gateway.token(LEAD_EMAIL, PASSWORD)[1]["idToken"]
        listed = json.loads(urllib.request.urlopen(urllib.request.Request(
            f"{gateway.url}/people/URN-100001/mappa", headers={"Authorization": f"Bearer {token}"})).read())
        discussion_id = listed["items"][0]["discussionId"]  # the seeded current discussion

        with meter.installed(), meter.measuring() as calls, contextlib.redirect_stdout(env_quiet):
            drivers.start()
            started = time.perf_counter()
            status, body = _post(f"{gateway.url}/mappa/{discussion_id}/notifications", token, {
                "recipients": ids, "dateNotified": time.strftime("%Y-%m-%d"), "sendAlert": True})
            answered = time.perf_counter()
            api_calls = len(calls)
            api_written = sum(c.written for c in calls)
            assert status == 201, body
            deadline = answered + 600
            while _waiting(cloud) and time.perf_counter() < deadline:
                time.sleep(0.05)
            finished = time.perf_counter()
            drivers.stop()
        notification_id = body["notificationId"]
        delivered = sum(1 for u in ids if work.task(u, notifications.task_id_for(notification_id, u)) is not None)
        consumer_calls = calls[api_calls:]
        written = sum(c.written for c in calls)
        result = {
            "benchmark": "fanout",
            "what": "one MAPPA notification to many recipients through the local runner (API, queue, consumer)",
            "recipients": recipients,
            "delivered_tasks": delivered,
            "api_seconds": round(answered - started, 3),
            "fanout_seconds": round(finished - answered, 3),
            "end_to_end_seconds": round(finished - started, 3),
            "messages_per_second": round(recipients / (finished - answered), 1) if finished > answered else None,
            "api": {"dynamodb_requests": api_calls, "items_written": api_written},
            "consumer": {"dynamodb_requests": len(consumer_calls),
                         "items_written": sum(c.written for c in consumer_calls)},
            "per_delivery": {"dynamodb_requests": round(len(calls) / recipients, 2),
                             "items_written": round(written / recipients, 3),
                             "consumer_items_written": round(sum(c.written for c in consumer_calls) / recipients, 3)},
            "other_requests": dict(meter.others),
            "method": {"runner": "python -m local in process: moto server, gateway, SQS poller (batch 10)",
                       "count": "every DynamoDB request between the POST and the empty queue, by Meter",
                       "note": "moto's DynamoDB is far slower than DynamoDB; read the rates as relative"},
        }
    finally:
        gateway.stop()
        cloud.stop()
    log(f"\nfan-out: one notification to {recipients} recipients through the local runner")
    log(table(["measure", "value"], [
        ["tasks delivered", f"{result['delivered_tasks']}/{recipients}"],
        ["API call (s)", result["api_seconds"]],
        ["fan-out after the API answered (s)", result["fanout_seconds"]],
        ["messages / second", result["messages_per_second"]],
        ["DynamoDB requests per delivery", result["per_delivery"]["dynamodb_requests"]],
        ["DynamoDB items written per delivery", result["per_delivery"]["items_written"]],
        ["API: requests / items written", f"{api_calls} / {api_written}"],
    ], right={1}))
    if delivered != recipients:
        result["problem"] = f"only {delivered} of {recipients} tasks were delivered"
    return result


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fanout")
    parser.add_argument("--recipients", type=int, default=200)
    parser.add_argument("--json", required=True, help="where to write the result")
    args = parser.parse_args()
    result = measure(args.recipients)
    Path(args.json).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

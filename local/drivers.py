"""What AWS would drive, read from the template: SQS queues into their consumer functions (S3
notifications arrive through those queues) and schedules into their functions, on a timer and on demand."""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from local import template
from local.cloud import Cloud

_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_UNIT = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}


Invoker = Callable[[template.Function, dict[str, Any]], Any]  # local.lambdas: Instances, or InProcess in tests


@dataclass(frozen=True)
class QueueSource:
    function: template.Function
    queue: str
    batch_size: int
    reports_failures: bool


@dataclass(frozen=True)
class Schedule:
    name: str
    function: template.Function
    expression: str
    payload: Any

    @property
    def every_seconds(self) -> int | None:
        m = _RATE.match(self.expression.strip())
        return int(m.group(1)) * _UNIT[m.group(2)] if m else None


def queue_sources() -> list[QueueSource]:
    found = []
    for function in template.functions().values():
        res = template.load()["Resources"][function.logical_id]
        for event in res["Properties"].get("Events", {}).values():
            if event.get("Type") == "SQS":
                props = event["Properties"]
                found.append(QueueSource(function, props["Queue"]["Fn::GetAtt"][0], int(props.get("BatchSize", 10)),
                                         "ReportBatchItemFailures" in props.get("FunctionResponseTypes", [])))
    return found


def schedules() -> dict[str, Schedule]:
    found = {}
    for function in template.functions().values():
        res = template.load()["Resources"][function.logical_id]
        for name, event in res["Properties"].get("Events", {}).items():
            if event.get("Type") in ("ScheduleV2", "Schedule"):
                props = event["Properties"]
                raw = props.get("Input", "{}")
                found[name] = Schedule(name, function, props.get("ScheduleExpression", ""),
                                       json.loads(raw) if isinstance(raw, str) else raw)
    return found


class Drivers:
    def __init__(self, cloud: Cloud, invoke: Invoker, poll_seconds: float = 0.5) -> None:
        self.cloud = cloud
        self.invoke = invoke
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for source in queue_sources():
            self._spawn(self._poll, source)
        for schedule in schedules().values():
            if schedule.every_seconds:
                self._spawn(self._tick, schedule)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)

    def _spawn(self, target: Any, arg: Any) -> None:
        thread = threading.Thread(target=target, args=(arg,), daemon=True)
        thread.start()
        self._threads.append(thread)

    # ------------------------------------------------------------ queues

    def drain(self, queue_logical_id: str | None = None) -> int:
        """Deliver whatever is waiting now (tests and demos); returns the messages handed to consumers."""
        delivered = 0
        for source in queue_sources():
            if queue_logical_id in (None, source.queue):
                while n := self.deliver(source, wait_seconds=0):
                    delivered += n
        return delivered

    def _poll(self, source: QueueSource) -> None:
        while not self._stop.is_set():
            try:
                if not self.deliver(source, wait_seconds=1):
                    self._stop.wait(self.poll_seconds)
            except Exception:  # a consumer crash is Lambda's retry, not the runner's end
                self._stop.wait(self.poll_seconds)

    def deliver(self, source: QueueSource, wait_seconds: int = 0) -> int:
        sqs = self.cloud.client("sqs")
        url = self.cloud.queues[source.queue]
        received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=min(source.batch_size, 10),
                                       WaitTimeSeconds=wait_seconds, AttributeNames=["All"],
                                       MessageAttributeNames=["All"]).get("Messages", [])
        if not received:
            return 0
        arn = self.cloud.arn(source.queue)
        event = {"Records": [_sqs_record(m, arn, self.cloud.region) for m in received]}
        try:
            result = self.invoke(source.function, event)
        except Exception:
            return len(received)  # nothing deleted: the messages come back after the visibility timeout
        failed = set()
        if source.reports_failures and isinstance(result, dict):
            failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        done = [m for m in received if m["MessageId"] not in failed]
        if done:
            sqs.delete_message_batch(QueueUrl=url, Entries=[
                {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(done)
            ])
        for m in received:
            if m["MessageId"] in failed:  # visible again at once, as a failed batch item is for the next poll
                sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
        return len(received)

    # ------------------------------------------------------------ schedules

    def _tick(self, schedule: Schedule) -> None:
        assert schedule.every_seconds
        while not self._stop.wait(schedule.every_seconds):
            with contextlib.suppress(Exception):
                self.fire(schedule.name)

    def fire(self, name: str) -> Any:
        """Run a schedule's function now, with the event EventBridge Scheduler would send."""
        schedule = schedules()[name]
        return self.invoke(schedule.function, schedule.payload)


def _sqs_record(message: dict[str, Any], arn: str, region: str) -> dict[str, Any]:
    body = message["Body"]
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": body,
        "attributes": message.get("Attributes", {}),
        "messageAttributes": {
            k: {"stringValue": v.get("StringValue"), "dataType": v.get("DataType"), "binaryValue": None,
                "stringListValues": [], "binaryListValues": []}
            for k, v in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message.get("MD5OfBody") or hashlib.md5(body.encode()).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": arn,
        "awsRegion": region,
    }



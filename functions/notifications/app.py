"""Notifications function: professional notifications over HTTP (MAP-5, MAP-6), their queue's consumer, and
the scheduled repair sweep that re-sends alerts the queue did not take (NTF-2)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path

from casework import api, mappa, notifications
from casework.schemas.mappa import NotificationIn, NotificationOut

app = api.resolver()

Id = Annotated[str, Path(min_length=1, max_length=64)]


@app.post("/mappa/<discussionId>/notifications", tags=["MAPPA"])
def notify(discussionId: Id, body: NotificationIn) -> Response[NotificationOut]:
    caller = api.caller(app)
    return api.created(api.once(app, f"mappa.notify#{discussionId}", body, NotificationOut,
                                lambda: mappa.notify(caller, discussionId, body)))


@app.get("/notifications/<notificationId>", tags=["MAPPA"])
def notification(notificationId: Id) -> NotificationOut:
    return mappa.notification(api.caller(app), notificationId)


@app.post("/notifications/<notificationId>/acknowledge", tags=["MAPPA"])
def acknowledge(notificationId: Id) -> NotificationOut:
    return mappa.acknowledge(api.caller(app), notificationId)


http_handler = api.entrypoint(app)
alerts_handler = api.queue_batch(notifications.deliver)
repair_handler = api.scheduled(notifications.repair)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """SQS batches: one task per message, only failed messages come back (ReportBatchItemFailures).
    The schedule's event (`{"repair": "deliveries"}`): the repair sweep. Everything else: HTTP."""
    if "Records" in event:
        return alerts_handler(event, context)
    if event.get("repair") == "deliveries":
        return repair_handler(event, context)
    return http_handler(event, context)

"""The notifications outbox (NTF-2): alerts written with their notification, then handed to the queue.

An outbox item lists the recipients whose message is not yet on the queue. While that list is not empty
the item sits in the sparse `PendingDeliveries` index under the time to retry it, so the repair sweep
finds exactly the stuck ones with one Query.
"""

from __future__ import annotations

from pynamodb.exceptions import PynamoDBException, UpdateError

from casework.store.models import OutboxItem

_QUEUE = "notifications"


class OutboxError(Exception):
    """The outbox could not be updated; its recipients stay pending, so the sweep sends them again."""


def _retry_key(at: str, notification_id: str) -> str:
    return f"{at}#{notification_id}"


def new_outbox(*, notification_id: str, discussion_id: str, service_id: str, urn: str, person: str,
               due_date: str | None, recipients: list[str], created_at: str, retry_at: str) -> OutboxItem:
    return OutboxItem(
        f"OUTBOX#{notification_id}", "OUTBOX", notification_id=notification_id, discussion_id=discussion_id,
        service_id=service_id, urn=urn, person=person, due_date=due_date, created_at=created_at,
        pending=set(recipients), retry_queue=_QUEUE, retry_at=_retry_key(retry_at, notification_id),
    )


def sent(outbox: OutboxItem, recipients: set[str]) -> set[str]:
    """Take recipients off the pending list; returns who is still pending. An empty list leaves the index."""
    try:
        if recipients:
            outbox.update([OutboxItem.pending.delete(recipients)])
        remaining = set(outbox.pending or ())
        if not remaining:
            outbox.update([OutboxItem.retry_queue.remove(), OutboxItem.retry_at.remove()],
                          condition=OutboxItem.pending.does_not_exist())
    except UpdateError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":  # recipients added meanwhile
            raise OutboxError(str(error)) from error
    except PynamoDBException as error:
        raise OutboxError(str(error)) from error
    return set(outbox.pending or ())


def retry_at(outbox: OutboxItem, at: str) -> None:
    try:
        outbox.update([OutboxItem.retry_at.set(_retry_key(at, outbox.notification_id))],
                      condition=OutboxItem.pending.exists())
    except PynamoDBException as error:
        raise OutboxError(str(error)) from error


def due(now: str, limit: int) -> list[OutboxItem]:
    """Outboxes with pending alerts whose retry time has come, oldest first."""
    return list(OutboxItem.pending_deliveries.query(_QUEUE, OutboxItem.retry_at <= _retry_key(now, "~"),
                                                    limit=limit))

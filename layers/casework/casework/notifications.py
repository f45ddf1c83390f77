"""Professional notifications over the queue (MAP-5, NTF-2): the outbox, the consumer and the repair sweep.

The API writes each notification with an outbox listing its recipients, then sends one message per
recipient. The consumer turns a message into the recipient's worktray task, whose id is fixed by the delivery
(the notification and the recipient, `task_id_for`): each recipient's task has an id of its own, and every copy
of one delivery names the same task. Creating it is conditional, so a redelivered message, a crash before the
message was deleted, or a repair that re-sends what was already sent, all find the task there and make no
second one; the e-mail is claimed on the task, so it goes once too. A message it cannot read
fails alone (partial batch response) and, after the queue's maxReceiveCount, waits in the dead-letter
queue. Messages carry ids and the person's name, never details.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import ValidationError

from casework import clock, ids
from casework.config import settings
from casework.observability import count, logger
from casework.schemas.mappa import DeliveryMessage
from casework.schemas.work import TaskKind
from casework.store import aws, messaging, work
from casework.store import directory as directory_store
from casework.store import outbox as store
from casework.store.models import MappaNotificationItem, OutboxItem, PersonItem

BATCH = 10  # SQS SendMessageBatch's limit
SWEEP_LIMIT = 100  # outboxes per sweep run; the rest wait for the next run
MAIL_SUBJECT = "casework: a MAPPA notification is in your worktray"
MAIL_TEXT = ("You have been sent a MAPPA professional notification.\n\n"
             "Sign in to casework and open your worktray to read and acknowledge it.\n"
             "For confidentiality this e-mail does not say who it is about.\n")


def task_id_for(notification_id: str, recipient: str) -> str:
    """The id of a recipient's task for a notification: the same for every copy of that delivery (NTF-2), another
    for each recipient; a ULID of the notification's time, so the alert sorts with it."""
    return ids.derived(recipient, notification_id)


def outbox_for(note: MappaNotificationItem, person: PersonItem, *, due_date: str | None,
               recipients: list[str]) -> OutboxItem:
    """The alerts to send, written in the notification's transaction; the sweep may retry them after the grace."""
    retry = clock.iso(clock.now() + timedelta(seconds=settings.outbox_grace_seconds))
    return store.new_outbox(notification_id=note.notification_id, discussion_id=note.discussion_id,
                            service_id=note.service_id, urn=note.urn, person=f"{person.forename} {person.surname}",
                            due_date=due_date, recipients=recipients, created_at=note.sent_at, retry_at=retry)


def _message(pending: OutboxItem, recipient: str) -> str:
    return DeliveryMessage(notification_id=pending.notification_id, discussion_id=pending.discussion_id,
                           service_id=pending.service_id, urn=pending.urn, person=pending.person,
                           recipient_id=recipient, due_date=pending.due_date).model_dump_json(by_alias=True)


def dispatch(pending: OutboxItem) -> set[str]:
    """Send the outbox's pending alerts; returns the recipients still pending (the queue failed for them)."""
    recipients = sorted(pending.pending or ())
    accepted: set[str] = set()
    failed = False
    for start in range(0, len(recipients), BATCH):
        chunk = {str(n): r for n, r in enumerate(recipients[start:start + BATCH])}
        try:
            ok = messaging.send_batch({key: _message(pending, r) for key, r in chunk.items()})
        except aws.ERRORS as error:
            logger.warning("notifications queue unavailable", extra={"notificationId": pending.notification_id,
                                                                     "error": type(error).__name__})
            failed = True
            continue
        accepted |= {chunk[key] for key in ok}
        failed = failed or len(ok) < len(chunk)
    remaining = store.sent(pending, accepted)
    if remaining and failed:
        store.retry_at(pending, clock.stamp())  # the next sweep takes them, without waiting for the grace
        count("MappaAlertsPending")
    return remaining


def send_now(pending: OutboxItem) -> int:
    """Right after the notification's transaction. Whatever fails here leaves alerts pending for the sweep
    and never fails the call (the notification is written); returns how many are still pending."""
    try:
        return len(dispatch(pending))
    except store.OutboxError:
        logger.warning("outbox not updated after sending", extra={"notificationId": pending.notification_id})
        count("MappaAlertsPending")
        return len(pending.pending or ())


def repair() -> dict[str, int]:
    """The scheduled sweep (NTF-2): re-send alerts the queue did not take, oldest first."""
    due = store.due(clock.stamp(), SWEEP_LIMIT)
    still = sum(len(dispatch(item)) for item in due)
    if due:
        logger.info("repair sweep", extra={"outboxes": len(due), "stillPending": still})
    return {"outboxes": len(due), "stillPending": still}


def _mail(address: str, recipient: str, task_id: str, notification_id: str) -> None:
    """Sent by the one copy of a delivery that holds the task's e-mail claim. A refusal that will not change (an
    unverified or rejected address) must not hold back the worktray alert: it is logged and the claim given back.
    A throttled, failing or unreachable SES gives the claim back and raises, so the retried message sends it."""
    try:
        messaging.send_mail(address, MAIL_SUBJECT, MAIL_TEXT)
    except aws.ERRORS as error:
        work.release_mail(recipient, task_id)
        code = messaging.mail_refused(error)
        if code is None:
            raise
        logger.warning("alert e-mail refused", extra={"notificationId": notification_id, "code": code})
        count("MappaMailRefused")


def _dropped(why: str, message: DeliveryMessage) -> bool:
    """Consumed without a task: SQS deletes the message and the outbox no longer lists it, so nothing re-sends it."""
    logger.warning(why, extra={"notificationId": message.notification_id, "recipientId": message.recipient_id})
    count("MappaAlertDropped")
    return False


def deliver(body: str) -> bool:
    """One message: the recipient's worktray task and, when they have an address, an e-mail, each once. Returns
    False when the task existed already or the alert was dropped; a message that is not a delivery raises (poison).

    The task is created conditionally, claiming its e-mail as it is made; a copy that finds the task there claims
    the e-mail with a conditional update only if nobody holds it. Only the copy holding the claim sends: two
    copies at once send one e-mail, and a copy redelivered after SES failed (the claim given back) sends it."""
    try:
        message = DeliveryMessage.model_validate_json(body)
    except ValidationError:
        count("MappaPoisonMessage")
        raise
    recipient = message.recipient_id
    user = directory_store.user(recipient)
    if user is None or user.service_id != message.service_id:
        return _dropped("alert for an unknown recipient dropped", message)
    if user.locked:
        return _dropped("alert for a locked recipient dropped", message)
    task = work.new_task(
        task_id=task_id_for(message.notification_id, recipient), user_id=recipient, service_id=message.service_id,
        kind=TaskKind.MAPPA_NOTIFICATION, subject=f"MAPPA notification: {message.person} ({message.urn})",
        case_id=None, due_date=message.due_date, created_at=clock.stamp(),
        link=f"/notifications/{message.notification_id}",
    )
    mailed = bool(user.email and settings.mail_from)
    if mailed:
        task.emailed_at = clock.stamp()  # the copy that creates the task holds the e-mail's claim from the start
    created = work.create_once(task)
    count("MappaAlertDelivered" if created else "MappaAlertRedelivered")
    if mailed and (created or work.claim_mail(recipient, task.task_id, clock.stamp())):
        _mail(user.email, recipient, task.task_id, message.notification_id)
    return created

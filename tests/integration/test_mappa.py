"""MAPPA discussions and professional notifications (DOMAIN: MAP-1 .. MAP-6, NTF-1, NTF-2) through the real
handlers, with the notifications queue, its dead-letter queue and SES in moto (in-process)."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from botocore.exceptions import ClientError, EndpointConnectionError
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from casework import admin, clock
from casework.store import directory as directory_store
from casework.store import messaging
from casework.store.models import AuditItem
from local import cloud as cloud_module
from local import template
from local.drivers import Drivers, queue_sources
from local.events import LambdaContext
from local.lambdas import InProcess
from tests.integration.test_assignment import assert_problem, tasks_of
from tests.support import Api, open_case

SECRET = "Action plan: visits weekly, exclusion zone around Leith Walk"
QUEUE = "NotificationsQueue"


@pytest.fixture
def cloud(aws):
    """The template's queues (with their redrive policies) and SES identities, in moto."""
    c = cloud_module.Cloud(endpoint=None, server=None)  # type: ignore[arg-type]
    cloud_module._queues(c)
    cloud_module._mail_identities(c)
    return c


@pytest.fixture
def drivers(cloud):
    return Drivers(cloud, InProcess())


def consumer():
    return template.handler_of(template.functions()["NotificationsFunction"])


def today() -> str:
    return clock.today().isoformat()


def days(n: int) -> str:
    return (clock.today() + timedelta(days=n)).isoformat()


def discussion_body(**kw: Any) -> dict[str, Any]:
    return {"dateOfDiscussion": days(-10), "reviewDate": days(30), "level": 2, "category": 1, "details": SECRET, **kw}


def person(api: Api, user: str, urn: str = "URN-M1") -> str:
    open_case(api, user, urn=urn)
    return urn


def record(api: Api, user: str, urn: str, **kw: Any) -> dict[str, Any]:
    answer = api.post(f"/people/{urn}/mappa", user, discussion_body(**kw))
    assert answer.status == 201, answer.json()
    return answer.json()


def notify(api: Api, user: str, discussion_id: str, recipients: list[str], headers: dict[str, str] | None = None,
           **kw: Any):
    return api.post(f"/mappa/{discussion_id}/notifications", user,
                    {"recipients": recipients, "dateNotified": today(), "sendAlert": True, **kw}, headers=headers)


def queue_messages(cloud, logical_id: str = QUEUE) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs")
    got = sqs.receive_message(QueueUrl=cloud.queues[logical_id], MaxNumberOfMessages=10,
                              VisibilityTimeout=0).get("Messages", [])
    return got


def source():
    return next(s for s in queue_sources() if s.queue == QUEUE)


def sqs_event(*bodies: str) -> dict[str, Any]:
    return {"Records": [{"messageId": f"m-{n}", "receiptHandle": f"r-{n}", "body": body, "attributes": {},
                         "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
                         "eventSourceARN": "arn:aws:sqs:eu-west-2:123456789012:casework-notifications-queue",
                         "awsRegion": "eu-west-2"} for n, body in enumerate(bodies)]}


def mappa_tasks(user_id: str) -> list[Any]:
    return [t for t in tasks_of(user_id) if t.task_kind == "mappa-notification"]


def mails_sent() -> int:
    return ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-2"].sent_message_count


def mails_to(user_id: str) -> int:
    user = directory_store.user(user_id)
    assert user is not None
    return sum(user.email in m.destinations.get("ToAddresses", [])
               for m in ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-2"].sent_messages)


def metrics_printed(out: str) -> set[str]:
    """The metric names of the EMF lines powertools printed."""
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return {m["Name"] for line in lines for d in line.get("_aws", {}).get("CloudWatchMetrics", [])
            for m in d["Metrics"]}


def all_audit_text() -> str:
    return json.dumps([{"before": a.before, "after": a.after, "reason": a.reason} for a in
                       AuditItem.query("PERSON#community#URN-M1")])


# ---------------------------------------------------------------- MAP-1


def test_map1_discussion_recorded_with_review_date_or_date_ended(world, api):
    urn = person(api, world.community.leader)
    made = record(api, world.community.leader, urn)
    assert (made["level"], made["category"], made["reviewDate"], made["dateEnded"]) == (2, 1, days(30), None)
    assert made["details"] == SECRET and made["current"] is True
    listed = api.get(f"/people/{urn}/mappa", world.community.leader).json()
    assert [d["discussionId"] for d in listed["items"]] == [made["discussionId"]]
    one = api.get(f"/mappa/{made['discussionId']}", world.community.leader)
    assert one.status == 200 and one.headers["etag"] == '"1"'


@pytest.mark.parametrize("change, field", [
    ({"dateEnded": days(-1)}, "reviewDate"),                         # both
    ({"reviewDate": None}, "reviewDate"),                            # neither
    ({"reviewDate": days(-20)}, "reviewDate"),                       # review before discussion
    ({"reviewDate": None, "dateEnded": days(-20)}, "dateEnded"),     # ended before discussion
    ({"dateOfDiscussion": days(3)}, "dateOfDiscussion"),             # in the future
    ({"level": 4}, "level"),
    ({"category": 0}, "category"),
    ({"details": "  "}, "details"),
    ({"reviewDate": "9999-12-31"}, "reviewDate"),                    # beyond any deadline arithmetic
    ({"dateOfDiscussion": "0001-01-01"}, "dateOfDiscussion"),
    ({"reviewDate": None, "dateEnded": "9999-12-31"}, "dateEnded"),
])
def test_map1_bad_dates_and_values_are_refused_and_nothing_is_written(world, api, change, field):
    urn = person(api, world.community.leader)
    answer = api.post(f"/people/{urn}/mappa", world.community.leader, discussion_body(**change))
    assert_problem(answer, 422, field)
    assert api.get(f"/people/{urn}/mappa", world.community.leader).json()["items"] == []


@pytest.mark.parametrize("change, field", [
    ({"reviewDate": "9999-12-31"}, "reviewDate"),
    ({"dateOfDiscussion": "0001-01-01"}, "dateOfDiscussion"),
    ({"reviewDate": "2200-01-01"}, "reviewDate"),
    ({"dateOfDiscussion": "1899-12-31"}, "dateOfDiscussion"),
])
def test_map1_amending_to_an_absurd_date_is_refused_naming_it_and_nothing_is_written(world, api, change, field):
    """Dates far outside any working life (0001-01-01, 9999-12-31) are refused at the edge: the review deadline's
    arithmetic would otherwise overflow."""
    urn = person(api, world.community.leader)
    made = record(api, world.community.leader, urn)
    path = f"/mappa/{made['discussionId']}"
    assert_problem(api.call("PATCH", path, world.community.leader, body=change), 422, field)
    after = api.get(path, world.community.leader)
    assert after.headers["etag"] == '"1"'
    assert (after.json()["dateOfDiscussion"], after.json()["reviewDate"]) == (made["dateOfDiscussion"],
                                                                            made["reviewDate"])
    assert [a.action for a in AuditItem.query("PERSON#community#URN-M1")][-1] == "mappa.recorded"


@pytest.mark.parametrize("recorded, change", [
    ({}, {"reviewDate": days(5), "dateEnded": days(-1)}),          # both
    ({}, {"reviewDate": None}),                                      # neither: the review date cleared
    ({"reviewDate": None, "dateEnded": days(-1)}, {"dateEnded": None}),  # neither: the date ended cleared
])
def test_map1_amending_to_both_or_neither_date_is_refused_and_nothing_is_written(world, api, recorded, change):
    urn = person(api, world.community.leader)
    made = record(api, world.community.leader, urn, **recorded)
    path = f"/mappa/{made['discussionId']}"
    assert_problem(api.call("PATCH", path, world.community.leader, body=change), 422, "reviewDate")
    after = api.get(path, world.community.leader)
    assert after.headers["etag"] == '"1"'
    assert (after.json()["reviewDate"], after.json()["dateEnded"]) == (made["reviewDate"], made["dateEnded"])
    assert [a.action for a in AuditItem.query("PERSON#community#URN-M1")][-1] == "mappa.recorded"


def test_map1_only_the_mappa_record_right_records_and_other_services_see_nothing(world, api):
    urn = person(api, world.community.leader)
    assert_problem(api.post(f"/people/{urn}/mappa", world.community.assessor, discussion_body()), 403)
    made = record(api, world.community.leader, urn)
    assert_problem(api.get(f"/mappa/{made['discussionId']}", world.prison.leader), 404)
    assert_problem(api.call("PATCH", f"/mappa/{made['discussionId']}", world.prison.leader, body={"level": 3}), 404)
    assert_problem(api.get(f"/people/{urn}/mappa", world.prison.leader), 404)
    assert_problem(api.post("/people/URN-NOBODY/mappa", world.community.leader, discussion_body()), 404)


# ---------------------------------------------------------------- MAP-2


def test_map2_details_only_for_the_confidential_right(world, api):
    urn = person(api, world.community.leader)
    made = record(api, world.community.leader, urn)
    for reader in (world.community.reader, world.community.assessor):
        listed = api.get(f"/people/{urn}/mappa", reader)
        assert listed.status == 200
        item = listed.json()["items"][0]
        assert item["details"] is None and item["detailsWithheld"] is True and item["level"] == 2
        assert SECRET not in listed.body.decode()
        assert SECRET not in api.get(f"/mappa/{made['discussionId']}", reader).body.decode()
    # and the audit trail never carries the details, whoever reads it
    api.call("PATCH", f"/mappa/{made['discussionId']}", world.community.leader, body={"details": SECRET + " (v2)"})
    text = all_audit_text()
    assert SECRET not in text and "Leith" not in text
    actions = [a.action for a in AuditItem.query("PERSON#community#URN-M1")]
    assert actions[-2:] == ["mappa.recorded", "mappa.updated"]


# ---------------------------------------------------------------- MAP-3


def test_map3_flag_current_then_struck_through_and_review_warning(world, api):
    urn = person(api, world.community.leader)
    assert api.get(f"/people/{urn}", world.community.reader).json()["mappa"] is None
    made = record(api, world.community.leader, urn, reviewDate=days(5))
    flag = api.get(f"/people/{urn}", world.community.reader).json()["mappa"]
    assert flag == {"discussionId": made["discussionId"], "current": True, "struckThrough": False,
                    "reviewOverdue": False, "reviewDate": days(5)}
    # when the review date has passed, the person and the discussion show the warning
    later = datetime.combine(clock.today() + timedelta(days=7), datetime.min.time(), UTC).replace(hour=12)
    with clock.frozen(later):
        assert api.get(f"/people/{urn}", world.community.reader).json()["mappa"]["reviewOverdue"] is True
        assert api.get(f"/mappa/{made['discussionId']}", world.community.reader).json()["reviewOverdue"] is True
    # ending it strikes the flag through
    ended = api.call("PATCH", f"/mappa/{made['discussionId']}", world.community.leader, body={"dateEnded": today()})
    assert ended.status == 200, ended.json()
    assert ended.json()["reviewDate"] is None and ended.json()["current"] is False
    flag = api.get(f"/people/{urn}", world.community.reader).json()["mappa"]
    assert (flag["current"], flag["struckThrough"], flag["reviewOverdue"]) == (False, True, False)


def ended_pair(api: Api, user: str, urn: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """An older discussion ended by a subsequent one (MAP-4), then that one ended too: none is current."""
    older = record(api, user, urn, dateOfDiscussion=days(-60), reviewDate=days(-2))
    latest = record(api, user, urn, dateOfDiscussion=days(-1), endCurrent=True)
    assert api.call("PATCH", f"/mappa/{latest['discussionId']}", user, body={"dateEnded": today()}).status == 200
    return older, latest


def test_map3_amending_an_older_ended_discussion_leaves_the_flag_on_the_latest(world, api):
    urn = person(api, world.community.leader)
    older, latest = ended_pair(api, world.community.leader, urn)
    amended = api.call("PATCH", f"/mappa/{older['discussionId']}", world.community.leader,
                       body={"level": 3, "dateEnded": days(-3)})
    assert amended.status == 200, amended.json()
    flag = api.get(f"/people/{urn}", world.community.reader).json()["mappa"]
    assert (flag["discussionId"], flag["current"], flag["struckThrough"]) == (latest["discussionId"], False, True)
    # ending the older one after the latest makes it the one that ended last
    api.call("PATCH", f"/mappa/{latest['discussionId']}", world.community.leader, body={"dateEnded": days(-1)})
    api.call("PATCH", f"/mappa/{older['discussionId']}", world.community.leader, body={"dateEnded": today()})
    assert api.get(f"/people/{urn}", world.community.reader).json()["mappa"]["discussionId"] == older["discussionId"]


def test_map3_recording_an_older_ended_discussion_leaves_the_flag_on_the_latest(world, api):
    urn = person(api, world.community.leader)
    _, latest = ended_pair(api, world.community.leader, urn)
    record(api, world.community.leader, urn, dateOfDiscussion=days(-100), reviewDate=None, dateEnded=days(-90))
    flag = api.get(f"/people/{urn}", world.community.reader).json()["mappa"]
    assert (flag["discussionId"], flag["struckThrough"]) == (latest["discussionId"], True)


# ---------------------------------------------------------------- MAP-4


def test_map4_subsequent_discussion_ends_the_previous_the_day_before(world, api):
    urn = person(api, world.community.leader)
    first = record(api, world.community.leader, urn, dateOfDiscussion=days(-60), reviewDate=days(-2))
    # a second current discussion without the subsequent-discussion flow is refused, nothing written
    second = api.post(f"/people/{urn}/mappa", world.community.leader, discussion_body(dateOfDiscussion=days(-1)))
    assert assert_problem(second, 409)["current"] == first["discussionId"]
    made = record(api, world.community.leader, urn, dateOfDiscussion=days(-1), endCurrent=True)
    listed = api.get(f"/people/{urn}/mappa", world.community.leader).json()
    newest, previous = listed["items"]
    assert newest["discussionId"] == made["discussionId"] and newest["current"] is True
    assert previous["dateEnded"] == days(-2) and previous["current"] is False and previous["reviewDate"] is None
    assert listed["mappa"]["discussionId"] == made["discussionId"] and listed["mappa"]["current"] is True
    # reopening the ended one while another is current is refused
    reopen = api.call("PATCH", f"/mappa/{first['discussionId']}", world.community.leader,
                      body={"reviewDate": days(10)})
    assert assert_problem(reopen, 409)["current"] == made["discussionId"]


def test_map4_subsequent_discussion_must_follow_the_current_one(world, api):
    urn = person(api, world.community.leader)
    record(api, world.community.leader, urn, dateOfDiscussion=days(-10))
    answer = api.post(f"/people/{urn}/mappa", world.community.leader,
                      discussion_body(dateOfDiscussion=days(-10), endCurrent=True))
    assert_problem(answer, 422, "dateOfDiscussion")
    assert len(api.get(f"/people/{urn}/mappa", world.community.leader).json()["items"]) == 1


def test_map4_stale_if_match_is_refused(world, api):
    urn = person(api, world.community.leader)
    made = record(api, world.community.leader, urn)
    path = f"/mappa/{made['discussionId']}"
    assert api.call("PATCH", path, world.community.leader, body={"level": 3}, headers={"If-Match": '"1"'}).status == 200
    assert_problem(api.call("PATCH", path, world.community.leader, body={"level": 1}, headers={"If-Match": '"1"'}), 409)
    assert_problem(api.call("PATCH", path, world.community.leader, body={"level": None}), 422, "level")


# ---------------------------------------------------------------- MAP-5 and NTF-2


def test_map5_notify_two_professionals_each_gets_one_task_and_one_mail(world, api, cloud, drivers):
    urn = person(api, world.community.leader)
    made = record(api, world.community.leader, urn)
    recipients = [world.community.assessor, world.community.assessor2]
    sent = notify(api, world.community.leader, made["discussionId"], recipients)
    assert sent.status == 201, sent.json()
    assert sent.json()["queued"] == 0 and {r["userId"] for r in sent.json()["recipients"]} == set(recipients)
    before = mails_sent()
    assert drivers.drain(QUEUE) == 2
    for user in recipients:
        (task,) = mappa_tasks(user)
        assert task.subject == "MAPPA notification: Alex Smith (URN-M1)" and SECRET not in task.subject
        assert task.emailed_at is not None
        tray = api.get("/me/worktray", user).json()["items"]
        mine = [t for t in tray if t["kind"] == "mappa-notification"]
        assert mine[0]["link"] == f"/notifications/{sent.json()['notificationId']}"
        assert mine[0]["dueDate"] > today() and mine[0]["overdue"] is False
    assert mails_sent() - before == 2
    # the sender sees who was notified, on the discussion
    shown = api.get(f"/mappa/{made['discussionId']}", world.community.leader).json()
    assert [len(n["recipients"]) for n in shown["notifications"]] == [2]


def test_map5_bad_recipients_and_ended_discussions_are_refused(world, api, cloud):
    urn = person(api, world.community.leader)
    made = record(api, world.community.leader, urn)
    did = made["discussionId"]
    assert_problem(notify(api, world.community.leader, did, [world.prison.assessor]), 422, "recipients")
    assert_problem(notify(api, world.community.leader, did, [world.community.locked]), 422, "recipients")
    assert_problem(notify(api, world.community.leader, did, ["nobody"]), 422, "recipients")
    assert_problem(notify(api, world.community.leader, did, []), 422, "recipients")
    assert_problem(notify(api, world.community.leader, did, [world.community.assessor], dateNotified=days(-30)),
                   422, "dateNotified")
    assert_problem(notify(api, world.community.assessor, did, [world.community.assessor2]), 403)
    assert_problem(notify(api, world.prison.leader, did, [world.prison.assessor]), 404)
    api.call("PATCH", f"/mappa/{did}", world.community.leader, body={"dateEnded": today()})
    assert_problem(notify(api, world.community.leader, did, [world.community.assessor]), 409)
    assert queue_messages(cloud) == []
    assert api.get(f"/mappa/{did}", world.community.leader).json()["notifications"] == []


def test_map5_without_alert_records_the_notification_and_sends_nothing(world, api, cloud, drivers):
    urn = person(api, world.community.leader)
    made = record(api, world.community.leader, urn)
    sent = notify(api, world.community.leader, made["discussionId"], [world.community.assessor], sendAlert=False)
    assert sent.status == 201
    assert drivers.drain(QUEUE) == 0 and mappa_tasks(world.community.assessor) == []


def test_ntf2_retried_call_with_the_same_idempotency_key_notifies_once(world, api, cloud, drivers):
    urn = person(api, world.community.leader)
    made = record(api, world.community.leader, urn)
    key = {"Idempotency-Key": "notify-once-1"}
    first = notify(api, world.community.leader, made["discussionId"], [world.community.assessor], headers=key)
    again = notify(api, world.community.leader, made["discussionId"], [world.community.assessor], headers=key)
    assert first.status == again.status == 201 and first.json()["notificationId"] == again.json()["notificationId"]
    drivers.drain(QUEUE)
    assert len(mappa_tasks(world.community.assessor)) == 1


def test_ntf2_the_same_message_three_times_makes_one_task(world, api, cloud):
    urn = person(api, world.community.leader)
    made = record(api, world.community.leader, urn)
    notify(api, world.community.leader, made["discussionId"], [world.community.assessor, world.community.assessor2])
    bodies = [m["Body"] for m in queue_messages(cloud)]
    assert len(bodies) == 2
    before = mails_sent()
    for _ in range(3):
        assert consumer()(sqs_event(*bodies), LambdaContext("notifications")) == {"batchItemFailures": []}
    assert len(mappa_tasks(world.community.assessor)) == len(mappa_tasks(world.community.assessor2)) == 1
    assert mails_sent() - before == 2


def test_ntf2_crash_after_the_task_before_the_delete_makes_one_task(world, api, cloud, drivers, monkeypatch):
    urn = person(api, world.community.leader)
    made = record(api, world.community.leader, urn)
    notify(api, world.community.leader, made["discussionId"], [world.community.assessor])
    real = drivers.invoke
    handles = []

    def crash_after_the_work(function, event):
        real(function, event)  # the tasks are written...
        handles.extend(r["receiptHandle"] for r in event["Records"])
        raise RuntimeError("container died before the batch answered")  # ...but nothing is deleted

    monkeypatch.setattr(drivers, "invoke", crash_after_the_work)
    assert drivers.deliver(source()) == 1
    assert len(mappa_tasks(world.community.assessor)) == 1
    monkeypatch.setattr(drivers, "invoke", real)
    sqs = boto3.client("sqs")
    for handle in handles:  # the visibility timeout runs out: the message comes back
        sqs.change_message_visibility(QueueUrl=cloud.queues[QUEUE], ReceiptHandle=handle, VisibilityTimeout=0)
    assert drivers.drain(QUEUE) == 1
    assert len(mappa_tasks(world.community.assessor)) == 1
    assert queue_messages(cloud) == []


def test_ntf2_queue_unavailable_then_the_repair_sweep_sends(world, api, cloud, drivers, monkeypatch):
    urn = person(api, world.community.leader)
    made = record(api, world.community.leader, urn)

    def unavailable(bodies):
        raise EndpointConnectionError(endpoint_url="https://sqs.eu-west-2.amazonaws.com")

    monkeypatch.setattr(messaging, "send_batch", unavailable)
    recipients = [world.community.assessor, world.community.assessor2]
    sent = notify(api, world.community.leader, made["discussionId"], recipients)
    assert sent.status == 201 and sent.json()["queued"] == 2  # the call succeeded; nothing lost
    assert queue_messages(cloud) == []
    # the sweep while the queue is still down keeps them pending
    assert drivers.fire("RepairDeliveries") == {"outboxes": 1, "stillPending": 2}
    monkeypatch.undo()
    assert drivers.fire("RepairDeliveries") == {"outboxes": 1, "stillPending": 0}
    assert drivers.fire("RepairDeliveries") == {"outboxes": 0, "stillPending": 0}
    drivers.drain(QUEUE)
    assert [len(mappa_tasks(u)) for u in recipients] == [1, 1]


def test_ntf2_sweep_leaves_fresh_outboxes_to_the_api_and_resends_abandoned_ones(world, api, cloud, drivers,
                                                                                  monkeypatch):
    """An API that died between its transaction and its send leaves the outbox pending; after the grace the
    sweep sends it, and a repeat send is harmless."""
    urn = person(api, world.community.leader)
    made = record(api, world.community.leader, urn)
    from casework import notifications

    monkeypatch.setattr(notifications, "dispatch", lambda pending: set(pending.pending or ()))
    notify(api, world.community.leader, made["discussionId"], [world.community.assessor])
    monkeypatch.undo()
    assert drivers.fire("RepairDeliveries") == {"outboxes": 0, "stillPending": 0}  # within the grace
    with clock.frozen(clock.now() + timedelta(minutes=2)):
        assert drivers.fire("RepairDeliveries") == {"outboxes": 1, "stillPending": 0}
    drivers.drain(QUEUE)
    assert len(mappa_tasks(world.community.assessor)) == 1


def test_ntf2_poison_message_goes_to_the_dead_letter_queue_and_the_rest_of_its_batch_is_processed(
        world, api, cloud, drivers, monkeypatch):
    urn = person(api, world.community.leader)
    made = record(api, world.community.leader, urn)
    good = [world.community.assessor, world.community.assessor2]
    sqs = boto3.client("sqs")
    sqs.send_message(QueueUrl=cloud.queues[QUEUE], MessageBody='{"kind": "mappa-notification", "broken": true}')
    notify(api, world.community.leader, made["discussionId"], good)

    # the consumer answers with the poison alone as failed; the good messages of its batch are done
    bodies = [m["Body"] for m in queue_messages(cloud)]
    poison_first = sorted(bodies, key=lambda b: "broken" not in b)
    result = consumer()(sqs_event(*poison_first), LambdaContext("notifications"))
    assert result == {"batchItemFailures": [{"itemIdentifier": "m-0"}]}
    assert [len(mappa_tasks(u)) for u in good] == [1, 1]

    # through the queue: each receive counts, and after maxReceiveCount (4) it waits in the dead-letter queue
    real, handles = drivers.invoke, []

    def remember(function, event):
        handles.extend(r["receiptHandle"] for r in event["Records"])
        return real(function, event)

    monkeypatch.setattr(drivers, "invoke", remember)
    for _ in range(8):
        drivers.deliver(source())
        for handle in handles:  # the visibility timeout of a failed batch runs out
            with contextlib.suppress(ClientError):
                sqs.change_message_visibility(QueueUrl=cloud.queues[QUEUE], ReceiptHandle=handle,
                                              VisibilityTimeout=0)
        handles.clear()
    dead = sqs.receive_message(QueueUrl=cloud.queues["NotificationsDeadLetters"], MaxNumberOfMessages=10)
    assert ['"broken": true' in m["Body"] for m in dead.get("Messages", [])] == [True]
    assert queue_messages(cloud) == []
    assert [len(mappa_tasks(u)) for u in good] == [1, 1]


# ---------------------------------------------------------------- MAP-6 and NTF-1


def test_map6_recipient_acknowledges_and_the_discussion_shows_the_tick(world, api, cloud, drivers):
    urn = person(api, world.community.leader)
    made = record(api, world.community.leader, urn)
    nid = notify(api, world.community.leader, made["discussionId"],
                 [world.community.assessor, world.community.assessor2]).json()["notificationId"]
    drivers.drain(QUEUE)
    # only a recipient acknowledges: anyone else's attempt is not found, another service's too
    assert_problem(api.post(f"/notifications/{nid}/acknowledge", world.community.reader), 404)
    assert_problem(api.post(f"/notifications/{nid}/acknowledge", world.prison.assessor), 404)
    assert_problem(api.post("/notifications/01HZZZZZZZZZZZZZZZZZZZZZZZ/acknowledge", world.community.assessor), 404)
    acked = api.post(f"/notifications/{nid}/acknowledge", world.community.assessor)
    assert acked.status == 200, acked.json()
    again = api.post(f"/notifications/{nid}/acknowledge", world.community.assessor)
    ticks = {r["userId"]: r for r in again.json()["recipients"]}
    assert ticks[world.community.assessor]["acknowledged"] is True
    assert ticks[world.community.assessor]["acknowledgedAt"] == {r["userId"]: r for r in
                                                                 acked.json()["recipients"]}[world.community.assessor][
                                                                     "acknowledgedAt"]
    assert ticks[world.community.assessor2]["acknowledged"] is False
    shown = api.get(f"/mappa/{made['discussionId']}", world.community.leader).json()["notifications"][0]
    assert [r["acknowledged"] for r in shown["recipients"] if r["userId"] == world.community.assessor] == [True]
    actions = [a.action for a in AuditItem.query("PERSON#community#URN-M1")]
    assert actions.count("mappa.acknowledged") == 1


def test_ntf1_complete_own_alert_once_others_are_not_found(world, api, cloud, drivers):
    urn = person(api, world.community.leader)
    made = record(api, world.community.leader, urn)
    notify(api, world.community.leader, made["discussionId"], [world.community.assessor])
    drivers.drain(QUEUE)
    task = api.get("/me/worktray", world.community.assessor).json()["items"][0]
    assert_problem(api.post(f"/worktray/{task['taskId']}/complete", world.community.assessor2), 404)
    done = api.post(f"/worktray/{task['taskId']}/complete", world.community.assessor)
    assert done.status == 200 and done.json()["completedAt"]
    again = api.post(f"/worktray/{task['taskId']}/complete", world.community.assessor)
    assert again.status == 200 and again.json()["completedAt"] == done.json()["completedAt"]
    assert [t for t in api.get("/me/worktray", world.community.assessor).json()["items"]
            if t["kind"] == "mappa-notification"] == []
    everything = api.get("/me/worktray", world.community.assessor, query={"status": "all"}).json()["items"]
    assert [t["taskId"] for t in everything if t["completedAt"]] == [task["taskId"]]


def test_ntf1_worktray_is_paged_with_limit_and_next(world, api, cloud, drivers):
    urn = person(api, world.community.leader)
    made = record(api, world.community.leader, urn)
    for _ in range(3):
        notify(api, world.community.leader, made["discussionId"], [world.community.assessor])
    drivers.drain(QUEUE)
    whole = [t["taskId"] for t in api.get("/me/worktray", world.community.assessor).json()["items"]]
    assert len(whole) >= 3
    seen, token = [], None
    while True:
        query = {"limit": "1", **({"next": token} if token else {})}
        page = api.get("/me/worktray", world.community.assessor, query=query)
        assert page.status == 200 and len(page.json()["items"]) <= 1
        seen += [t["taskId"] for t in page.json()["items"]]
        token = page.json()["next"]
        if token is None:
            break
        # a token is bound to the worktray that issued it
        assert_problem(api.get("/me/worktray", world.community.assessor2, query={"limit": "1", "next": token}),
                       400, "next")
    assert seen == whole


def test_ntf1_overdue_alert_is_flagged(world, api, cloud, drivers):
    urn = person(api, world.community.leader)
    made = record(api, world.community.leader, urn)
    notify(api, world.community.leader, made["discussionId"], [world.community.assessor])
    drivers.drain(QUEUE)
    later = clock.now() + timedelta(days=20)
    with clock.frozen(later):
        (task,) = api.get("/me/worktray", world.community.assessor).json()["items"]
    assert task["overdue"] is True


def test_map2_no_details_in_notifications_tasks_messages_or_audit(world, api, cloud, drivers):
    urn = person(api, world.community.leader)
    made = record(api, world.community.leader, urn)
    sent = notify(api, world.community.leader, made["discussionId"], [world.community.assessor])
    assert SECRET not in json.dumps([m["Body"] for m in queue_messages(cloud)])
    drivers.drain(QUEUE)
    nid = sent.json()["notificationId"]
    for body in (sent.body, api.get(f"/notifications/{nid}", world.community.assessor).body,
                 api.get("/me/worktray", world.community.assessor).body,
                 api.post(f"/notifications/{nid}/acknowledge", world.community.assessor).body):
        assert SECRET not in body.decode()
    assert SECRET not in all_audit_text()
    ses = ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-2"]
    assert all(SECRET not in str(m.body) and "Smith" not in str(m.body) for m in ses.sent_messages)


def test_map1_retried_record_with_the_same_idempotency_key_records_once(world, api):
    urn = person(api, world.community.leader)
    key = {"Idempotency-Key": "mappa-once-1"}
    first = api.post(f"/people/{urn}/mappa", world.community.leader, discussion_body(), headers=key)
    again = api.post(f"/people/{urn}/mappa", world.community.leader, discussion_body(), headers=key)
    assert first.status == again.status == 201
    assert first.json()["discussionId"] == again.json()["discussionId"]
    assert len(api.get(f"/people/{urn}/mappa", world.community.leader).json()["items"]) == 1
    other = api.post(f"/people/{urn}/mappa", world.community.leader, discussion_body(level=3), headers=key)
    assert_problem(other, 422, "Idempotency-Key")


def test_map4_two_leads_recording_at_once_leave_one_current_discussion(world, api, monkeypatch):
    """The person's flag is the condition: of two discussions recorded from the same reading, one stands."""
    from casework import directory, mappa
    from casework.errors import Conflict
    from casework.schemas.mappa import MappaIn
    from casework.store import records

    urn = person(api, world.community.leader)
    caller = directory.caller_for(world.community.leader)
    stale = records.person("community", urn)
    record(api, world.community.leader, urn)
    monkeypatch.setattr(records, "person", lambda service_id, u: stale)  # read before the other lead wrote
    with pytest.raises(Conflict):
        mappa.record(caller, urn, MappaIn.model_validate(discussion_body()))
    monkeypatch.undo()
    listed = api.get(f"/people/{urn}/mappa", world.community.leader).json()
    assert [d["current"] for d in listed["items"]] == [True]


def test_ntf2_a_refused_e_mail_does_not_hold_back_the_alert(world, api, aws):
    """SES refuses the sender (not verified): the task is still made, without `emailedAt`."""
    c = cloud_module.Cloud(endpoint=None, server=None)  # type: ignore[arg-type]
    cloud_module._queues(c)  # and no SES identity
    urn = person(api, world.community.leader)
    made = record(api, world.community.leader, urn)
    notify(api, world.community.leader, made["discussionId"], [world.community.assessor])
    assert Drivers(c, InProcess()).drain(QUEUE) == 1
    (task,) = mappa_tasks(world.community.assessor)
    assert task.emailed_at is None and queue_messages(c) == []


def test_ntf2_sent_but_not_recorded_the_sweep_sends_again_and_still_one_task(world, api, cloud, drivers,
                                                                              monkeypatch):
    """The messages reach the queue but the outbox update fails: the call still succeeds, the sweep re-sends
    after the grace, and the consumer makes one task each."""
    from casework.store import outbox

    urn = person(api, world.community.leader)
    made = record(api, world.community.leader, urn)

    def broken(pending, recipients):
        raise outbox.OutboxError("DynamoDB unavailable")

    monkeypatch.setattr(outbox, "sent", broken)
    recipients = [world.community.assessor, world.community.assessor2]
    before = [mails_to(u) for u in recipients]
    sent = notify(api, world.community.leader, made["discussionId"], recipients)
    assert sent.status == 201 and sent.json()["queued"] == 2
    monkeypatch.undo()
    with clock.frozen(clock.now() + timedelta(minutes=2)):
        assert drivers.fire("RepairDeliveries") == {"outboxes": 1, "stillPending": 0}
    assert drivers.drain(QUEUE) == 4  # every alert twice on the queue
    assert [len(mappa_tasks(u)) for u in recipients] == [1, 1]
    assert [mails_to(u) - b for u, b in zip(recipients, before, strict=True)] == [1, 1]


def test_ntf2_two_copies_of_one_delivery_at_once_make_one_task_and_send_one_mail(world, api, cloud, monkeypatch):
    """Two consumers take the same message at once: the second runs while the first has read the recipient and
    has not written yet. One task, one e-mail."""
    urn = person(api, world.community.leader)
    made = record(api, world.community.leader, urn)
    notify(api, world.community.leader, made["discussionId"], [world.community.assessor])
    (body,) = [m["Body"] for m in queue_messages(cloud)]
    before = mails_to(world.community.assessor)
    real = directory_store.user

    def the_other_copy_runs_meanwhile(user_id):
        found = real(user_id)
        monkeypatch.setattr(directory_store, "user", real)
        assert consumer()(sqs_event(body), LambdaContext("notifications")) == {"batchItemFailures": []}
        return found

    monkeypatch.setattr(directory_store, "user", the_other_copy_runs_meanwhile)
    assert consumer()(sqs_event(body), LambdaContext("notifications")) == {"batchItemFailures": []}
    assert len(mappa_tasks(world.community.assessor)) == 1
    assert mails_to(world.community.assessor) - before == 1


def test_ntf2_mail_failing_after_the_task_is_made_is_sent_once_by_the_redelivery(world, api, cloud, monkeypatch):
    """The task is made (holding the e-mail's claim) and SES then fails for a while: the claim is given back, the
    message comes back, and the e-mail goes once; the task stays one."""
    from botocore.exceptions import ClientError

    from casework.store import messaging

    urn = person(api, world.community.leader)
    made = record(api, world.community.leader, urn)
    notify(api, world.community.leader, made["discussionId"], [world.community.assessor])
    (body,) = [m["Body"] for m in queue_messages(cloud)]
    before = mails_to(world.community.assessor)

    def throttled(*args, **kwargs):
        raise ClientError({"Error": {"Code": "Throttling", "Message": "slow down"}}, "SendEmail")

    monkeypatch.setattr(messaging, "send_mail", throttled)
    with pytest.raises(BatchProcessingError):  # the whole batch failed: SQS delivers it again
        consumer()(sqs_event(body), LambdaContext("notifications"))
    (task,) = mappa_tasks(world.community.assessor)
    assert task.emailed_at is None and mails_to(world.community.assessor) == before  # the claim given back
    monkeypatch.undo()
    for _ in range(2):  # the message comes back, then once more
        assert consumer()(sqs_event(body), LambdaContext("notifications")) == {"batchItemFailures": []}
    (task,) = mappa_tasks(world.community.assessor)
    assert task.emailed_at is not None and mails_to(world.community.assessor) - before == 1


def test_ntf2_alert_for_a_recipient_locked_since_is_dropped_and_not_sent_again(world, api, cloud, drivers,
                                                                              monkeypatch, capsys):
    from casework import notifications

    urn = person(api, world.community.leader)
    made = record(api, world.community.leader, urn)
    recipients = [world.community.assessor, world.community.assessor2]
    nid = notify(api, world.community.leader, made["discussionId"], recipients).json()["notificationId"]
    admin.set_locked(world.community.assessor, True, actor_id="system")
    before = [mails_to(u) for u in recipients]
    warned: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(notifications.logger, "warning", lambda message, **kw: warned.append((message, kw["extra"])))
    capsys.readouterr()
    assert drivers.drain(QUEUE) == 2
    assert [len(mappa_tasks(u)) for u in recipients] == [0, 1]
    assert [mails_to(u) - b for u, b in zip(recipients, before, strict=True)] == [0, 1]
    assert "MappaAlertDropped" in metrics_printed(capsys.readouterr().out)
    # the log line names ids only
    assert warned == [("alert for a locked recipient dropped",
                       {"notificationId": nid, "recipientId": world.community.assessor})]
    # consumed, and the outbox no longer lists it: neither the queue nor the sweep brings it back
    with clock.frozen(clock.now() + timedelta(hours=1)):
        assert drivers.fire("RepairDeliveries") == {"outboxes": 0, "stillPending": 0}
    assert queue_messages(cloud) == [] and mappa_tasks(world.community.assessor) == []


def test_ntf2_queue_batches_and_the_repair_sweep_flush_their_metrics(world, api, cloud, drivers, monkeypatch,
                                                                      capsys):
    urn = person(api, world.community.leader)
    made = record(api, world.community.leader, urn)
    notify(api, world.community.leader, made["discussionId"], [world.community.assessor])
    bodies = [m["Body"] for m in queue_messages(cloud)]
    capsys.readouterr()
    assert consumer()(sqs_event(*bodies), LambdaContext("notifications")) == {"batchItemFailures": []}
    assert "MappaAlertDelivered" in metrics_printed(capsys.readouterr().out)

    def unavailable(bodies):
        raise EndpointConnectionError(endpoint_url="https://sqs.eu-west-2.amazonaws.com")

    monkeypatch.setattr(messaging, "send_batch", unavailable)
    notify(api, world.community.leader, made["discussionId"], [world.community.assessor2])
    capsys.readouterr()
    assert drivers.fire("RepairDeliveries") == {"outboxes": 1, "stillPending": 1}
    assert "MappaAlertsPending" in metrics_printed(capsys.readouterr().out)


def test_ntf2_each_recipient_task_has_its_own_id(world, api, cloud):
    """NTF-2: each recipient's task has an id of its own, fixed by the delivery (the notification and the
    recipient), so every copy of a message still makes that one task and no other; completing one recipient's
    alert leaves the other's open."""
    from casework import ids, notifications

    urn = person(api, world.community.leader)
    made = record(api, world.community.leader, urn)
    recipients = [world.community.assessor, world.community.assessor2]
    nid = notify(api, world.community.leader, made["discussionId"], recipients).json()["notificationId"]
    bodies = [m["Body"] for m in queue_messages(cloud)]
    for _ in range(2):  # delivered, then every message again
        assert consumer()(sqs_event(*bodies), LambdaContext("notifications")) == {"batchItemFailures": []}
    tasks = {u: [t.task_id for t in mappa_tasks(u)] for u in recipients}
    assert tasks == {u: [notifications.task_id_for(nid, u)] for u in recipients}
    first, second = (tasks[u][0] for u in recipients)
    assert first != second and nid not in (first, second)
    assert all(ids.is_ulid(t) and t[:10] == nid[:10] for t in (first, second))  # sorted at the notification's time
    shown = {u: [t["taskId"] for t in api.get("/me/worktray", u).json()["items"]] for u in recipients}
    assert shown == tasks
    assert api.post(f"/worktray/{first}/complete", world.community.assessor).status == 200
    assert_problem(api.post(f"/worktray/{first}/complete", world.community.assessor2), 404)
    assert [t["taskId"] for t in api.get("/me/worktray", world.community.assessor2).json()["items"]] == [second]
    assert api.get("/me/worktray", world.community.assessor).json()["items"] == []

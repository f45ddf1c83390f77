"""MAPPA over HTTP against the local runner: a lead records a discussion and notifies two professionals
through the queue; each finds the alert in their worktray, acknowledges and completes it; the lead sees two
ticks. Neither professional (no right 100) ever sees the brief details."""

from __future__ import annotations

import time
import uuid
from datetime import date, timedelta
from typing import Any

import pytest

pytestmark = pytest.mark.e2e
LEAD, PROFESSIONALS = "COMMUNITY_LEADER", ("COMMUNITY_ASSESSOR", "COMMUNITY_SOCIAL")
SECRET = f"Action plan {uuid.uuid4().hex}: curfew 7pm, no contact with the victim's family"


def wait_for_alert(local_run, user: str, notification_id: str, seconds: float = 20) -> dict[str, Any]:
    deadline = time.time() + seconds
    while True:
        answer = local_run.call("GET", "/me/worktray", user)
        assert SECRET not in answer.text
        found = [t for t in answer.json()["items"] if t["link"] == f"/notifications/{notification_id}"]
        if found:
            return found[0]
        assert time.time() < deadline, f"no alert for {user}"
        time.sleep(0.2)


def test_lead_notifies_two_professionals_who_acknowledge(local_run):
    urn = f"URN-MAP-{uuid.uuid4().hex[:6].upper()}"
    today = date.today()
    assert local_run.call("POST", "/people", LEAD, json={
        "urn": urn, "forename": "Ellis", "surname": "Mackay", "dateOfBirth": "1985-06-01"}).status_code == 201
    case = local_run.call("POST", "/cases", LEAD, json={"urn": urn, "caseType": "ls-cmi"}).json()

    # the lead records a discussion: the person now carries the MAPPA flag
    made = local_run.call("POST", f"/people/{urn}/mappa", LEAD, json={
        "dateOfDiscussion": (today - timedelta(days=3)).isoformat(),
        "reviewDate": (today + timedelta(days=60)).isoformat(), "level": 2, "category": 1, "details": SECRET})
    assert made.status_code == 201, made.text
    discussion_id = made.json()["discussionId"]
    assert local_run.call("GET", f"/people/{urn}", PROFESSIONALS[0]).json()["mappa"]["current"] is True

    # and notifies two professionals from the address book
    recipients = [local_run.user_id(p) for p in PROFESSIONALS]
    sent = local_run.call("POST", f"/mappa/{discussion_id}/notifications", LEAD, json={
        "recipients": recipients, "dateNotified": today.isoformat(), "sendAlert": True},
        headers={"Idempotency-Key": f"notify-{urn}"})
    assert sent.status_code == 201, sent.text
    notification_id = sent.json()["notificationId"]

    for professional in PROFESSIONALS:
        # each finds the alert in their worktray (through the queue), with a link to the notification
        alert = wait_for_alert(local_run, professional, notification_id)
        assert alert["kind"] == "mappa-notification" and alert["overdue"] is False
        note = local_run.call("GET", alert["link"], professional)
        assert note.status_code == 200 and SECRET not in note.text
        # sees that the discussion exists, never its details
        read = local_run.call("GET", f"/mappa/{discussion_id}", professional)
        assert read.json()["detailsWithheld"] is True and SECRET not in read.text
        assert SECRET not in local_run.call("GET", f"/people/{urn}/mappa", professional).text
        assert SECRET not in local_run.call("GET", f"/cases/{case['caseId']}/audit", professional).text
        trail = local_run.call("GET", f"/people/{urn}/audit", professional)  # where the MAPPA changes are audited
        assert trail.status_code == 200 and "mappa.recorded" in trail.text and SECRET not in trail.text
        # acknowledges, then completes the alert
        acked = local_run.call("POST", f"/notifications/{notification_id}/acknowledge", professional)
        assert acked.status_code == 200, acked.text
        done = local_run.call("POST", f"/worktray/{alert['taskId']}/complete", professional)
        assert done.status_code == 200 and done.json()["completedAt"]
        tray = local_run.call("GET", "/me/worktray", professional).json()["items"]
        assert alert["taskId"] not in [t["taskId"] for t in tray]

    # the lead sees two ticks with their times, and the details
    shown = local_run.call("GET", f"/mappa/{discussion_id}", LEAD).json()
    assert shown["details"] == SECRET
    (notification,) = shown["notifications"]
    assert sorted(r["userId"] for r in notification["recipients"] if r["acknowledged"]) == sorted(recipients)
    assert all(r["acknowledgedAt"] for r in notification["recipients"])


def test_seeded_discussion_and_repair_schedule(local_run):
    listed = local_run.call("GET", "/people/URN-100001/mappa", "COMMUNITY_READER")
    assert listed.status_code == 200 and listed.json()["mappa"]["current"] is True
    assert [d["detailsWithheld"] for d in listed.json()["items"]] == [True]
    fired = local_run.call("POST", "/local/schedules/RepairDeliveries")
    assert fired.status_code == 200 and fired.json()["result"] == {"outboxes": 0, "stillPending": 0}

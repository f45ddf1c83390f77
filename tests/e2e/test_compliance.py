"""Deadlines over HTTP against the local runner (CMP-1, CMP-2): its movable clock (`/local/clock`), and the
`SweepDeadlines` schedule fired one after another and at the same moment (in parallel Lambda instances) while
time moves on: each stage's alert reaches the right worktray exactly once.

The deadlines are the seeded children's department's own (Cardiff, Wales; social worker -> practice manager ->
team manager): C&F assessments started over HTTP (`POST /cases/{caseId}/cf-assessments`, CSC-1), each watched by
the assessment's deadline and the practice manager's "C&F, please set priority" reminder.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.e2e.runner import LocalRun, at_once

pytestmark = pytest.mark.e2e

LEAD = "COMMUNITY_LEADER"
WORKER, PRACTICE, MANAGER = "CHILDREN_SOCIAL", "CHILDREN_PRACTICE", "CHILDREN_MANAGER"  # each the next one's report
SCHEDULE = "/local/schedules/SweepDeadlines"
START = "2027-01-04T09:00:00Z"  # Monday; in Wales a working day
CHILDREN = 3


def parse(instant: str) -> datetime:
    return datetime.fromisoformat(instant.replace("Z", "+00:00"))


def clock(run: LocalRun, body: Any = None, raw: str | None = None) -> Any:
    answer = run.call("POST" if body is not None or raw is not None else "GET", "/local/clock",
                      data=raw if raw is not None else (json.dumps(body) if body is not None else None))
    return answer


def set_clock(run: LocalRun, **body: Any) -> datetime:
    answer = clock(run, body)
    assert answer.status_code == 200, answer.text
    return parse(answer.json()["now"])


def near(moment: datetime, expected: str, seconds: float = 60) -> bool:
    return abs((moment - parse(expected)).total_seconds()) < seconds


# ---------------------------------------------------------------- the clock route


@pytest.mark.parametrize("raw", [
    "", "not json", "[]", '"2027-01-04"', "{}", '{"at": "2027-01-04T09:00:00"}', '{"at": "next week"}',
    '{"at": 20270104}', '{"days": "3"}', '{"days": true}', '{"days": 1, "weeks": 2}', '{"reset": false}',
    '{"hours": null}', '{"days": 1e400}', '{"days": 999999999}', '{"at": "9999-12-31T00:00:00Z"}',
])
def test_local_clock_refuses_a_bad_body(local_run, raw):
    answer = clock(local_run, raw=raw)
    assert answer.status_code == 400, (raw, answer.status_code, answer.text)
    assert "reset" in answer.json()["detail"]


def test_local_clock_moves_every_function_and_resets(local_run):
    real = clock(local_run).json()
    assert real["offsetSeconds"] == 0 and near(parse(real["now"]), datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    try:
        # set: the answer says where it is, and the functions' own clock agrees (a case opened "now")
        assert near(set_clock(local_run, at=START), START, seconds=5)
        assert near(parse(clock(local_run).json()["now"]), START, seconds=30)
        urn = f"CLK-{uuid.uuid4().hex[:8].upper()}"
        assert local_run.call("POST", "/people", LEAD, json={"urn": urn, "forename": "Ida", "surname": "Clock",
                                                            "dateOfBirth": "1990-01-01"}).status_code == 201
        opened = local_run.call("POST", "/cases", LEAD, json={"urn": urn, "caseType": "ls-cmi"})
        assert opened.status_code == 201 and near(parse(opened.json()["openedAt"]), START, seconds=60)
        # moved on from where it is: days, hours, minutes (negative too)
        assert near(set_clock(local_run, days=1, hours=2, minutes=30), "2027-01-05T11:30:00Z", seconds=30)
        assert near(set_clock(local_run, hours=-1.5), "2027-01-05T10:00:00Z", seconds=30)
    finally:
        back = clock(local_run, {"reset": True})
    assert back.status_code == 200 and back.json()["offsetSeconds"] == 0
    assert near(parse(back.json()["now"]), datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), seconds=5)


# ---------------------------------------------------------------- the sweep, fired again and at once


def fire(run: LocalRun) -> None:
    answer = run.call("POST", SCHEDULE)
    assert answer.status_code == 200, answer.text


def fire_at_once(run: LocalRun) -> None:
    both = at_once(first=lambda: run.call("POST", SCHEDULE), second=lambda: run.call("POST", SCHEDULE))
    assert [a.status_code for a in both.values()] == [200, 200], [a.text for a in both.values()]


def alerts(run: LocalRun, user: str, assessments: list[str]) -> list[str]:
    """The task ids of the user's open alerts about these C&F assessments (`GET /me/worktray`), each once."""
    answer = run.call("GET", "/me/worktray", user, params={"limit": 100})
    assert answer.status_code == 200, answer.text
    found = [t["taskId"] for t in answer.json()["items"]
             if any(t["taskId"].startswith((f"cf-{a}-", f"cfp-{a}-")) for a in assessments)]
    assert len(found) == len(set(found)), found
    return sorted(found)


def expected(assessments: list[str], *stages: str) -> list[str]:
    """Task ids are the deadline, its stage and its recipient: `cf-<id>-<stage>-<n>`, `cfp-<id>-0-0`."""
    return sorted(f"{prefix}-{a}-{stage}" for a in assessments for prefix, stage in (s.split(":") for s in stages))


def test_cmp2_sweep_fired_again_and_at_once_raises_each_alert_once(local_run):
    run = local_run
    try:
        # given three children's C&F assessments started on Monday 4 January 2027, due on the 18th (10 working days)
        set_clock(run, at=START)
        assessments = []
        for n in range(CHILDREN):
            urn = f"E2E-{uuid.uuid4().hex[:8].upper()}"
            assert run.call("POST", "/people", PRACTICE, json={
                "urn": urn, "forename": f"Child{n}", "surname": "Deadline", "dateOfBirth": "2018-05-01"},
            ).status_code == 201
            case = run.call("POST", "/cases", PRACTICE, json={"urn": urn, "caseType": "child-in-need"})
            assert case.status_code == 201, case.text
            case_id = case.json()["caseId"]
            assert run.call("PUT", f"/cases/{case_id}/assignment", PRACTICE,
                            json={"userId": run.user_id(WORKER)}).status_code == 200
            started = run.call("POST", f"/cases/{case_id}/cf-assessments", PRACTICE, json={})
            assert started.status_code == 201, started.text
            assert started.json()["dueDate"] == "2027-01-18"
            assessments.append(started.json()["assessmentId"])
        # the worker's "started" task arrives with the assessment
        assert alerts(run, WORKER, assessments) == expected(assessments, "cf:0-0")
        fire(run)
        assert alerts(run, PRACTICE, assessments) == []

        # Monday 11th (the fifth working day): fired three times -> the practice manager is asked once per assessment
        set_clock(run, at="2027-01-11T08:00:00Z")
        for _ in range(3):
            fire(run)
        assert alerts(run, PRACTICE, assessments) == expected(assessments, "cfp:0-0")

        # Thursday 14th (2 working days before): fired twice at the same moment -> approaching, to the worker, once
        set_clock(run, days=3)
        fire_at_once(run)
        assert alerts(run, WORKER, assessments) == expected(assessments, "cf:0-0", "cf:1-0")

        # Tuesday 19th (the 18th has ended): at once, then again -> passed, to the worker and the practice manager
        set_clock(run, days=5)
        fire_at_once(run)
        fire(run)
        assert alerts(run, WORKER, assessments) == expected(assessments, "cf:0-0", "cf:1-0", "cf:2-0")
        assert alerts(run, PRACTICE, assessments) == expected(assessments, "cfp:0-0", "cf:2-1")
        assert alerts(run, MANAGER, assessments) == []

        # Tuesday 26th (5 working days on): at once, then again -> escalated to the team manager, once
        set_clock(run, days=7)
        fire_at_once(run)
        fire(run)
        assert alerts(run, MANAGER, assessments) == expected(assessments, "cf:3-0")
        assert alerts(run, WORKER, assessments) == expected(assessments, "cf:0-0", "cf:1-0", "cf:2-0")
        assert alerts(run, PRACTICE, assessments) == expected(assessments, "cfp:0-0", "cf:2-1")

        # and the practice manager's view says the same: every one passed, nothing left to raise
        team = run.call("GET", "/deadlines", PRACTICE, params={"state": "passed", "limit": 100}).json()["items"]
        mine = [d for d in team if d["deadlineId"] in {f"cf-{a}" for a in assessments}]
        assert len(mine) == CHILDREN and all(d["nextStage"] is None for d in mine)
    finally:
        clock(run, {"reset": True})

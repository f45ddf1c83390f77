"""A MAPPA discussion's review date as a deadline (DOMAIN: MAP-3 with MAP-2, MAP-4, CMP-1, CMP-2) through the real
handlers (moto in-process): approaching it alerts the lead who recorded the discussion; passed, that lead and the
person's worker, once; moving the date restages it; ending the discussion, or a subsequent one, meets it."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from casework import clock
from casework.compliance import rules, sweep
from casework.store import deadlines as deadline_store
from casework.store import mappa as mappa_store
from casework.store.models import DeadlineItem
from tests.integration.lscmi_flow import assigned_case
from tests.integration.test_assignment import tasks_of
from tests.support import Api

SECRET = "Action plan: curfew 7pm, no contact with the Murray family"
URN = "URN-MD1"


def days(n: int) -> str:
    return (clock.today() + timedelta(days=n)).isoformat()


def record(api: Api, user: str, **kw: Any) -> dict[str, Any]:
    body = {"dateOfDiscussion": days(-10), "reviewDate": days(30), "level": 2, "category": 1, "details": SECRET, **kw}
    answer = api.post(f"/people/{URN}/mappa", user, body)
    assert answer.status == 201, answer.json()
    return answer.json()


def amend(api: Api, user: str, discussion_id: str, **body: Any) -> dict[str, Any]:
    answer = api.call("PATCH", f"/mappa/{discussion_id}", user, body=body)
    assert answer.status == 200, answer.json()
    return answer.json()


def review(discussion_id: str) -> DeadlineItem | None:
    found = mappa_store.find_discussion(discussion_id)
    assert found is not None
    return next((d for d in deadline_store.of_discussion(found) if d.deadline_id == f"map3-{discussion_id}"), None)


def stage_at(item: DeadlineItem, name: str) -> datetime:
    return rules.parse_at(next(s["at"] for s in item.stages if s["name"].startswith(name)))


def sweep_at(moment: datetime) -> dict[str, Any]:
    with clock.frozen(moment):
        return sweep.sweep()


def alerts(user_id: str) -> list[Any]:
    """Every MAPPA review alert ever put in the user's worktray."""
    return [t for t in tasks_of(user_id) if t.task_kind == "mappa-review"]


def subjects(user_id: str) -> list[str]:
    return sorted(t.subject for t in alerts(user_id))


def test_map3_a_passing_review_date_alerts_the_recorder_and_the_person_s_worker_exactly_once(world, api):
    c = world.community
    assigned_case(api, c.leader, c.assessor, URN)
    made = record(api, c.leader, reviewDate=days(30))
    item = review(made["discussionId"])
    assert item is not None
    assert (item.rule, item.deadline_kind, item.due_date, item.owner_id) == ("MAP-3", "mappa-review", days(30),
                                                                              c.leader)
    assert (item.status, item.link) == ("open", f"/mappa/{made['discussionId']}")
    assert alerts(c.leader) == alerts(c.assessor) == []
    subject = "MAPPA review of Alex Smith (URN-MD1)"

    # approaching: the lead who recorded it, once
    sweep_at(stage_at(item, "approaching") + timedelta(minutes=1))
    sweep_at(stage_at(item, "approaching") + timedelta(hours=1))
    assert subjects(c.leader) == [f"Approaching: {subject}, due {days(30)}"]
    assert alerts(c.assessor) == []

    # the review day has ended: the lead and the person's worker, once each, however often the sweep runs
    passed = stage_at(item, "passed")
    assert passed == rules.end_of(date.fromisoformat(days(30)))
    for later in (timedelta(minutes=1), timedelta(minutes=16), timedelta(days=9)):
        sweep_at(passed + later)
    assert subjects(c.leader) == sorted([f"Approaching: {subject}, due {days(30)}",
                                         f"Passed: {subject}, was due {days(30)}"])
    assert subjects(c.assessor) == [f"Passed: {subject}, was due {days(30)}"]
    # MAP-2: no alert carries the brief details
    assert not [t for t in alerts(c.leader) + alerts(c.assessor) if "curfew" in t.subject or SECRET in t.subject]
    assert sweep_at(passed + timedelta(days=60))["stages"] == 0


def test_map3_changing_the_review_date_restages_it(world, api):
    c = world.community
    assigned_case(api, c.leader, c.assessor, URN)
    made = record(api, c.leader, reviewDate=days(30))
    old = review(made["discussionId"])
    assert old is not None
    amend(api, c.leader, made["discussionId"], reviewDate=days(60))
    moved = review(made["discussionId"])
    assert moved is not None and moved.due_date == days(60) and moved.status == "open"
    assert sweep_at(stage_at(old, "passed") + timedelta(minutes=1))["stages"] == 0
    sweep_at(stage_at(moved, "passed") + timedelta(minutes=1))
    assert [t.due_date for t in alerts(c.assessor)] == [days(60)]


def test_map3_a_review_put_off_after_it_passed_is_told_again_when_the_new_date_passes(world, api):
    c = world.community
    assigned_case(api, c.leader, c.assessor, URN)
    made = record(api, c.leader, dateOfDiscussion=days(-40), reviewDate=days(-2))
    # recorded already passed: the lead and the worker are told at once
    assert len(alerts(c.assessor)) == 1 and len(alerts(c.leader)) == 1
    amend(api, c.leader, made["discussionId"], reviewDate=days(20))
    moved = review(made["discussionId"])
    assert moved is not None
    sweep_at(stage_at(moved, f"passed-{days(20)}") + timedelta(minutes=1))
    assert sorted(t.subject.split(", was due ")[1] for t in alerts(c.assessor)) == sorted([days(-2), days(20)])


def test_map3_ending_the_discussion_meets_it_and_nothing_more_is_raised(world, api):
    c = world.community
    assigned_case(api, c.leader, c.assessor, URN)
    made = record(api, c.leader, reviewDate=days(30))
    item = review(made["discussionId"])
    assert item is not None
    amend(api, c.leader, made["discussionId"], dateEnded=clock.today().isoformat())
    met = review(made["discussionId"])
    assert met is not None and (met.status, met.met_by) == ("met", c.leader)
    assert met.met_how == f"discussion ended {clock.today().isoformat()}"
    assert sweep_at(stage_at(item, "passed") + timedelta(days=1))["stages"] == 0
    assert alerts(c.leader) == alerts(c.assessor) == []


def test_map3_an_ended_discussion_planned_again_alerts_again(world, api):
    c = world.community
    assigned_case(api, c.leader, c.assessor, URN)
    made = record(api, c.leader, reviewDate=days(30))
    amend(api, c.leader, made["discussionId"], dateEnded=clock.today().isoformat())
    amend(api, c.leader, made["discussionId"], reviewDate=days(40), dateEnded=None)
    item = review(made["discussionId"])
    assert item is not None and (item.status, item.due_date, item.met_at) == ("open", days(40), None)
    sweep_at(stage_at(item, "passed") + timedelta(minutes=1))
    assert len(alerts(c.assessor)) == 1


def test_map3_map4_a_subsequent_discussion_meets_the_previous_review_and_starts_its_own(world, api):
    c = world.community
    assigned_case(api, c.leader, c.assessor, URN)
    first = record(api, c.leader, dateOfDiscussion=days(-30), reviewDate=days(10))
    second = record(api, c.leader, dateOfDiscussion=days(-1), reviewDate=days(50), endCurrent=True)
    previous, current = review(first["discussionId"]), review(second["discussionId"])
    assert previous is not None and current is not None
    assert (previous.status, previous.met_how) == ("met", f"subsequent discussion {second['discussionId']}")
    assert (current.status, current.due_date) == ("open", days(50))
    sweep_at(stage_at(previous, "passed") + timedelta(minutes=1))
    assert alerts(c.assessor) == []


def test_map3_a_discussion_recorded_ended_has_no_review_deadline(world, api):
    c = world.community
    assigned_case(api, c.leader, c.assessor, URN)
    made = record(api, c.leader, reviewDate=None, dateEnded=days(-1))
    assert review(made["discussionId"]) is None


def test_map3_the_workers_are_those_of_the_person_s_open_cases_and_the_recorder_is_told_once(world, api):
    """The lead recording the discussion is also the person's worker: one passed alert, not two."""
    c = world.community
    assigned_case(api, c.leader, c.leader, URN)
    made = record(api, c.leader, dateOfDiscussion=days(-40), reviewDate=days(-1))
    assert [t.subject.split(":")[0] for t in alerts(c.leader)] == ["Passed"]
    assert alerts(c.assessor) == []
    item = review(made["discussionId"])
    assert item is not None and [s["to"] for s in item.stages if s["name"].startswith("passed")] == [
        [f"user:{c.leader}", f"user:{c.leader}"]]

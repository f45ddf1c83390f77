"""Deadlines, their alerts and escalations (DOMAIN: CMP-1, CMP-2, CMP-5, NTF-1) through the real handlers: the
compliance function's schedule entry (the sweep) and its routes, the worktray and assignment routes, in moto.

The deadlines are made the way a capability makes them (`store.deadlines.for_case` and `compliance.deadlines.start`
in one transaction), on children's cases opened and assigned through the API, so these tests depend on no
capability that records a timescale. Time is moved with `casework.clock.frozen`.

The children's service (Wales) has a chain of supervisors for escalations:
leader (the top) <- team manager <- practice manager <- social workers sw1, sw2; and the world's own worker
directly under the leader.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from botocore.client import BaseClient

from casework import admin, cases, clock
from casework.compliance import deadlines, rules
from casework.compliance import sweep as sweep_module
from casework.compliance.rules import Ladder
from casework.store import deadlines as store
from casework.store import records
from casework.store.models import DeadlineItem
from casework.store.tx import Changes
from local import template
from local.events import LambdaContext
from tests.integration.test_assignment import assert_problem, tasks_of
from tests.support import Api, World, open_case, race

NATION = "wales"
START = datetime(2027, 1, 4, 9, tzinfo=UTC)  # Monday 4 January 2027, GMT
DUE = date(2027, 1, 18)  # a Monday: approaching from Thursday 14th, passed once the 18th has ended
LADDER = Ladder(approaching=2, escalate_after=5, levels=3)
# when each stage of a deadline due on DUE is raised (UK = UTC in January)
APPROACHING = datetime(2027, 1, 14, tzinfo=UTC)
PASSED = datetime(2027, 1, 19, tzinfo=UTC)
ESCALATED_2 = datetime(2027, 1, 26, tzinfo=UTC)  # 5 working days after the 18th is the 25th, once it has ended
ESCALATED_3 = datetime(2027, 2, 2, tzinfo=UTC)


@pytest.fixture(autouse=True)
def only_these_deadlines() -> Iterator[None]:
    """Opening a children's case may start a capability's own deadline (CSC-2's first statutory visit): not here,
    where each test counts what the sweep does with the deadlines it made itself. The compliance function is
    imported first, so that what it registers on import is registered before it is set aside."""
    template.handler_of(template.functions()["ComplianceFunction"])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cases, "OPENED", [], raising=False)
        yield


@dataclass
class Team:
    leader: str
    team_manager: str
    practice_manager: str
    sw1: str
    sw2: str
    worker: str  # the world's social worker, directly under the leader
    reader: str


@pytest.fixture
def team(world: World) -> Team:
    children = world.children
    chain = [("team-manager", "practice-manager", children.leader),
             ("practice-manager", "practice-manager", "children-team-manager"),
             ("sw1", "social-worker", "children-practice-manager"),
             ("sw2", "social-worker", "children-practice-manager")]
    for role, group, supervisor in chain:
        admin.add_user(f"children-{role}", service_id=children.service_id, forename=role.title(), surname="Wales",
                       email=f"{role}@children.example.org", group_id=group, supervisor_id=supervisor,
                       actor_id="system")
    return Team(leader=children.leader, team_manager="children-team-manager",
                practice_manager="children-practice-manager", sw1="children-sw1", sw2="children-sw2",
                worker=children.worker, reader=children.reader)


_urns = itertools.count(1)


def child_case(api: Api, team: Team, worker: str) -> str:
    """A child-in-need case opened and assigned to `worker` through the API; its id."""
    with clock.frozen(START):
        case = open_case(api, team.leader, urn=f"CH-{next(_urns):04d}", surname="Jones", case_type="child-in-need")
        assigned = api.put(f"/cases/{case['caseId']}/assignment", team.leader, {"userId": worker})
    assert assigned.status == 200, assigned.json()
    return str(case["caseId"])


def deadline(case_id: str, owner_id: str, *, due: date = DUE, now: datetime = START, steps: Ladder = LADDER,
             nation: str = NATION, name: str = "cf") -> DeadlineItem:
    """A C&F assessment's deadline on the case, started as a capability starts one (stages already due raised)."""
    case = records.find_case(case_id)
    assert case is not None
    item = store.for_case(case, f"{name}-{case_id[-6:]}", rule="CSC-1", deadline_kind="cf-assessment",
                          subject=f"C&F assessment for {case.forename} {case.surname}",
                          link=f"/cases/{case_id}/cf-assessments/A-{name}", owner_id=owner_id, nation=nation,
                          start_date=rules.uk_day(now).isoformat(), due_date=due.isoformat(), status="open",
                          created_at=clock.iso(now))
    changes = Changes()
    with clock.frozen(now):
        deadlines.start(changes, item, rules.ladder(due, nation=nation, steps=steps, now=now), now=now)
    changes.commit()
    return item


def fire(at: datetime, **event: Any) -> dict[str, Any]:
    """What the schedule does: the compliance function's handler with the schedule's event, at `at`."""
    handler = template.handler_of(template.functions()["ComplianceFunction"])
    with clock.frozen(at):
        result: dict[str, Any] = handler({"sweep": "deadlines", **event}, LambdaContext("compliance", timeout_s=120))
    return result


def worktray(api: Api, user: str, at: datetime) -> list[dict[str, Any]]:
    """The user's open deadline alerts in `GET /me/worktray` (without the tasks "case assigned to you")."""
    with clock.frozen(at):
        answer = api.get("/me/worktray", user, query={"limit": 100})
    assert answer.status == 200, answer.json()
    return [t for t in answer.json()["items"] if t["kind"] != "case-assigned"]


def alerts(user: str) -> list[Any]:
    """Every compliance alert ever put in the user's worktray (completed too), read from the store."""
    return [t for t in tasks_of(user) if t.rule is not None]


def alert_ids(*users: str) -> list[str]:
    return sorted(t.task_id for u in users for t in alerts(u))


def current(item: DeadlineItem) -> DeadlineItem:
    found = store.get(item.pk, item.sk)
    assert found is not None
    return found


# ---------------------------------------------------------------- CMP-1


def test_cmp1_stages_raised_as_time_passes(api, team):
    # given a C&F deadline due Monday 18 January on sw1's case, set on the 4th
    case_id = child_case(api, team, team.sw1)
    item = deadline(case_id, team.sw1)
    everyone = (team.sw1, team.practice_manager, team.team_manager, team.leader)

    # when the schedule fires just before the approaching stage: nothing is raised
    assert fire(APPROACHING - timedelta(minutes=1))["stages"] == 0
    assert alert_ids(*everyone) == []

    # at the start of Thursday 14th (2 working days before): the worker, and only the worker, is told
    first = fire(APPROACHING + timedelta(minutes=10))
    assert (first["read"], first["deadlines"], first["stages"]) == (1, 1, 1)
    (approaching,) = worktray(api, team.sw1, APPROACHING + timedelta(hours=9))
    assert approaching == {
        "taskId": f"{item.deadline_id}-0-0", "kind": "cf-assessment",
        "subject": "Approaching: C&F assessment for Alex Jones, due 2027-01-18", "caseId": case_id,
        "dueDate": "2027-01-18", "overdue": False, "createdAt": "2027-01-14T00:10:00.000Z", "completedAt": None,
        "link": f"/cases/{case_id}/cf-assessments/A-cf",
    }
    assert alert_ids(team.practice_manager, team.team_manager, team.leader) == []

    # on the due day itself, to its last minute, nothing more
    assert fire(PASSED - timedelta(minutes=1))["stages"] == 0

    # once the 18th has ended: the worker and their supervisor (the practice manager), overdue
    assert fire(PASSED + timedelta(minutes=5))["stages"] == 1
    passed_at = PASSED + timedelta(hours=9)
    worker_tray = worktray(api, team.sw1, passed_at)
    assert [t["subject"] for t in worker_tray] == ["Approaching: C&F assessment for Alex Jones, due 2027-01-18",
                                                   "Passed: C&F assessment for Alex Jones, was due 2027-01-18"]
    assert all(t["overdue"] for t in worker_tray)
    (manager_alert,) = worktray(api, team.practice_manager, passed_at)
    assert manager_alert["subject"] == "Passed: C&F assessment for Alex Jones, was due 2027-01-18"
    assert manager_alert["overdue"] and manager_alert["link"] == f"/cases/{case_id}/cf-assessments/A-cf"
    assert alert_ids(team.team_manager, team.leader) == []

    # 5 working days later, one level up (the team manager), due within 1 working day; 5 more, the top (the leader)
    assert fire(ESCALATED_2 + timedelta(minutes=5))["stages"] == 1
    (escalated,) = worktray(api, team.team_manager, ESCALATED_2 + timedelta(hours=9))
    assert escalated["subject"] == "Escalated: C&F assessment for Alex Jones, was due 2027-01-18"
    assert (escalated["dueDate"], escalated["overdue"]) == ("2027-01-26", False)
    assert alert_ids(team.leader) == []
    assert fire(ESCALATED_3 + timedelta(minutes=5))["stages"] == 1
    (top,) = worktray(api, team.leader, ESCALATED_3 + timedelta(hours=9))
    assert top["dueDate"] == "2027-02-02" and top["kind"] == "cf-assessment"

    # every stage raised: the deadline has left the due index, and a later sweep reads nothing
    assert fire(ESCALATED_3 + timedelta(days=30)) | {"at": None} == {
        "read": 0, "deadlines": 0, "stages": 0, "alreadyRaised": 0, "failed": 0, "finished": True, "at": None}
    with clock.frozen(ESCALATED_3 + timedelta(hours=9)):
        (shown,) = api.get(f"/cases/{case_id}/deadlines", team.sw1).json()
    assert shown["state"] == "passed" and shown["nextStage"] is None
    assert [(s["name"], s["sentTo"]) for s in shown["stages"]] == [
        ("approaching", [team.sw1]), ("passed", [team.sw1, team.practice_manager]),
        ("escalated-2", [team.team_manager]), ("escalated-3", [team.leader])]

    # NTF-1: completing an alert removes it from the worktray
    with clock.frozen(passed_at):
        done = api.post(f"/worktray/{manager_alert['taskId']}/complete", team.practice_manager)
    assert done.status == 200 and done.json()["completedAt"] is not None
    assert worktray(api, team.practice_manager, passed_at) == []
    assert len(alerts(team.practice_manager)) == 1  # kept, completed, and not raised again
    assert fire(ESCALATED_3 + timedelta(days=31))["stages"] == 0
    assert worktray(api, team.practice_manager, passed_at) == []


def test_cmp1_a_deadline_set_late_raises_what_is_already_due_with_it(api, team):
    # given a deadline recorded after it has already passed (a timescale entered late)
    case_id = child_case(api, team, team.sw1)
    late = PASSED + timedelta(days=1, hours=10)
    item = deadline(case_id, team.sw1, now=late)
    # then the stages already due were raised with it, once, and the sweep finds nothing more to do
    assert [s["name"] for s in current(item).stages if "raisedAt" in s] == ["passed"]
    assert [t.subject for t in alerts(team.sw1)] == ["Passed: C&F assessment for Alex Jones, was due 2027-01-18"]
    assert len(alerts(team.practice_manager)) == 1
    assert fire(late + timedelta(minutes=15))["stages"] == 0


def test_cmp1_met_deadline_raises_nothing_more(api, team):
    # given a deadline whose approaching alert has been raised
    case_id = child_case(api, team, team.sw1)
    item = deadline(case_id, team.sw1)
    assert fire(APPROACHING + timedelta(hours=1))["stages"] == 1

    # when the worker meets it (the assessment completed) before it passes
    met_at = APPROACHING + timedelta(days=1)
    changes = Changes()
    deadlines.meet(changes, current(item), by=team.sw1, how="cf-assessment.completed", at=clock.iso(met_at))
    changes.commit()

    # then the schedule raises nothing more for it, however late, and reads nothing (it left the due index)
    for at in (PASSED + timedelta(minutes=5), ESCALATED_2 + timedelta(minutes=5), ESCALATED_3 + timedelta(days=9)):
        assert fire(at) | {"at": None} == {"read": 0, "deadlines": 0, "stages": 0, "alreadyRaised": 0,
                                           "failed": 0, "finished": True, "at": None}
    assert [t.stage for t in alerts(team.sw1)] == ["approaching"]
    assert alert_ids(team.practice_manager, team.team_manager, team.leader) == []
    with clock.frozen(PASSED + timedelta(hours=9)):
        (shown,) = api.get(f"/cases/{case_id}/deadlines", team.sw1).json()
        team_list = api.get("/deadlines", team.practice_manager).json()
    assert (shown["state"], shown["metHow"]) == ("met", "cf-assessment.completed")
    assert team_list["items"] == []  # a met deadline is no longer anyone's to watch


def test_cmp1_reassigned_case_deadlines_follow_worker(api, team):
    # given sw1's case (supervised by the practice manager) with a deadline, its approaching alert raised to sw1
    case_id = child_case(api, team, team.sw1)
    item = deadline(case_id, team.sw1)
    assert fire(APPROACHING + timedelta(hours=1))["stages"] == 1

    # when the case is reassigned to the world's worker, who is supervised by the leader
    with clock.frozen(APPROACHING + timedelta(hours=2)):
        moved = api.put(f"/cases/{case_id}/assignment", team.leader, {"userId": team.worker})
    assert moved.status == 200, moved.json()
    assert current(item).owner_id == team.worker

    # then the deadline's later stages go to the new worker and up the new worker's chain
    assert fire(PASSED + timedelta(minutes=5))["stages"] == 1
    assert [t.stage for t in alerts(team.worker)] == ["passed"]
    assert [t.stage for t in alerts(team.leader)] == ["passed"]  # the new worker's supervisor
    assert [t.stage for t in alerts(team.sw1)] == ["approaching"]  # what sw1 had stays with sw1, nothing more
    assert alerts(team.practice_manager) == []
    # and the managers' lists follow it too
    with clock.frozen(PASSED + timedelta(hours=9)):
        assert api.get("/deadlines", team.practice_manager).json()["items"] == []
        (listed,) = api.get("/deadlines", team.leader).json()["items"]
    assert (listed["deadlineId"], listed["ownerId"]) == (item.deadline_id, team.worker)


def test_cmp1_unassigned_case_deadlines_go_to_whoever_unassigned_it(api, team):
    case_id = child_case(api, team, team.sw1)
    item = deadline(case_id, team.sw1)
    with clock.frozen(START + timedelta(days=1)):
        answer = api.put(f"/cases/{case_id}/assignment", team.leader, {"userId": None})
    assert answer.status == 200, answer.json()
    assert current(item).owner_id == team.leader
    assert fire(APPROACHING + timedelta(minutes=1))["stages"] == 1
    assert [t.stage for t in alerts(team.leader)] == ["approaching"]
    assert alerts(team.sw1) == []


# ---------------------------------------------------------------- CMP-2


def several(api: Api, team: Team, count: int, *, due: date = DUE) -> list[DeadlineItem]:
    """`count` deadlines, on cases of sw1 and sw2 in turn."""
    made = []
    for n in range(count):
        owner = (team.sw1, team.sw2)[n % 2]
        made.append(deadline(child_case(api, team, owner), owner, due=due))
    return made


def expected_alerts(items: list[DeadlineItem], stages: int, team: Team) -> list[str]:
    """The task ids the first `stages` stages of these ladder deadlines raise: approaching (the worker), passed (the
    worker and the practice manager), escalated-2 (the team manager)."""
    per_stage = [1, 2, 1, 1]
    return sorted(deadlines.task_id(i, s, r) for i in items for s in range(stages) for r in range(per_stage[s]))


def test_cmp2_schedule_fired_three_times_raises_once(api, team):
    # given three deadlines past due, each with approaching and passed stages due
    made = several(api, team, 3)
    at = PASSED + timedelta(minutes=3)
    # when the schedule fires three times (its retries, or runs moments apart)
    runs = [fire(at), fire(at), fire(at + timedelta(minutes=15))]
    # then the first raises both stages of each, the others find nothing due
    assert [(r["read"], r["deadlines"], r["stages"]) for r in runs] == [(3, 3, 6), (0, 0, 0), (0, 0, 0)]
    everyone = (team.sw1, team.sw2, team.practice_manager, team.team_manager, team.leader)
    assert alert_ids(*everyone) == expected_alerts(made, 2, team)  # each alert exactly once
    with clock.frozen(at):
        assert len(api.get("/me/worktray", team.practice_manager).json()["items"]) == 3


def test_cmp2_the_schedule_retrying_an_old_event_raises_nothing_twice(api, team):
    # an invocation that runs late (the scheduler's retry of an event up to 15 minutes old) raises what is due by
    # its own clock, and one that overlaps a later run raises nothing that run raised
    made = several(api, team, 2)
    assert fire(ESCALATED_2 + timedelta(minutes=1))["stages"] == 6
    assert fire(ESCALATED_2 - timedelta(days=5))["stages"] == 0  # an older view of time: all already raised
    everyone = (team.sw1, team.sw2, team.practice_manager, team.team_manager, team.leader)
    assert alert_ids(*everyone) == expected_alerts(made, 3, team)


def test_cmp2_two_sweeps_at_once_raise_once(api, team, monkeypatch):
    # given four deadlines past due
    made = several(api, team, 4)
    at = PASSED + timedelta(minutes=3)

    # when two invocations of the schedule run at the same moment: both read the due index in the same order, so
    # their first commits (released together by tests.support.race) are for the same deadline
    def one_sweep() -> Any:
        with clock.frozen(at):
            return sweep_module.sweep(60.0)

    with clock.frozen(at):
        first, second = race(monkeypatch, one_sweep, one_sweep)

    # then every stage is raised exactly once between them; what one raised, the other found already raised
    assert first["stages"] + second["stages"] == 8
    assert first["deadlines"] + second["deadlines"] == 4
    collided = first["alreadyRaised"] + second["alreadyRaised"]
    assert collided >= 1  # at least that first deadline was tried by both, and only one of them raised it
    assert first["read"] + second["read"] == 4 + collided  # whatever else one read, it raised or found raised
    everyone = (team.sw1, team.sw2, team.practice_manager, team.team_manager, team.leader)
    assert alert_ids(*everyone) == expected_alerts(made, 2, team)
    assert all(current(i).next_stage == 2 for i in made)


@pytest.mark.parametrize("killed", ["before its commit", "after its commit"])
def test_cmp2_sweep_killed_part_way_then_rerun(api, team, monkeypatch, killed):
    # given five deadlines past due
    made = several(api, team, 5)
    at = PASSED + timedelta(minutes=3)

    # when the sweep's invocation dies at its third deadline (the commit never sent, or sent and landed but the
    # invocation killed before it could go on)
    commit = Changes.commit
    calls = itertools.count(1)

    def dies_at_the_third(changes: Changes) -> None:
        n = next(calls)
        if n == 3 and killed == "before its commit":
            raise Killed("Task timed out")
        commit(changes)
        if n == 3:
            raise Killed("Task timed out")

    monkeypatch.setattr(Changes, "commit", dies_at_the_third)
    with pytest.raises(Killed):
        fire(at)
    monkeypatch.undo()

    # then each deadline is wholly raised or not at all: never one recipient of a stage without the other
    landed = 3 if killed == "after its commit" else 2
    raised = [i for i in made if current(i).next_stage == 2]
    untouched = [i for i in made if current(i).next_stage == 0]
    assert (len(raised), len(untouched)) == (landed, 5 - landed)
    everyone = (team.sw1, team.sw2, team.practice_manager, team.team_manager, team.leader)
    assert alert_ids(*everyone) == expected_alerts(raised, 2, team)

    # and the schedule's next run raises the rest, every alert exactly once
    rerun = fire(at + timedelta(minutes=15))
    assert (rerun["read"], rerun["deadlines"], rerun["stages"], rerun["finished"]) == (5 - landed, 5 - landed,
                                                                                     2 * (5 - landed), True)
    assert alert_ids(*everyone) == expected_alerts(made, 2, team)


class Killed(BaseException):
    """Lambda stopping an invocation (its timeout): nothing in the function can catch it and go on."""


class Reads:
    """DynamoDB requests and the items each read (a Query's ScannedCount, a GetItem's one item), as
    bench/dynamo.py counts them."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, int]] = []  # (operation, table or table/index, items read)

    @contextmanager
    def counting(self, monkeypatch: Any) -> Iterator[Reads]:
        original = BaseClient._make_api_call

        def counted(client: Any, operation: str, params: dict[str, Any]) -> Any:
            response = original(client, operation, params)
            if client.meta.service_model.service_name == "dynamodb":
                target = str(params.get("TableName", "")) + (f"/{params['IndexName']}" if "IndexName" in params
                                                             else "")
                read = {"Query": int(response.get("ScannedCount", 0)),
                        "Scan": int(response.get("ScannedCount", 0)),
                        "GetItem": 1 if response.get("Item") else 0,
                        "BatchGetItem": sum(len(v) for v in response.get("Responses", {}).values())}.get(operation, 0)
                self.calls.append((operation, target, read))
            return response

        monkeypatch.setattr(BaseClient, "_make_api_call", counted)
        try:
            yield self
        finally:
            monkeypatch.setattr(BaseClient, "_make_api_call", original)

    def of(self, operation: str, index: str | None = None) -> list[tuple[str, str, int]]:
        return [c for c in self.calls if c[0] == operation and (index is None or c[1].endswith(f"/{index}"))]


def test_cmp2_sweep_reads_only_due(api, team, monkeypatch):
    # given 60 deadlines held (due in the spring, nothing due yet) and 4 due
    case_id = child_case(api, team, team.sw1)
    for n in range(60):
        deadline(case_id, team.sw1, due=date(2027, 4, 1) + timedelta(days=n % 20), name=f"later{n}")
    due_now = several(api, team, 4)
    at = PASSED + timedelta(minutes=3)

    # when the schedule fires
    with Reads().counting(monkeypatch) as reads:
        summary = fire(at)

    # then its only reads of deadlines are the due index's 16 shards, and they read the 4 due and nothing else
    assert (summary["read"], summary["stages"]) == (4, 8)
    queries = reads.of("Query")
    assert len(queries) == store.SHARDS and all(q[1].endswith("/DueDeadlines") for q in queries)
    assert sum(q[2] for q in queries) == 4
    assert reads.of("Scan") == []
    # besides, only the people named by the stages, each looked up once, and one transaction per deadline
    assert len(reads.of("GetItem")) == 2  # sw1, sw2: their supervisor's id is on their own entries
    assert len(reads.of("TransactWriteItems")) == 4
    assert len(reads.calls) == store.SHARDS + 2 + 4
    assert alert_ids(team.sw1, team.sw2, team.practice_manager) == expected_alerts(due_now, 2, team)


def test_cmp2_budget_leaves_remainder(api, team, monkeypatch):
    # given five deadlines past due
    made = several(api, team, 5)
    at = PASSED + timedelta(minutes=3)

    # when the sweep's time runs out after two of them (a clock that moves a second at each look; 2.5 s allowed)
    ticks = itertools.count()

    class Slow:
        @staticmethod
        def monotonic() -> float:
            return float(next(ticks))

    monkeypatch.setattr(sweep_module, "time", Slow)
    with clock.frozen(at):
        first = sweep_module.sweep(2.5)
    monkeypatch.undo()

    # then it says it has not finished, and left the rest untouched in the due index
    assert (first["read"], first["deadlines"], first["stages"], first["finished"]) == (2, 2, 4, False)
    assert sorted(int(current(i).next_stage) for i in made) == [0, 0, 0, 2, 2]

    # and the next run finishes them, raising nothing twice
    second = fire(at + timedelta(minutes=15))
    assert (second["read"], second["deadlines"], second["stages"], second["finished"]) == (3, 3, 6, True)
    everyone = (team.sw1, team.sw2, team.practice_manager)
    assert alert_ids(*everyone) == expected_alerts(made, 2, team)


def test_cmp2_handler_gives_the_sweep_the_invocations_time_less_a_margin(monkeypatch):
    # the schedule's handler hands the sweep what is left of the invocation less 15 s, so it stops before Lambda
    # would kill it
    seen: list[float] = []

    def record(budget_seconds: float = 240.0) -> dict[str, Any]:
        seen.append(budget_seconds)
        return {"finished": True}

    handler = template.handler_of(template.functions()["ComplianceFunction"])
    module = __import__(handler.__module__)
    monkeypatch.setattr(module, "sweep_handler", module.api.scheduled_within(record))
    assert handler({"sweep": "deadlines"}, LambdaContext("compliance", timeout_s=300)) == {"finished": True}
    assert 284 <= seen[0] <= 285


# ---------------------------------------------------------------- CMP-5


TODAY = datetime(2027, 1, 20, 10, tzinfo=UTC)  # Wednesday 20 January 2027


@pytest.fixture
def team_deadlines(api, world, team) -> dict[str, DeadlineItem]:
    """Deadlines of everyone in the children's chain, as of TODAY, and one in the community service."""
    made: dict[str, DeadlineItem] = {}

    def add(key: str, owner: str, due: date) -> None:
        made[key] = deadline(child_case(api, team, owner), owner, due=due, name=key)

    add("sw1-passed", team.sw1, date(2027, 1, 18))
    add("sw2-passed", team.sw2, date(2027, 1, 19))
    add("sw1-approaching", team.sw1, date(2027, 1, 21))  # warned from Tuesday 19th
    add("sw2-approaching", team.sw2, date(2027, 1, 22))  # warned from today
    add("sw1-later", team.sw1, date(2027, 2, 15))
    add("pm-own", team.practice_manager, date(2027, 1, 26))  # 26th: warned from Friday 22nd
    add("worker-today", team.worker, date(2027, 1, 20))
    add("sw2-met", team.sw2, date(2027, 1, 25))
    changes = Changes()
    deadlines.meet(changes, current(made["sw2-met"]), by=team.sw2, how="done", at=clock.iso(START))
    changes.commit()
    with clock.frozen(START):
        other = open_case(api, world.community.leader, urn="CJ-0001", surname="Elsewhere")
        api.put(f"/cases/{other['caseId']}/assignment", world.community.leader, {"userId": world.community.assessor})
    made["community"] = deadline(other["caseId"], world.community.assessor, due=date(2027, 1, 19),
                                 nation="scotland", name="community")
    return made


def listed(api: Api, user: str, **query: Any) -> list[str]:
    with clock.frozen(TODAY):
        answer = api.get("/deadlines", user, query=query)
    assert answer.status == 200, answer.json()
    return [d["deadlineId"].rsplit("-", 1)[0] for d in answer.json()["items"]]


def test_cmp5_team_deadlines(api, world, team, team_deadlines):
    # a practice manager sees their social workers' open deadlines, soonest due first (not their own, not met)
    assert listed(api, team.practice_manager) == ["sw1-passed", "sw2-passed", "sw1-approaching", "sw2-approaching",
                                                  "sw1-later"]
    assert listed(api, team.practice_manager, state="passed") == ["sw1-passed", "sw2-passed"]
    assert listed(api, team.practice_manager, state="approaching") == ["sw1-approaching", "sw2-approaching"]
    # down the chain: the team manager sees the practice manager's too, the leader everyone's in the service
    assert listed(api, team.team_manager) == ["sw1-passed", "sw2-passed", "sw1-approaching", "sw2-approaching",
                                              "pm-own", "sw1-later"]
    assert listed(api, team.leader) == ["sw1-passed", "sw2-passed", "worker-today", "sw1-approaching",
                                        "sw2-approaching", "pm-own", "sw1-later"]
    assert listed(api, team.leader, state="approaching") == ["worker-today", "sw1-approaching", "sw2-approaching"]
    # someone who supervises nobody gets an empty list
    assert listed(api, team.sw1) == []
    assert listed(api, team.reader) == []
    # another service's deadlines never appear, and its own manager sees only those
    assert listed(api, world.community.leader) == ["community"]
    assert "community" not in listed(api, team.leader)


def test_cmp5_team_deadlines_are_paged_soonest_first(api, team, team_deadlines):
    seen: list[str] = []
    pages = 0
    token = None
    while True:
        query: dict[str, Any] = {"limit": 2, **({"next": token} if token else {})}
        with clock.frozen(TODAY):
            body = api.get("/deadlines", team.leader, query=query).json()
        pages += 1
        assert len(body["items"]) <= 2
        seen += [d["deadlineId"].rsplit("-", 1)[0] for d in body["items"]]
        token = body["next"]
        if not token:
            break
    assert pages == 4
    assert seen == listed(api, team.leader)


def test_cmp5_a_team_deadline_says_whose_it_is_and_what_comes_next(api, team, team_deadlines):
    with clock.frozen(TODAY):
        items = api.get("/deadlines", team.practice_manager, query={"state": "approaching"}).json()["items"]
    first = items[0]
    assert first["ownerId"] == team.sw1 and first["ownerName"] == "Sw1 Wales"
    assert (first["rule"], first["kind"], first["dueDate"], first["state"]) == ("CSC-1", "cf-assessment",
                                                                                "2027-01-21", "approaching")
    assert first["nextStage"]["name"] == "approaching"  # due, not yet swept
    assert first["link"].startswith(f"/cases/{first['caseId']}/")


def test_cmp5_team_deadlines_refuse_a_bad_filter(api, team):
    assert_problem(api.get("/deadlines", team.leader, query={"state": "late"}), 422)


@pytest.mark.parametrize("token", ["not-a-token", "LTE", "InRleHQi", "dHJ1ZQ"])  # junk, -1, "text", true
def test_cmp5_team_deadlines_refuse_a_next_token_they_did_not_issue(api, team, token):
    answer = api.get("/deadlines", team.leader, query={"next": token})
    assert answer.status == 400 and answer.json()["errors"][0]["field"] == "next"


def test_cmp5_case_deadlines(api, world, team):
    case_id = child_case(api, team, team.sw1)
    deadline(case_id, team.sw1, name="first")
    deadline(case_id, team.sw1, due=date(2027, 1, 11), name="sooner")
    met = deadline(case_id, team.sw1, due=date(2027, 1, 8), name="met")
    changes = Changes()
    deadlines.meet(changes, current(met), by=team.sw1, how="done", at=clock.iso(START))
    changes.commit()

    # a reader of the service can read them: open ones soonest first, then met ones
    with clock.frozen(TODAY):
        answer = api.get(f"/cases/{case_id}/deadlines", team.reader)
    assert answer.status == 200, answer.json()
    assert [(d["deadlineId"].rsplit("-", 1)[0], d["state"]) for d in answer.json()] == [
        ("sooner", "passed"), ("first", "passed"), ("met", "met")]

    # another service's user: the case is not found
    with clock.frozen(TODAY):
        assert_problem(api.get(f"/cases/{case_id}/deadlines", world.community.leader), 404)
        assert_problem(api.get("/cases/01JB8Y0Q7W6X4Z2V9T3S5R1P0N/deadlines", team.reader), 404)


# ---------------------------------------------------------------- helpers' own check


def test_the_ladder_used_here_is_the_one_described(team: Team) -> None:
    # the instants the tests above fire around are the ladder's own (Wales, January: GMT)
    stages = {s.name: s.at for s in rules.ladder(DUE, nation=NATION, steps=LADDER, now=START)}
    assert stages == {"approaching": APPROACHING, "passed": PASSED, "escalated-2": ESCALATED_2,
                      "escalated-3": ESCALATED_3}


def test_cmp2_a_transaction_conflict_with_another_sweep_leaves_the_deadline_to_it(api, team, monkeypatch):
    """DynamoDB cancels one of two transactions on the same item at the same moment with `TransactionConflict`
    (moto never does): the losing sweep raises nothing for that deadline and goes on, without an error."""
    from botocore.exceptions import ClientError
    from pynamodb.exceptions import TransactWriteError, VerboseClientError
    from pynamodb.transactions import TransactWrite

    from casework.store import tx

    case_id = child_case(api, team, team.sw1)
    made = deadline(case_id, team.sw1)
    cancelled = ClientError({"Error": {"Code": "TransactionCanceledException", "Message": "conflict"}},
                            "TransactWriteItems")
    cause = VerboseClientError(cancelled.response, "TransactWriteItems",
                               cancellation_reasons=[None, tx_reason("TransactionConflict")])

    class Overlapped(TransactWrite):
        def _commit(self) -> None:
            raise TransactWriteError("Failed to write transaction items", cause=cause)

    monkeypatch.setattr(tx, "TransactWrite", Overlapped)
    result = fire(PASSED + timedelta(minutes=1))
    assert (result["read"], result["stages"], result["alreadyRaised"]) == (1, 0, 1)
    monkeypatch.undo()
    assert current(made).next_stage == 0  # untouched: the next run (or the other sweep) raises it
    assert fire(PASSED + timedelta(minutes=2))["stages"] == 2


def tx_reason(code: str) -> Any:
    from pynamodb.exceptions import CancellationReason

    return CancellationReason(code=code, message="Transaction is ongoing for the item")


def test_cmp2_a_deadline_that_cannot_be_raised_does_not_hold_back_the_others(api, team):
    """A deadline whose stage fails (here an action nothing registered) is logged, counted and left where it is;
    the sweep goes on with every other due deadline, in its shard and the rest."""
    broken_case, good_case = child_case(api, team, team.sw1), child_case(api, team, team.sw2)
    case = records.find_case(broken_case)
    assert case is not None
    broken = store.for_case(case, "broken-1", rule="CSC-2", deadline_kind="visit-note", subject="A note",
                            link=None, owner_id=team.sw1, nation=NATION, start_date="2027-01-04",
                            due_date="2027-01-11", status="open", created_at=clock.iso(START))
    changes = Changes()
    deadlines.start(changes, broken, [rules.Stage("finalise", datetime(2027, 1, 12, tzinfo=UTC), (),
                                                  action="no-such-action")], now=START)
    changes.commit()
    deadline(good_case, team.sw2)
    result = fire(PASSED + timedelta(minutes=1))
    assert (result["failed"], result["deadlines"], result["stages"]) == (1, 1, 2)
    assert current(broken).next_stage == 0  # untouched: still due, for when its cause is fixed
    assert sorted(t.stage for t in alerts(team.sw2)) == ["approaching", "passed"]

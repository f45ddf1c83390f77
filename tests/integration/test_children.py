"""Children's social care (DOMAIN: CSC-1 .. CSC-3, with NTF-1, CMP-1 and CMP-2) through the real handlers (moto
in-process), time moved with `clock.frozen` and the compliance sweep run as the schedule would run it.

Dates are in March 2026 (Wales: no bank holiday until Good Friday, 3 April; the UK is on GMT until 29 March, so a
UK day begins at midnight UTC)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import pytest

from casework import admin, clock
from casework.compliance import rules, sweep
from casework.store import audit
from tests.integration.test_assignment import assert_problem, assign, tasks_of
from tests.support import Api, open_case

MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def moment(day: int, hour: int = 10, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@contextmanager
def at(when: datetime) -> Iterator[None]:
    with clock.frozen(when):
        yield


def sweep_at(when: datetime) -> dict[str, Any]:
    with clock.frozen(when):
        return sweep.sweep()


def tasks(user_id: str, kind: str) -> list[Any]:
    return sorted((t for t in tasks_of(user_id) if t.task_kind == kind), key=lambda t: t.created_at)


def open_tasks(user_id: str, kind: str) -> list[Any]:
    return [t for t in tasks(user_id, kind) if t.completed_at is None]


def deadlines(api: Api, user: str, case_id: str, kind: str) -> list[dict[str, Any]]:
    answer = api.get(f"/cases/{case_id}/deadlines", user)
    assert answer.status == 200, answer.json()
    return [d for d in answer.json() if d["kind"] == kind]


def audit_actions(case_id: str) -> list[str]:
    return [e.action for e in audit.trail(audit.case_entity(case_id), 200, None).items]


def children_case(api: Api, opener: str, worker: str | None, case_type: str = "child-in-need",
                  urn: str = "URN-C1") -> str:
    """A children's case opened on Monday 2 March, assigned to `worker`."""
    with at(MONDAY):
        case = open_case(api, opener, urn=urn, case_type=case_type)
        if worker is not None:
            assert assign(api, opener, case["caseId"], worker).status == 200
    return str(case["caseId"])


def visit(api: Api, user: str, case_id: str, visit_type: str, visit_date: str, note: str = "Saw the child alone"):
    return api.post(f"/cases/{case_id}/visits", user,
                    {"visitType": visit_type, "visitDate": visit_date, "note": note})


# ---------------------------------------------------------------- CSC-1


def test_csc1_cf_assessment_priority_reminder_new_due_date_and_completion(world, api):
    """CSC-1: started when the referral is authorised (priority 10): the worker's task carries the due date at
    once; five working days on the supervisor is asked to set the priority; 30 working days resets the due date,
    which the worker's task then shows; completion meets it, and later sweeps raise nothing more (CMP-2)."""
    leader, worker = world.children.leader, world.children.worker
    case_id = children_case(api, leader, worker)

    # when the practice manager authorises the referral on Monday 2 March
    with at(MONDAY):
        started = api.post(f"/cases/{case_id}/cf-assessments", leader, {})
    assert started.status == 201, started.json()
    cf = started.json()
    assert (cf["startedOn"], cf["priority"], cf["dueDate"], cf["status"]) == (
        "2026-03-02", 10, "2026-03-16", "in-progress")
    assert started.headers["etag"] == f'"{cf["version"]}"'
    # then the worker's task is in their worktray at once, due in 10 working days
    [task] = tasks(worker, "cf-assessment")
    assert task.due_date == "2026-03-16"
    assert task.subject == "C&F assessment for Alex Smith (case 1)"  # the date is the task's own, moved with priority
    assert task.link == f"/cases/{case_id}/cf-assessments/{cf['assessmentId']}"
    assert "cf.started" in audit_actions(case_id)

    # when the sweep runs before the fifth working day, the supervisor has nothing; on it, the reminder
    sweep_at(moment(6, 23, 30))
    assert tasks(leader, "cf-priority") == []
    sweep_at(moment(9, 0, 15))
    [reminder] = tasks(leader, "cf-priority")
    assert reminder.subject == "C&F, please set priority: Alex Smith (case 1)"
    sweep_at(moment(9, 0, 30))  # however often the schedule fires, once (CMP-2)
    assert len(tasks(leader, "cf-priority")) == 1

    # when the practice manager sets the priority to 30 working days
    with at(moment(9, 11)):
        changed = api.put(f"/cases/{case_id}/cf-assessments/{cf['assessmentId']}/priority", leader, {"priority": 30})
    assert changed.status == 200, changed.json()
    expected = rules.working_days_from(date(2026, 3, 2), 30, "wales").isoformat()
    assert expected == "2026-04-15"  # Good Friday and Easter Monday are not working days
    assert (changed.json()["priority"], changed.json()["dueDate"], changed.json()["prioritySetBy"]) == (
        30, expected, leader)
    # then the worker's task is the same task, showing the new due date
    [task] = tasks(worker, "cf-assessment")
    assert task.due_date == expected and task.completed_at is None
    with at(moment(9, 11)):
        [watched] = deadlines(api, leader, case_id, "cf-assessment")
        [asked] = deadlines(api, leader, case_id, "cf-priority")
    assert watched["dueDate"] == expected and watched["state"] == "upcoming"
    assert asked["state"] == "met"

    # when the worker completes it, before its new approaching stage
    with at(moment(20, 15)):
        done = api.post(f"/cases/{case_id}/cf-assessments/{cf['assessmentId']}/completion", worker,
                        {"completedOn": "2026-03-20"})
        again = api.post(f"/cases/{case_id}/cf-assessments/{cf['assessmentId']}/completion", worker,
                         {"completedOn": "2026-03-20"})
    assert done.status == 200, done.json()
    assert (done.json()["status"], done.json()["completedOn"], done.json()["completedBy"]) == (
        "completed", "2026-03-20", worker)
    assert assert_problem(again, 409)["current"]["status"] == "completed"
    # then later sweeps raise nothing for it
    for when in (moment(13, 0, 30, month=4), moment(16, 0, 30, month=4), moment(30, 0, 30, month=4)):
        sweep_at(when)
    assert len(tasks(worker, "cf-assessment")) == 1 and len(tasks(leader, "cf-assessment")) == 0
    assert len(tasks(leader, "cf-priority")) == 1
    with at(moment(30, 12, month=4)):
        assert deadlines(api, leader, case_id, "cf-assessment")[0]["state"] == "met"
    # and a completed assessment's priority no longer changes
    with at(moment(30, 12, month=4)):
        late = api.put(f"/cases/{case_id}/cf-assessments/{cf['assessmentId']}/priority", leader, {"priority": 45})
    assert_problem(late, 409)


def test_csc1_a_bad_priority_is_refused_naming_it_and_nothing_is_written(world, api):
    leader, worker = world.children.leader, world.children.worker
    case_id = children_case(api, leader, worker)
    with at(MONDAY):
        cf = api.post(f"/cases/{case_id}/cf-assessments", leader, {"priority": 30}).json()
        before = (api.get(f"/cases/{case_id}/cf-assessments/{cf['assessmentId']}", leader).json(),
                  deadlines(api, leader, case_id, "cf-assessment"), audit_actions(case_id))
        for bad in (20, "30", 30.5, None, True):
            answer = api.put(f"/cases/{case_id}/cf-assessments/{cf['assessmentId']}/priority", leader,
                             {"priority": bad})
            assert_problem(answer, 422, "priority")
        assert_problem(api.post(f"/cases/{case_id}/cf-assessments", leader, {"priority": 15}), 422, "priority")
        after = (api.get(f"/cases/{case_id}/cf-assessments/{cf['assessmentId']}", leader).json(),
                 deadlines(api, leader, case_id, "cf-assessment"), audit_actions(case_id))
    assert after == before
    assert cf["priority"] == 30 and cf["dueDate"] == "2026-04-15"


def test_csc1_start_and_completion_are_checked(world, api):
    """One C&F in progress per case (409 with it); the start is not in the future; only a practice manager starts
    or sets a priority; the completion date is neither in the future nor before the start."""
    leader, worker, reader = world.children.leader, world.children.worker, world.children.reader
    case_id = children_case(api, leader, worker)
    with at(moment(4)):
        assert_problem(api.post(f"/cases/{case_id}/cf-assessments", leader, {"authorisedOn": "2026-03-05"}), 422,
                       "authorisedOn")
        assert_problem(api.post(f"/cases/{case_id}/cf-assessments", worker, {}), 403)
        assert_problem(api.post(f"/cases/{case_id}/cf-assessments", reader, {}), 403)
        cf = api.post(f"/cases/{case_id}/cf-assessments", leader, {"authorisedOn": "2026-03-03"}).json()
        second = api.post(f"/cases/{case_id}/cf-assessments", leader, {})
        assert assert_problem(second, 409)["current"]["assessmentId"] == cf["assessmentId"]
        path = f"/cases/{case_id}/cf-assessments/{cf['assessmentId']}"
        assert_problem(api.put(f"{path}/priority", worker, {"priority": 30}), 403)
        assert_problem(api.post(f"{path}/completion", reader, {"completedOn": "2026-03-04"}), 403)
        assert_problem(api.post(f"{path}/completion", worker, {"completedOn": "2026-03-05"}), 422, "completedOn")
        assert_problem(api.post(f"{path}/completion", worker, {"completedOn": "2026-03-02"}), 422, "completedOn")
        listed = api.get(f"/cases/{case_id}/cf-assessments", reader)
    assert listed.status == 200 and [a["assessmentId"] for a in listed.json()] == [cf["assessmentId"]]
    assert listed.json()[0]["startedOn"] == "2026-03-03" and listed.json()[0]["status"] == "in-progress"


def test_csc1_csc2_absurd_dates_are_refused_naming_the_field_and_nothing_is_written(world, api):
    """A day far outside any working life (0001-01-01, 9999-12-31) is refused at the edge (422 naming the field):
    the working-day arithmetic of the deadlines it would start could not count to it."""
    leader, worker = world.children.leader, world.children.worker
    case_id = children_case(api, leader, worker)
    with at(moment(4)):
        held = (api.get(f"/cases/{case_id}/deadlines", leader).json(), audit_actions(case_id))
        for day in ("0001-01-01", "1899-12-31"):
            assert_problem(api.post(f"/cases/{case_id}/cf-assessments", leader, {"authorisedOn": day}), 422,
                           "authorisedOn")
        for day in ("0001-01-01", "9999-12-31"):
            assert_problem(visit(api, worker, case_id, "statutory", day), 422, "visitDate")
            assert_problem(visit(api, worker, case_id, "failed", day), 422, "visitDate")
        assert api.get(f"/cases/{case_id}/cf-assessments", leader).json() == []
        assert api.get(f"/cases/{case_id}/visits", leader).json() == []
        assert (api.get(f"/cases/{case_id}/deadlines", leader).json(), audit_actions(case_id)) == held
        cf = api.post(f"/cases/{case_id}/cf-assessments", leader, {}).json()
        path = f"/cases/{case_id}/cf-assessments/{cf['assessmentId']}"
        trail = audit_actions(case_id)
        assert_problem(api.post(f"{path}/completion", worker, {"completedOn": "9999-12-31"}), 422, "completedOn")
        after = api.get(path, leader).json()
    assert after["status"] == "in-progress" and after["version"] == cf["version"]
    assert audit_actions(case_id) == trail


def test_csc1_an_unassigned_case_gives_the_task_to_whoever_authorised_it_until_assigned(world, api):
    leader, worker = world.children.leader, world.children.worker
    case_id = children_case(api, leader, None)
    with at(MONDAY):
        assert api.post(f"/cases/{case_id}/cf-assessments", leader, {}).status == 201
        [watched] = deadlines(api, leader, case_id, "cf-assessment")
        assert watched["ownerId"] == leader
        assert len(tasks(leader, "cf-assessment")) == 1
        assign(api, leader, case_id, worker)
        [watched] = deadlines(api, leader, case_id, "cf-assessment")
    assert watched["ownerId"] == worker  # the deadline follows the case to its worker (CMP-1)


def test_csc1_a_priority_changed_after_the_deadline_passed_is_told_afresh_for_the_new_date(world, api):
    """CSC-1: a C&F that has already passed its 10 working days, given 30 by the practice manager, is approaching and
    then passed again for its new date: the worker hears of the new date, and an alert about the old one keeps it."""
    leader, worker = world.children.leader, world.children.worker
    case_id = children_case(api, leader, worker)
    with at(MONDAY):
        cf = api.post(f"/cases/{case_id}/cf-assessments", leader, {}).json()
    sweep_at(moment(17, 0, 30))  # Tuesday 17 March: the 16th (the 10th working day) has ended
    old = {t.stage: t for t in tasks(worker, "cf-assessment")}
    assert set(old) == {"started", "approaching", "passed"} and old["passed"].due_date == "2026-03-16"

    with at(moment(17, 11)):
        changed = api.put(f"/cases/{case_id}/cf-assessments/{cf['assessmentId']}/priority", leader, {"priority": 30})
    assert changed.status == 200 and changed.json()["dueDate"] == "2026-04-15"
    sweep_at(moment(13, 0, 30, month=4))  # two working days before 15 April (Good Friday, Easter Monday between)
    sweep_at(moment(16, 0, 30, month=4))  # the 15th has ended
    now = sorted((t.stage, t.due_date) for t in tasks(worker, "cf-assessment"))
    assert now == [("approaching", "2026-03-16"), ("approaching", "2026-04-15"), ("passed", "2026-03-16"),
                   ("passed", "2026-04-15"), ("started", "2026-04-15")]
    sweep_at(moment(16, 0, 45, month=4))
    assert len(tasks(worker, "cf-assessment")) == 5  # and each once


def test_csc1_a_priority_set_again_unchanged_or_given_at_the_start_raises_nothing_more(world, api):
    """CSC-1: a C&F started with its priority asks nobody to set one; setting the same priority later does not
    tell the worker of the same date twice."""
    leader, worker = world.children.leader, world.children.worker
    case_id = children_case(api, leader, worker)
    with at(MONDAY):
        cf = api.post(f"/cases/{case_id}/cf-assessments", leader, {"priority": 10}).json()
    assert cf["prioritySetBy"] == leader
    sweep_at(moment(13, 0, 30))  # past the fifth working day, into the approaching window
    assert tasks(leader, "cf-priority") == []
    assert sorted(t.stage for t in tasks(worker, "cf-assessment")) == ["approaching", "started"]
    with at(moment(13, 11)):
        assert api.put(f"/cases/{case_id}/cf-assessments/{cf['assessmentId']}/priority", leader,
                       {"priority": 10}).status == 200
    sweep_at(moment(17, 0, 30))
    assert sorted(t.stage for t in tasks(worker, "cf-assessment")) == ["approaching", "passed", "started"]


# ---------------------------------------------------------------- CSC-2


def test_csc2_first_statutory_visit_is_due_from_the_day_the_case_opens(world, api):
    leader = world.children.leader
    looked_after = children_case(api, leader, None, case_type="looked-after", urn="URN-LA")
    care_leaver = children_case(api, leader, None, case_type="care-leaver", urn="URN-CL")
    with at(MONDAY):
        [first] = deadlines(api, leader, looked_after, "statutory-visit")
        assert deadlines(api, leader, care_leaver, "statutory-visit") == []
    assert (first["rule"], first["startDate"], first["dueDate"], first["state"]) == (
        "CSC-2", "2026-03-02", "2026-04-13", "upcoming")  # 42 days for a looked-after child


def test_csc2_draft_note_manager_comment_auto_finalised_and_next_alert_waits_for_the_last(world, api):
    """CSC-2: the visit is a draft note the manager comments on; five working days after the visit the sweep
    finalises it and comments close; the next visit is due per the case type; the next visit's alert is raised only
    once the worker has completed the last one (NTF-1)."""
    leader, worker = world.children.leader, world.children.worker
    case_id = children_case(api, leader, worker, case_type="child-protection")  # every 14 days

    # given the first visit's approaching alert (due 16 March, 2 working days before)
    sweep_at(moment(12, 0, 30))
    [approaching] = tasks(worker, "statutory-visit")
    assert approaching.subject == "Approaching: Statutory visit to Alex Smith (case 1), due 2026-03-16"

    # when the worker records the statutory visit on Friday 13 March
    with at(moment(13, 14)):
        recorded = visit(api, worker, case_id, "statutory", "2026-03-13")
    assert recorded.status == 201, recorded.json()
    note = recorded.json()
    assert (note["status"], note["commentsOpen"], note["finalisedAutomaticallyAfter"]) == (
        "draft", True, "2026-03-20")
    path = f"/cases/{case_id}/visits/{note['visitId']}"
    # then the first timescale is met and the next one (14 days) waits for the alert still open
    with at(moment(13, 14)):
        first, following = deadlines(api, leader, case_id, "statutory-visit")[::-1]
    assert (first["state"], following["dueDate"], following["state"]) == ("met", "2026-03-27", "waiting")

    # when the practice manager comments on the draft (a worker may not)
    with at(moment(16, 9)):
        commented = api.post(f"{path}/comments", leader, {"comment": "Good direct work; see the school next."})
        assert_problem(api.post(f"{path}/comments", worker, {"comment": "Me too"}), 403)
    assert commented.status == 201, commented.json()
    assert [(c["by"], c["text"]) for c in commented.json()["comments"]] == [
        (leader, "Good direct work; see the school next.")]

    # when the sweep runs on the fifth working day's last minute the note is still a draft; once it has ended, final
    sweep_at(moment(20, 23, 59))
    with at(moment(20, 23, 59)):
        assert api.get(path, leader).json()["status"] == "draft"
    sweep_at(moment(21, 0, 15))
    with at(moment(21, 9)):
        final = api.get(path, leader).json()
        closed = api.post(f"{path}/comments", leader, {"comment": "One more thing"})
        finalise_again = api.post(f"{path}/finalise", worker)
    assert (final["status"], final["finalisedBy"], final["commentsOpen"]) == ("final", "sweep", False)
    assert len(final["comments"]) == 1
    assert "closed" in assert_problem(closed, 409)["detail"]
    assert_problem(finalise_again, 409)

    # when the next visit's approaching time comes, nothing is raised while the last alert is open
    sweep_at(moment(25, 0, 30))
    assert [t.task_id for t in tasks(worker, "statutory-visit")] == [approaching.task_id]
    # when the worker completes the last alert, the next one is raised by the next sweep, with its due date
    with at(moment(25, 9)):
        assert api.post(f"/worktray/{approaching.task_id}/complete", worker).status == 200
        assert deadlines(api, leader, case_id, "statutory-visit")[0]["state"] == "approaching"
    sweep_at(moment(25, 9, 15))
    [next_alert] = open_tasks(worker, "statutory-visit")
    assert next_alert.subject == "Approaching: Statutory visit to Alex Smith (case 1), due 2026-03-27"
    assert next_alert.due_date == "2026-03-27"


def test_csc2_a_next_visit_waiting_for_the_workers_alert_still_tells_the_managers_it_passed(world, api):
    """CSC-2 with CMP-1: the worker's next statutory-visit alert waits until they complete the last one, but the
    visit's passing and its escalations reach the practice manager on time: no child goes unvisited unnoticed."""
    leader, worker = world.children.leader, world.children.worker
    case_id = children_case(api, leader, worker, case_type="child-protection")  # every 14 days
    sweep_at(moment(12, 0, 30))
    [approaching] = tasks(worker, "statutory-visit")  # the first visit's, left open
    with at(moment(13, 14)):
        assert visit(api, worker, case_id, "statutory", "2026-03-13").status == 201  # the next is due 27 March
    # when the next visit's day passes with the worker's earlier alert still open
    sweep_at(moment(28, 0, 30))
    # then the practice manager is told it passed; the worker hears nothing new until they complete the alert
    passed = [t for t in tasks(leader, "statutory-visit") if t.due_date == "2026-03-27"]
    assert [t.stage for t in passed] == ["passed"]
    assert [t.task_id for t in tasks(worker, "statutory-visit")] == [approaching.task_id]
    sweep_at(moment(28, 0, 45))
    assert len([t for t in tasks(leader, "statutory-visit") if t.due_date == "2026-03-27"]) == 1  # once (CMP-2)


def test_csc2_a_visit_with_no_alert_open_starts_the_next_at_once(world, api):
    leader, worker = world.children.leader, world.children.worker
    case_id = children_case(api, leader, worker, case_type="looked-after")
    with at(moment(5)):
        assert visit(api, worker, case_id, "statutory", "2026-03-05").status == 201
        first, following = deadlines(api, leader, case_id, "statutory-visit")[::-1]
    assert (first["state"], following["state"], following["dueDate"]) == ("met", "upcoming", "2026-04-16")


def test_csc2_finalised_by_hand_once_and_then_closed_to_comments(world, api):
    leader, worker = world.children.leader, world.children.worker
    case_id = children_case(api, leader, worker)
    with at(moment(3)):
        note = visit(api, worker, case_id, "statutory", "2026-03-03").json()
        path = f"/cases/{case_id}/visits/{note['visitId']}"
        done = api.post(f"{path}/finalise", worker)
        twice = api.post(f"{path}/finalise", worker)
        comment = api.post(f"{path}/comments", leader, {"comment": "Too late"})
        [watched] = deadlines(api, leader, case_id, "visit-note")
    assert done.status == 200 and (done.json()["status"], done.json()["finalisedBy"]) == ("final", worker)
    assert assert_problem(twice, 409)["current"]["status"] == "final"
    assert_problem(comment, 409)
    assert watched["state"] == "met"
    sweep_at(moment(11, 0, 30))  # its finalisation was met: the sweep does nothing to it
    with at(moment(11, 9)):
        assert api.get(path, worker).json()["finalisedBy"] == worker


def test_csc2_a_note_recorded_after_its_five_working_days_is_final_at_once(world, api):
    leader, worker = world.children.leader, world.children.worker
    case_id = children_case(api, leader, worker)
    with at(moment(16)):
        late = visit(api, worker, case_id, "statutory", "2026-03-03")
        assert deadlines(api, leader, case_id, "visit-note") == []
    assert late.status == 201
    assert (late.json()["status"], late.json()["finalisedBy"], late.json()["commentsOpen"]) == (
        "final", "sweep", False)


def test_csc2_visits_are_checked(world, api):
    """A future visit date, a statutory visit on a case type without them, and a comment or visit type that is not
    one: 422 naming the field; nothing written."""
    leader, worker = world.children.leader, world.children.worker
    case_id = children_case(api, leader, worker)
    leaver = children_case(api, leader, worker, case_type="care-leaver", urn="URN-CL")
    with at(moment(4)):
        assert_problem(visit(api, worker, case_id, "statutory", "2026-03-05"), 422, "visitDate")
        assert_problem(visit(api, worker, case_id, "home", "2026-03-04"), 422, "visitType")
        assert_problem(visit(api, worker, case_id, "statutory", "2026-03-04", note=" "), 422, "note")
        assert_problem(visit(api, worker, leaver, "statutory", "2026-03-04"), 422, "visitType")
        other = visit(api, worker, leaver, "other", "2026-03-04")
        assert other.status == 201 and other.json()["status"] == "final"
        assert api.get(f"/cases/{case_id}/visits", worker).json() == []
        note = visit(api, worker, case_id, "statutory", "2026-03-04").json()
        assert_problem(api.post(f"/cases/{case_id}/visits/{note['visitId']}/comments", leader, {"comment": ""}), 422,
                       "comment")
        assert_problem(api.post(f"/cases/{case_id}/visits/{other.json()['visitId']}/comments", leader,
                                {"comment": "On another visit"}), 404)  # another case's visit
        assert_problem(api.get(f"/cases/{case_id}/visits/01ARZ3NDEKTSV4RRFFQ69G5FAV", worker), 404)


# ---------------------------------------------------------------- CSC-3


@pytest.fixture
def chain(world) -> dict[str, str]:
    """A four-level chain: social worker, practice manager, team manager, senior manager."""
    people = {"senior": ("practice-manager", None), "team": ("practice-manager", "senior"),
              "pm": ("practice-manager", "team"), "sw": ("social-worker", "pm")}
    ids: dict[str, str] = {}
    for role, (group, supervisor) in people.items():
        ids[role] = f"children-{role}"
        admin.add_user(ids[role], service_id="children", forename=role.title(), surname="Children",
                       email=f"{role}@children.example.org", group_id=group,
                       supervisor_id=ids[supervisor] if supervisor else None, actor_id="system")
    return ids


def test_csc3_failed_visits_escalate_up_the_chain_until_a_decision_and_a_successful_visit(world, api, chain):
    """CSC-3: retry within 3 working days; a second failure goes to the practice manager at once (due within 1
    working day); failed access over 10 days to the team manager, over two weeks to the senior manager; the manager
    records a case-management decision; a successful visit ends the ladder."""
    sw, pm, team, senior = chain["sw"], chain["pm"], chain["team"], chain["senior"]
    case_id = children_case(api, pm, sw)

    # when the worker's visit on Monday 2 March fails
    with at(MONDAY):
        first = visit(api, sw, case_id, "failed", "2026-03-02", note="No answer at the door")
    assert first.status == 201 and first.json()["status"] == "final"
    with at(MONDAY):
        [ladder] = deadlines(api, pm, case_id, "failed-visits")
    assert (ladder["rule"], ladder["dueDate"], ladder["state"]) == ("CSC-3", "2026-03-05", "upcoming")
    # then the worker must visit again within 3 working days: alerted once that has passed
    sweep_at(moment(5, 23, 59))
    assert tasks(sw, "failed-visits") == []
    sweep_at(moment(6, 0, 15))
    [retry] = tasks(sw, "failed-visits")
    assert retry.subject == "Failed visit: visit again: Failed visits to Alex Smith (case 1)"
    assert retry.due_date == "2026-03-05"

    # when the next visit fails too, the practice manager is alerted at once, to act within 1 working day
    with at(moment(6, 10)):
        assert visit(api, sw, case_id, "failed", "2026-03-06", note="Curtains drawn, no answer").status == 201
    [review] = tasks(pm, "failed-visits")
    assert review.subject == "Failed visits: 2 in a row, please review: Failed visits to Alex Smith (case 1)"
    assert review.due_date == "2026-03-09"
    with at(moment(6, 10)):
        assert deadlines(api, pm, case_id, "failed-visits")[0]["dueDate"] == "2026-03-11"  # visit again by

    # failed access for over 10 days: the team manager
    sweep_at(moment(12, 23, 59))
    assert tasks(team, "failed-visits") == []
    sweep_at(moment(13, 0, 15))
    [ten] = tasks(team, "failed-visits")
    assert ten.subject.startswith("Failed access for over 10 days") and ten.due_date == "2026-03-16"
    # over two weeks: the senior manager
    sweep_at(moment(16, 23, 59))
    assert tasks(senior, "failed-visits") == []
    sweep_at(moment(17, 0, 15))
    [fourteen] = tasks(senior, "failed-visits")
    assert fourteen.subject.startswith("Failed access for over 14 days") and fourteen.due_date == "2026-03-18"
    sweep_at(moment(17, 0, 30))
    assert len(tasks(senior, "failed-visits")) == 1  # once (CMP-2)

    # when the practice manager records a case-management decision (a worker may not)
    with at(moment(17, 10)):
        assert_problem(api.post(f"/cases/{case_id}/failed-visits/decisions", sw, {"decision": "Carry on"}), 403)
        decided = api.post(f"/cases/{case_id}/failed-visits/decisions", pm,
                           {"decision": "Joint visit with the police tomorrow; strategy discussion if no access."})
    assert decided.status == 201, decided.json()
    body = decided.json()
    assert body["failures"] == ["2026-03-02", "2026-03-06"] and body["status"] == "open"
    assert [(d["by"], d["decision"][:10]) for d in body["decisions"]] == [(pm, "Joint visi")]
    # then it is evidence in the audit trail, and the manager's alerts of the ladder are completed with it
    assert "failed-visits.decision" in audit_actions(case_id)
    assert open_tasks(pm, "failed-visits") == []
    assert len(open_tasks(senior, "failed-visits")) == 1  # only the caller's own

    # when a visit succeeds, the ladder ends; a decision then has nothing to decide on
    with at(moment(18, 10)):
        assert visit(api, sw, case_id, "other", "2026-03-18", note="Seen at home with mother").status == 201
        assert deadlines(api, pm, case_id, "failed-visits")[0]["state"] == "met"
        after = api.post(f"/cases/{case_id}/failed-visits/decisions", pm, {"decision": "Close the escalation"})
    assert assert_problem(after, 409)["current"]["status"] == "met"
    sweep_at(moment(31, 0, 30))
    assert len(tasks(sw, "failed-visits")) == 2  # retry-1 and retry-2, no more


def test_csc3_a_decision_with_no_failed_visits_is_a_conflict(world, api):
    leader, worker = world.children.leader, world.children.worker
    case_id = children_case(api, leader, worker)
    with at(moment(3)):
        answer = api.post(f"/cases/{case_id}/failed-visits/decisions", leader, {"decision": "Nothing to decide"})
    assert assert_problem(answer, 409)["current"] is None


def test_csc3_a_statutory_visit_ends_the_ladder_too(world, api):
    leader, worker = world.children.leader, world.children.worker
    case_id = children_case(api, leader, worker, case_type="looked-after")
    with at(moment(4)):
        assert visit(api, worker, case_id, "failed", "2026-03-03").status == 201
        assert visit(api, worker, case_id, "statutory", "2026-03-04").status == 201
        [ladder] = deadlines(api, leader, case_id, "failed-visits")
    assert ladder["state"] == "met"


# ---------------------------------------------------------------- per-record access


def test_another_services_case_is_not_found_and_a_reader_may_only_read(world, api):
    leader, worker, reader = world.children.leader, world.children.worker, world.children.reader
    outsider = world.community.leader
    case_id = children_case(api, leader, worker)
    with at(moment(3)):
        note = visit(api, worker, case_id, "statutory", "2026-03-03").json()
        path = f"/cases/{case_id}/visits/{note['visitId']}"
        for answer in (api.get(f"/cases/{case_id}/visits", outsider), api.get(path, outsider),
                       api.get(f"/cases/{case_id}/cf-assessments", outsider),
                       api.post(f"/cases/{case_id}/cf-assessments", outsider, {}),
                       visit(api, outsider, case_id, "other", "2026-03-03"),
                       api.post(f"{path}/comments", outsider, {"comment": "Hello"}),
                       api.post(f"/cases/{case_id}/failed-visits/decisions", outsider, {"decision": "No"})):
            assert_problem(answer, 404)
        for answer in (visit(api, reader, case_id, "other", "2026-03-03"), api.post(f"{path}/finalise", reader),
                       api.post(f"{path}/comments", reader, {"comment": "Hello"}),
                       api.post(f"/cases/{case_id}/cf-assessments", reader, {})):
            assert_problem(answer, 403)
        seen = api.get(f"/cases/{case_id}/visits", reader)
        one = api.get(path, reader)
    assert seen.status == 200 and [v["visitId"] for v in seen.json()] == [note["visitId"]]
    assert one.status == 200 and one.headers["etag"] == f'"{one.json()["version"]}"'
    assert one.json()["status"] == "draft" and one.json()["comments"] == []


def test_a_retried_visit_with_the_same_idempotency_key_is_recorded_once(world, api):
    leader, worker = world.children.leader, world.children.worker
    case_id = children_case(api, leader, worker)
    body = {"visitType": "other", "visitDate": "2026-03-03", "note": "Seen"}
    with at(moment(3)):
        first = api.post(f"/cases/{case_id}/visits", worker, body, headers={"Idempotency-Key": "visit-1"})
        second = api.post(f"/cases/{case_id}/visits", worker, body, headers={"Idempotency-Key": "visit-1"})
        listed = api.get(f"/cases/{case_id}/visits", worker).json()
    assert first.status == second.status == 201
    assert first.json()["visitId"] == second.json()["visitId"] and len(listed) == 1

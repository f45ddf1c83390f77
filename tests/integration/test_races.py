"""Requests whose rules exclude each other, with an interleaving forced in-process where an end-to-end race can't
make it happen on demand (tests/e2e/test_races.py fires the others over HTTP): a change that read a person's
records before an import replaced them (TRN-4) and writes after the switch, before the old records are cleaned up.
It used to land in the replaced generation and be lost with it, its 200 notwithstanding; now it is 409."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from casework.store import records
from casework.transfer import imports
from local.dispatch import Answer
from tests.integration import test_transfer as transfer
from tests.integration.lscmi_flow import assigned_case, decide, fill_full, lock, start
from tests.integration.test_assignment import assert_problem
from tests.integration.test_transfer import record_items, synthetic, upload
from tests.support import Api, open_case

s3 = transfer.s3  # the fixture: buckets and SES in moto

URN = "URN-STALE"


def interleaved(monkeypatch: Any, request: Callable[[], Answer], reads: str,
                meanwhile: Callable[[Callable[[], None]], object]) -> Answer:
    """Run `request` in a thread that stops just after its first `records.<reads>` (what it decides on is read) and
    goes on to write only when `meanwhile`, run here, calls the `release` it is given (by then another request has
    changed what it read). The request's answer."""
    real = getattr(records, reads)
    worker: dict[str, Any] = {}
    have_read, go_on = threading.Event(), threading.Event()

    def read_then_wait(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)
        if threading.current_thread() is worker.get("thread") and not have_read.is_set():
            have_read.set()
            assert go_on.wait(timeout=30)
        return found

    def release() -> None:
        if not go_on.is_set():
            go_on.set()
            worker["thread"].join(timeout=30)

    monkeypatch.setattr(records, reads, read_then_wait)
    worker["thread"] = threading.Thread(target=lambda: worker.update(answer=request()))
    worker["thread"].start()
    assert have_read.wait(timeout=30)
    meanwhile(release)
    release()
    monkeypatch.undo()
    assert not worker["thread"].is_alive()
    return worker["answer"]  # type: ignore[no-any-return]


def written_across_a_replace(monkeypatch: Any, api: Api, s3: Any, leader: str, request: Callable[[], Answer],
                             reads: str) -> Answer:
    """`request` reads before an import of a file for URN switches the person in, and writes once the switch is
    done and the clean-up has read the old records. The request's answer (the import always completes)."""
    job = upload(api, s3, leader, synthetic(URN, "New", 1))
    assert job["status"] == "conflict"

    def confirm(release: Callable[[], None]) -> None:
        monkeypatch.setattr(imports, "before_write", lambda step: release() if step.startswith("clean") else None)
        confirmed = api.post(f"/imports/{job['importId']}/confirm", leader, {})
        assert confirmed.status == 200 and confirmed.json()["status"] == "imported", confirmed.json()

    return interleaved(monkeypatch, request, reads, confirm)


def left_behind() -> list[str]:
    """Items of the person outside their current generation (a scan: tests only)."""
    head = records.person("prison", URN)
    assert head is not None
    return [i["kind"] for i in record_items("prison", URN)
            if i["pk"] not in (records.base_pk("prison", URN), records.partition(head)) and not i["pk"].startswith(
                ("CASE#", "MAPPA#", "APPROVAL#"))]


def test_trn4_an_assignment_read_before_a_replace_and_written_after_is_refused(world, api, s3, monkeypatch):
    leader, worker = world.prison.leader, world.prison.assessor
    old = open_case(api, leader, urn=URN, surname="Old")["caseId"]
    answer = written_across_a_replace(
        monkeypatch, api, s3, leader, lambda: api.put(f"/cases/{old}/assignment", leader, {"userId": worker}),
        reads="find_case")
    assert_problem(answer, 409)
    assert api.get(f"/cases/{old}", leader).status == 404  # replaced, as confirmed
    tray = api.get("/me/worktray", worker).json()["items"]
    assert [t for t in tray if t["caseId"] == old] == []  # no task for a case that is gone


def test_trn4_an_assessment_started_across_a_replace_is_refused_and_leaves_nothing(world, api, s3, monkeypatch):
    leader = world.prison.leader
    old = open_case(api, leader, urn=URN, surname="Old")["caseId"]
    answer = written_across_a_replace(
        monkeypatch, api, s3, leader, lambda: api.post(f"/cases/{old}/assessments", leader, {"kind": "full"}),
        reads="find_case")
    assert_problem(answer, 409)
    assert left_behind() == []


def test_trn4_a_case_opened_across_a_replace_is_refused_and_leaves_nothing(world, api, s3, monkeypatch):
    leader = world.prison.leader
    open_case(api, leader, urn=URN, surname="Old")
    answer = written_across_a_replace(
        monkeypatch, api, s3, leader, lambda: api.post("/cases", leader, {"urn": URN, "caseType": "ls-cmi"}),
        reads="person")
    assert_problem(answer, 409)
    assert left_behind() == []
    assert len(api.get(f"/people/{URN}", leader).json()["cases"]) == 1  # the file's one case


@pytest.mark.parametrize("body", [{"reviewDate": "2099-01-01"}, {"dateEnded": "2026-01-02"}],
                         ids=["current", "ended"])
def test_map4_a_discussion_recorded_across_a_replace_is_refused_and_leaves_nothing(world, api, s3, monkeypatch,
                                                                                    body):
    leader = world.prison.leader
    open_case(api, leader, urn=URN, surname="Old")
    discussion = {"dateOfDiscussion": "2026-01-01", "level": 1, "category": 1, "details": "d", **body}
    answer = written_across_a_replace(
        monkeypatch, api, s3, leader, lambda: api.post(f"/people/{URN}/mappa", leader, discussion), reads="person")
    assert_problem(answer, 409)
    assert left_behind() == []
    shown = api.get(f"/people/{URN}/mappa", leader).json()
    assert shown["items"] == [] and shown["mappa"] is None, shown


def test_apr3_a_plan_section_read_before_the_closure_is_approved_and_written_after_is_refused(world, api,
                                                                                              monkeypatch):
    """A closed case's records are final: a plan section save that read the case open, and writes once the closure
    has been approved, is refused (saving it first and approving after is the order where both stand)."""
    c = world.community
    case_id = assigned_case(api, c.leader, c.assessor, "URN-FINAL")["caseId"]
    assessment = start(api, c.assessor, case_id)["assessmentId"]
    fill_full(api, c.assessor, case_id, assessment, merited=True, plan_type="cmp")
    assert lock(api, c.assessor, case_id, assessment).status == 200
    plan = api.post(f"/cases/{case_id}/plans", c.assessor, {"assessmentId": assessment}).json()["planId"]
    approval = api.post(f"/cases/{case_id}/closure-requests", c.assessor,
                        {"kind": "with-plan", "rationale": "moved away"}).json()["approvalId"]

    def approve(release: Callable[[], None]) -> None:
        assert decide(api, c.leader, approval).status == 200

    saved = interleaved(monkeypatch, lambda: api.put(f"/cases/{case_id}/plans/{plan}/sections/11", c.assessor,
                                                     {"text": "discharge summary"}), "find_case", approve)
    assert assert_problem(saved, 409)["current"]["planId"] == plan
    assert api.get(f"/cases/{case_id}", c.leader).json()["status"] == "closed"
    (kept,) = api.get(f"/cases/{case_id}/history", c.leader).json()["plans"]
    assert "11" not in kept["sections"]

"""R1 over HTTP: no acknowledged write is ever lost. Conflicting writes from different functions (a closure
decision, reassignments of the same cases, new people and cases) fire at once against the local runner, whose
instances run them in parallel; afterwards every 2xx is in the stored state and in the audit trail."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest

from tests.e2e.runner import HttpApi, at_once, new_case
from tests.integration.lscmi_flow import fill_full, lock, start

pytestmark = pytest.mark.e2e
LEADER, ASSESSOR, ASSESSOR2 = "COMMUNITY_LEADER", "COMMUNITY_ASSESSOR", "COMMUNITY_ASSESSOR2"
ROUNDS = 4


def closure_waiting(api: HttpApi, assessor_id: str) -> tuple[str, str]:
    """A case with a locked full 1-8 and a closure request (no plan) waiting for the team leader."""
    case_id = new_case(api.run, LEADER, "URN-LW")["caseId"]
    assert api.put(f"/cases/{case_id}/assignment", LEADER, {"userId": assessor_id}).status == 200
    assessment = start(api, ASSESSOR, case_id)  # type: ignore[arg-type]
    fill_full(api, ASSESSOR, case_id, assessment["assessmentId"])  # type: ignore[arg-type]
    assert lock(api, ASSESSOR, case_id, assessment["assessmentId"]).status == 200  # type: ignore[arg-type]
    requested = api.post(f"/cases/{case_id}/closure-requests", ASSESSOR, {"kind": "no-plan", "rationale": "done"})
    assert requested.status == 201, requested.json()
    return case_id, str(requested.json()["approvalId"])


def audit(api: HttpApi, case_id: str) -> list[dict[str, Any]]:
    answer = api.get(f"/cases/{case_id}/audit", LEADER, query={"limit": 200})
    assert answer.status == 200, answer.json()
    return list(answer.json()["items"])


def test_r1_every_acknowledged_write_stands_when_conflicting_writes_arrive_at_once(local_run):
    api = local_run.api()
    workers = {ASSESSOR: local_run.user_id(ASSESSOR), ASSESSOR2: local_run.user_id(ASSESSOR2)}
    shared = new_case(local_run, LEADER, "URN-LW", surname="Shared")["caseId"]
    fired = succeeded = 0
    for _ in range(ROUNDS):
        closing, approval_id = closure_waiting(api, workers[ASSESSOR])
        version = api.get(f"/cases/{shared}", LEADER).headers["etag"]
        targets = [workers[ASSESSOR], workers[ASSESSOR2], None]

        answered = at_once(
            decision=partial(api.post, f"/approvals/{approval_id}/decision", LEADER, {"decision": "approve"}),
            moved=partial(api.put, f"/cases/{closing}/assignment", LEADER, {"userId": workers[ASSESSOR2]}),
            **{f"shared{n}": partial(api.put, f"/cases/{shared}/assignment", LEADER, {"userId": t},
                                     headers={"If-Match": version}) for n, t in enumerate(targets)},
            created=partial(new_case, local_run, LEADER, "URN-LW", surname="Alongside"),
        )
        decision, moved, created = answered["decision"], answered["moved"], answered["created"]["caseId"]
        contending = [answered[f"shared{n}"] for n in range(len(targets))]
        answers = [decision, moved, *contending]
        fired += len(answers) + 2
        succeeded += sum(a.status < 300 for a in answers) + 2
        assert all(a.status in (200, 409) for a in answers), [(a.status, a.json()) for a in answers]

        # the closure decision and the reassignment of the same case: each answered 200 is stored and audited
        state = api.get(f"/cases/{closing}", LEADER).json()
        trail = audit(api, closing)
        approved = [e for e in trail if e["action"] == "approval.approved"]
        handed = [e for e in trail if e["action"] == "case.assigned" and
                  (e.get("after") or {}).get("assignedTo") == workers[ASSESSOR2]]
        assert decision.status == 200 or moved.status == 200  # one of them always stands
        assert len(approved) == (1 if decision.status == 200 else 0)
        assert len(handed) == (1 if moved.status == 200 else 0)
        if decision.status == 200:  # closed, and the closure released the worker
            assert (state["status"], state["assignedTo"]) == ("closed", None)
            if moved.status == 200:  # a closed case can't be reassigned: the reassignment came first
                assert handed[0]["at"] < approved[0]["at"]
        else:  # the reassignment won the case first: still open, its new worker, the request still waiting
            assert (state["status"], state["assignedTo"]) == ("open", workers[ASSESSOR2])
            assert "current" in decision.json()
        # the shared case: of three reassignments with the same If-Match, the one naming its current worker changes
        # nothing (200, changed false); of the other two, one stands and it is what is stored
        winners = [t for t, a in zip(targets, contending, strict=True) if a.status == 200 and a.json()["changed"]]
        assert len(winners) == 1, [(a.status, a.json()) for a in contending]
        assert api.get(f"/cases/{shared}", LEADER).json()["assignedTo"] == winners[0]
        assert all("current" in a.json() for a in contending if a.status == 409)
        # the case opened alongside is there
        assert api.get(f"/cases/{created}", LEADER).status == 200
    shared_trail = [e for e in audit(api, shared) if e["action"] in ("case.assigned", "case.unassigned")]
    assert len(shared_trail) == ROUNDS  # one winner a round, each audited: no acknowledged write lost
    print(f"\nR1 acknowledged writes: {fired} calls in {ROUNDS} rounds, {succeeded} acknowledged, 0 lost")

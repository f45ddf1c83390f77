"""Helpers shared by the LS/CMI tests: a full 1-8 through the handlers, scored to a chosen total."""

from __future__ import annotations

from typing import Any

from casework.lscmi import scoring
from tests.support import Api, open_case

PROBLEM = "application/problem+json"


def scores_for(total: int) -> dict[str, int]:
    """Section 1 scores adding up to `total`."""
    return scoring.filled_to(total)


def assigned_case(api: Api, leader: str, worker: str, urn: str) -> dict[str, Any]:
    case = open_case(api, leader, urn=urn)
    answer = api.put(f"/cases/{case['caseId']}/assignment", leader, {"userId": worker})
    assert answer.status == 200, answer.json()
    return answer.json()["case"]


def start(api: Api, user: str, case_id: str, kind: str = "full") -> dict[str, Any]:
    answer = api.post(f"/cases/{case_id}/assessments", user, {"kind": kind})
    assert answer.status == 201, answer.json()
    return answer.json()


def section(api: Api, user: str, case_id: str, assessment_id: str, name: str, **body: Any):
    return api.put(f"/cases/{case_id}/assessments/{assessment_id}/sections/{name}", user, body)


def fill_full(api: Api, user: str, case_id: str, assessment_id: str, total: int = 15,
              merited: bool = False, plan_type: str = "cmp") -> None:
    """Every section of a full 1-8, section 1 scored to `total`."""
    for name in scoring.SECTIONS["full"]:
        if name == "1":
            body: dict[str, Any] = {"scores": scores_for(total), "answers": {"1.1": True}}
        elif name == "7":
            body = {"fullAssessmentMerited": merited, "text": "pattern, nature, seriousness, likelihood"}
        elif name == "7.4":
            if not merited:
                continue
            body = {"planType": plan_type, "text": "formulation, imminence"}
        else:
            body = {"text": f"section {name} notes"}
        answer = section(api, user, case_id, assessment_id, name, **body)
        assert answer.status == 200, answer.json()


def lock(api: Api, user: str, case_id: str, assessment_id: str):
    return api.post(f"/cases/{case_id}/assessments/{assessment_id}/lock", user)


def case_level(api: Api, user: str, case_id: str) -> str | None:
    answer = api.get(f"/cases/{case_id}", user)
    assert answer.status == 200, answer.json()
    return answer.json()["riskNeedLevel"]


def override(api: Api, user: str, case_id: str, assessment_id: str, level: str, kind: str = "clinical"):
    return api.post(f"/cases/{case_id}/assessments/{assessment_id}/override", user,
                    {"kind": kind, "requestedLevel": level, "rationale": "protective factors not scored"})


def decide(api: Api, user: str, approval_id: str, decision: str = "approve", **extra: Any):
    return api.post(f"/approvals/{approval_id}/decision", user, {"decision": decision, **extra})


def assert_problem(answer, status: int, field: str | None = None) -> dict[str, Any]:
    assert answer.status == status, (answer.status, answer.json())
    assert answer.headers["content-type"] == PROBLEM
    body = answer.json()
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body
    return body

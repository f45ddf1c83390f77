"""LSA-3 / APR-2 consistency: whatever the handlers are asked, in any order, the level a case shows is the
score-driven level of its latest full assessment or that assessment's approved override, never anything else.

Hypothesis draws sequences of requests (scores, overrides, decisions, withdrawals, locks, reassessments, levels
smuggled in by the client); after every step the case is read back and compared with a model kept here, which
uses the LSA-3 table directly rather than the code under test."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integration.lscmi_flow import assigned_case, scores_for, start

BANDS = [(0, 4, "very-low"), (5, 10, "low"), (11, 19, "medium"), (20, 29, "high"), (30, 43, "very-high")]
LEVELS = [level for _, _, level in BANDS]
_urns = itertools.count()


def band(total: int) -> str:
    return next(level for low, high, level in BANDS if low <= total <= high)


actions = st.lists(st.one_of(
    st.tuples(st.just("score"), st.integers(0, 43)),
    st.tuples(st.just("smuggle"), st.sampled_from(LEVELS)),
    st.tuples(st.just("override"), st.sampled_from(LEVELS)),
    st.tuples(st.just("decide"), st.sampled_from(["approve", "not-approve"])),
    st.tuples(st.just("withdraw"), st.none()),
    st.tuples(st.just("complete-and-lock"), st.none()),
    st.tuples(st.just("reassess"), st.none()),
), min_size=1, max_size=12)


class Model:
    """What the case should show, from the test's own bookkeeping of each full assessment."""

    def __init__(self) -> None:
        self.assessments: list[dict[str, Any]] = []  # oldest first: {id, total, override, locked}
        self.pending: str | None = None

    @property
    def current(self) -> dict[str, Any]:
        return self.assessments[-1]

    def level(self) -> str | None:
        for a in reversed(self.assessments):
            override = a["override"]
            if override and override["status"] == "approved":
                return str(override["level"])
            if a["total"] is not None:
                return band(a["total"])
        return None


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=actions)
def test_lsa3_apr2_the_shown_level_is_always_the_score_level_or_an_approved_override(world, api, steps):
    c = world.community
    case = assigned_case(api, c.leader, c.assessor, f"URN-LV{next(_urns):05d}")
    cid = case["caseId"]
    model = Model()
    first = start(api, c.assessor, cid)
    model.assessments.append({"id": first["assessmentId"], "total": None, "override": None, "locked": False})

    for action, arg in steps:
        a = model.current
        base = f"/cases/{cid}/assessments/{a['id']}"
        if action == "score":
            answer = api.put(f"{base}/sections/1", c.assessor, {"scores": scores_for(arg)})
            if answer.status == 200:
                a["total"] = arg
        elif action == "smuggle":
            answer = api.put(f"{base}/sections/1", c.assessor, {"scores": scores_for(0), "riskNeedLevel": arg})
            assert answer.status == 422
        elif action == "override":
            answer = api.post(f"{base}/override", c.assessor,
                              {"kind": "clinical", "requestedLevel": arg, "rationale": "judgement"})
            if answer.status == 201:
                a["override"] = {"level": arg, "status": "pending"}
                model.pending = answer.json()["approvalId"]
        elif action == "decide" and model.pending:
            answer = api.post(f"/approvals/{model.pending}/decision", c.leader, {"decision": arg})
            assert answer.status == 200, answer.json()
            a["override"]["status"] = "approved" if arg == "approve" else "not-approved"
            model.pending = None
        elif action == "withdraw":
            answer = api.delete(f"{base}/override", c.assessor)
            if answer.status == 200:
                a["override"] = None
        elif action == "complete-and-lock":
            for name in ("ohf", "2", "3", "4", "5", "6", "8"):
                api.put(f"{base}/sections/{name}", c.assessor, {"text": "notes"})
            api.put(f"{base}/sections/7", c.assessor, {"fullAssessmentMerited": False})
            answer = api.post(f"{base}/lock", c.assessor)
            if answer.status == 200:
                a["locked"] = True
        elif action == "reassess":
            answer = api.post(f"/cases/{cid}/reassessments", c.assessor)
            if answer.status == 201:
                carried = a["override"] if a["override"] and a["override"]["status"] == "approved" else None
                model.assessments.append({"id": answer.json()["assessmentId"], "total": a["total"],
                                          "override": dict(carried) if carried else None, "locked": False})
        else:
            continue
        assert answer.status < 500, answer.json()

        shown = api.get(f"/cases/{cid}", c.reader).json()["riskNeedLevel"]
        assert shown == model.level(), (action, arg, shown, model.assessments)
        history = api.get(f"/cases/{cid}/history", c.reader).json()
        latest = history["assessments"][-1]
        if latest["override"] and latest["override"]["status"] == "approved":
            assert shown == latest["override"]["requestedLevel"]
        elif latest["scoreLevel"] is not None:
            assert shown == latest["scoreLevel"]

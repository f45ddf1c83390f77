"""LS/CMI arithmetic without AWS: section 1 ranges, score -> level bands (LSA-2, LSA-3), the level a case shows."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casework.lscmi import scoring

scores = st.fixed_dictionaries({name: st.integers(0, top) for name, top in scoring.SECTION1.items()})
EXPECTED = [(0, 4, "very-low"), (5, 10, "low"), (11, 19, "medium"), (20, 29, "high"), (30, 43, "very-high")]


def test_lsa2_subcomponent_ranges_add_up_to_43():
    assert list(scoring.SECTION1.values()) == [8, 9, 4, 2, 4, 8, 4, 4]
    assert scoring.MAX_TOTAL == 43


@pytest.mark.parametrize(("low", "high", "level"), EXPECTED)
def test_lsa3_band_edges(low, high, level):
    assert scoring.score_level(low) == level
    assert scoring.score_level(high) == level


@given(scores)
def test_lsa3_every_valid_section1_gives_the_band_of_its_total(given_scores):
    total = scoring.total(given_scores)
    assert 0 <= total <= 43
    assert scoring.score_level(total) == next(level for low, high, level in EXPECTED if low <= total <= high)


@given(st.integers(0, 42))
def test_lsa3_a_higher_total_never_gives_a_lower_level(total):
    order = scoring.LEVELS
    assert order.index(scoring.score_level(total + 1)) >= order.index(scoring.score_level(total))


@given(st.one_of(st.integers(max_value=-1), st.integers(min_value=44)))
def test_lsa3_a_total_outside_0_43_is_refused(total):
    with pytest.raises(ValueError):
        scoring.score_level(total)


overrides = st.one_of(st.none(), st.fixed_dictionaries({
    "requestedLevel": st.sampled_from(scoring.LEVELS),
    "status": st.sampled_from(["pending", "approved", "not-approved"]),
}))
assessment = st.tuples(st.sampled_from(["initial", "full"]),
                       st.one_of(st.none(), st.integers(0, 43)), overrides)


@given(st.lists(assessment, max_size=6))
def test_lsa3_a_case_shows_the_latest_full_assessments_score_level_or_its_approved_override(items):
    listed = [(f"{n:02d}", kind, {} if total is None else {"1": {"total": total}}, override)
              for n, (kind, total, override) in enumerate(items)]
    shown = scoring.case_level(listed)
    scored = [(kind, total, override) for kind, total, override in items if kind == "full"
              and (total is not None or (override or {}).get("status") == "approved")]
    if not scored:
        assert shown is None
        return
    _, total, override = scored[-1]
    if override and override["status"] == "approved":
        assert shown == override["requestedLevel"]
    else:
        assert shown == scoring.score_level(total)  # a pending or refused override never shows


def test_lsa2_no_full_risk_of_serious_harm_assessment_means_a_case_management_plan():
    assert scoring.plan_type({"7": {"fullAssessmentMerited": False}}) == "cmp"
    assert scoring.plan_type({"7": {"fullAssessmentMerited": True}}) is None
    assert scoring.plan_type({"7": {"fullAssessmentMerited": True}, "7.4": {"planType": "rmp"}}) == "rmp"
    assert scoring.plan_type({}) is None


def test_lsa3_the_case_level_is_assigned_in_one_place_only():
    """`assessments.apply_level` is the only code that writes a case's level (no handler, seed or store path)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    writes = [(str(path.relative_to(root)), line.strip())
              for folder in ("layers", "functions", "local", "bench") for path in (root / folder).rglob("*.py")
              for line in path.read_text().splitlines() if re.search(r"\.risk_need_level\s*=[^=]", line)]
    assert writes == [("layers/casework/casework/lscmi/assessments.py", "case.risk_need_level = level")]


def test_lsa3_no_request_model_carries_a_level_or_a_total():
    """Request bodies refuse unknown fields, and none of them declares a level (except an override's request)."""
    import importlib
    import pkgutil

    import casework.schemas as schemas
    from casework.schemas.common import In

    models = set()
    for module in pkgutil.iter_modules(schemas.__path__):
        for value in vars(importlib.import_module(f"casework.schemas.{module.name}")).values():
            if isinstance(value, type) and issubclass(value, In) and value is not In:
                models.add(value)
    fields = {(m.__name__, name) for m in models for name in m.model_fields
              if "level" in name or "total" in name}
    # MAPPA's `level` is the level of multi-agency management (1-3), not a risk/need level
    assert fields == {("OverrideIn", "requested_level"), ("MappaIn", "level"), ("MappaPatch", "level")}
    assert all(m.model_config.get("extra") == "forbid" for m in models)

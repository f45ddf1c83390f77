"""LS/CMI arithmetic: section 1 subcomponent ranges (LSA-2), the score-driven level (LSA-3) and the level a case
shows (score-driven, or an approved override). Pure functions; the only place a level is ever derived."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# LSA-2: section 1 subcomponents and their maximum scores (each from 0); the total is 0-43.
SECTION1: dict[str, int] = {
    "criminalHistory": 8,
    "educationEmployment": 9,
    "familyMarital": 4,
    "leisureRecreation": 2,
    "companions": 4,
    "alcoholDrugProblem": 8,
    "procriminalAttitudeOrientation": 4,
    "antisocialPattern": 4,
}
MAX_TOTAL = sum(SECTION1.values())  # 43

# LSA-3: the upper bound of each band of the section 1 total, lowest first.
BANDS: tuple[tuple[int, str], ...] = ((4, "very-low"), (10, "low"), (19, "medium"), (29, "high"),
                                      (MAX_TOTAL, "very-high"))
LEVELS: tuple[str, ...] = tuple(level for _, level in BANDS)

# The parts of an assessment and the sections each has (LSA-1, LSA-2).
SECTIONS: dict[str, tuple[str, ...]] = {
    "initial": ("ohf", "screening", "initial-analysis"),
    "full": ("ohf", "1", "2", "3", "4", "5", "6", "7", "7.4", "8"),
}
PLAN_SECTIONS: tuple[str, ...] = ("9", "10", "11")


def total(scores: Mapping[str, int]) -> int:
    return sum(int(scores[name]) for name in SECTION1)


def score_level(section1_total: int) -> str:
    """LSA-3: 0-4 very low, 5-10 low, 11-19 medium, 20-29 high, 30-43 very high."""
    if not 0 <= section1_total <= MAX_TOTAL:
        raise ValueError(f"a section 1 total is 0-{MAX_TOTAL}, not {section1_total}")
    return next(level for upper, level in BANDS if section1_total <= upper)


def assessment_score_level(sections: Mapping[str, Any]) -> str | None:
    """The score-driven level of one assessment, or None while section 1 is not scored."""
    first = sections.get("1") or {}
    return score_level(int(first["total"])) if "total" in first else None


def assessment_level(sections: Mapping[str, Any], override: Mapping[str, Any] | None) -> str | None:
    """The level an assessment stands at: an approved override, else the score-driven level."""
    if override and override.get("status") == "approved":
        return str(override["requestedLevel"])
    return assessment_score_level(sections)


def case_level(assessments: Iterable[tuple[str, str, Mapping[str, Any], Mapping[str, Any] | None]]) -> str | None:
    """The level a case shows: that of its latest full assessment (by id, ULIDs sort by time) that has one.

    `assessments` are (assessment id, kind, sections, override). Initial assessments (the 8-item screening
    version) don't set the case's risk/need level."""
    for _id, kind, sections, override in sorted(assessments, key=lambda a: a[0], reverse=True):
        if kind == "full":
            level = assessment_level(sections, override)
            if level is not None:
                return level
    return None


def plan_type(sections: Mapping[str, Any]) -> str | None:
    """7.3.2 decides whether 7.4 is needed; 7.4 ends in the plan type. No full RoSH assessment: a CMP."""
    seven = sections.get("7")
    if not seven:
        return None
    if not seven.get("fullAssessmentMerited"):
        return "cmp"
    rosh = sections.get("7.4")
    return str(rosh["planType"]) if rosh and rosh.get("planType") else None


def filled_to(section1_total: int) -> dict[str, int]:
    """Section 1 scores adding up to `section1_total`, subcomponents filled in order (demo data and tests)."""
    left, scores = section1_total, {}
    for name, top in SECTION1.items():
        scores[name] = min(top, left)
        left -= scores[name]
    if left:
        raise ValueError(f"a section 1 total is at most {MAX_TOTAL}")
    return scores

"""LS/CMI assessments, management plans and record maintenance (LSA, DEL). Levels are never accepted here."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, StrictInt, StringConstraints

from casework.schemas.common import Boolean, In, Out

Text = Annotated[str, StringConstraints(max_length=20000)]
Answer = Annotated[str, StringConstraints(max_length=2000)] | int | Boolean | None
Answers = Annotated[dict[Annotated[str, StringConstraints(min_length=1, max_length=20,
                                                           pattern=r"^[0-9A-Za-z.]+$")], Answer],
                    Field(max_length=200)]


class AssessmentKind(StrEnum):
    INITIAL = "initial"
    FULL = "full"


class Level(StrEnum):
    VERY_LOW = "very-low"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    VERY_HIGH = "very-high"


class Section1Scores(In):
    """LSA-2: each subcomponent within its range (a whole number, never `true`); the total and the level are
    computed by the server."""

    criminal_history: StrictInt = Field(ge=0, le=8)
    education_employment: StrictInt = Field(ge=0, le=9)
    family_marital: StrictInt = Field(ge=0, le=4)
    leisure_recreation: StrictInt = Field(ge=0, le=2)
    companions: StrictInt = Field(ge=0, le=4)
    alcohol_drug_problem: StrictInt = Field(ge=0, le=8)
    procriminal_attitude_orientation: StrictInt = Field(ge=0, le=4)
    antisocial_pattern: StrictInt = Field(ge=0, le=4)


class PlanAction(In):
    need: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    action: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    timescale: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class AssessmentIn(In):
    kind: AssessmentKind = Field(description="`initial` (community, before sentence) or `full` (LS/CMI 1-8).")


class SectionIn(In):
    """One section's content. Item wording is proprietary: only item numbers, answers, scores and text."""

    answers: Answers = Field(default_factory=dict, description="Item number -> answer, e.g. {\"2.1\": true}.")
    text: Text = ""
    scores: Section1Scores | None = Field(default=None, description="Section 1 only: the subcomponent scores.")
    full_assessment_merited: Boolean | None = Field(
        default=None, description="Section 7 only (7.3.2): is a full risk of serious harm assessment merited?")
    plan_type: Literal["cmp", "rmp"] | None = Field(
        default=None, description="Section 7.4 only: the plan it concludes is needed (case or risk management).")


class OverrideIn(In):
    """APR-2: section 6.2 (clinical / client-based) or 6.3 (administrative) override of the risk/need level."""

    kind: Literal["clinical", "administrative"]
    requested_level: Level
    rationale: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000)]


class PlanIn(In):
    assessment_id: str = Field(min_length=1, max_length=64, description="The locked assessment the plan follows.")


class PlanSectionIn(In):
    answers: Answers = Field(default_factory=dict)
    text: Text = ""
    actions: list[PlanAction] = Field(default_factory=list, max_length=100,
                                      description="Section 9: actions and timescales per need.")
    contingency: Text | None = Field(default=None, description="Section 9 of a risk management plan: required.")


class SectionOut(Out):
    answers: dict[str, Any]
    text: str
    scores: dict[str, int] | None = None
    total: int | None = Field(default=None, description="Section 1: the total of the scores (0-43).")
    full_assessment_merited: bool | None = None
    plan_type: str | None = None
    actions: list[dict[str, str]] | None = None
    contingency: str | None = None
    saved_by: str
    saved_at: str


class OverrideOut(Out):
    kind: str
    original_level: str
    requested_level: str
    rationale: str
    status: str = Field(description="pending | approved | not-approved")
    approval_id: str


class AssessmentOut(Out):
    assessment_id: str
    case_id: str
    kind: str
    reassessment_of: str | None
    status: str = Field(description="in-progress | locked")
    sections: dict[str, SectionOut]
    score_level: str | None = Field(description="LSA-3: the level the section 1 total gives.")
    level: str | None = Field(description="The level this assessment stands at: an approved override or the score.")
    override: OverrideOut | None
    plan_type: str | None = Field(description="cmp or rmp, once section 7 (and 7.4 when merited) says so.")
    created_by: str
    created_at: str
    locked_by: str | None
    locked_at: str | None
    version: int


class PlanOut(Out):
    plan_id: str
    case_id: str
    assessment_id: str
    plan_type: str
    sections: dict[str, SectionOut]
    created_by: str
    created_at: str
    version: int


class HistoryOut(Out):
    """LSA-6: every assessment, reassessment and plan of the case, oldest first."""

    case_id: str
    risk_need_level: str | None
    assessments: list[AssessmentOut]
    plans: list[PlanOut]


class MaintenanceIn(In):
    """DEL-3: an explicit confirmation phrase (as the refusal names it) and the reason, for the tombstone."""

    confirm: Annotated[str, StringConstraints(min_length=1, max_length=100)] = Field(
        description="Exactly e.g. `DELETE CASE 1234`, `DELETE ASSESSMENT 1234`, `UNLOCK ASSESSMENT 1234`, "
                    "`DELETE PERSON URN-1`.")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class MaintenanceOut(Out):
    action: str
    deleted: list[str] = Field(description="What was removed (e.g. `case 12`, `assessment 01J...`).")
    audit_entity: str = Field(description="Where the tombstone is kept in the audit trail.")

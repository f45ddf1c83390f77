"""People, cases and assignment."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

from casework.schemas.common import Day, Id, In, Name, Out, Urn
from casework.schemas.directory import UserRef
from casework.schemas.mappa import MappaFlagOut


class CaseType(StrEnum):
    LS_CMI = "ls-cmi"
    CHILD_IN_NEED = "child-in-need"
    CHILD_PROTECTION = "child-protection"
    LOOKED_AFTER = "looked-after"
    CARE_LEAVER = "care-leaver"


JUSTICE_CASE_TYPES = frozenset({CaseType.LS_CMI})
CHILDREN_CASE_TYPES = frozenset(CaseType) - JUSTICE_CASE_TYPES


class PersonIn(In):
    urn: Urn = Field(description="Unique reference number: the same wherever the person is known.")
    forename: Name
    surname: Name
    date_of_birth: Day
    chs_number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)] | None = Field(
        default=None, description="Criminal-history (CHS) number, for justice cases."
    )


class CaseIn(In):
    urn: Urn
    case_type: CaseType


class CaseOut(Out):
    case_id: str
    case_number: int
    urn: str
    forename: str
    surname: str
    case_type: str
    status: str
    assigned_to: str | None
    risk_need_level: str | None
    destruction_date: str | None
    opened_at: str
    closed_at: str | None
    multiple_cases: bool = Field(description="The person has more than one case in this service.")
    version: int


class PersonOut(Out):
    urn: str
    forename: str
    surname: str
    date_of_birth: str
    chs_number: str | None
    cases: list[CaseOut]
    multiple_cases: bool
    mappa: MappaFlagOut | None = Field(default=None, description="MAP-3: the MAPPA flag; null if never discussed.")


class AssignmentIn(In):
    user_id: Id | None = Field(description="The worker to assign the case to, or null to unassign it.")


class AssignmentOut(Out):
    case_id: str
    previous: UserRef | None = Field(description="Who had the case before this change.")
    current: UserRef | None = Field(description="Who has the case now.")
    changed: bool
    case: CaseOut

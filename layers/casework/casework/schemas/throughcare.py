"""Justice throughcare (THR-1, THR-2): the events of an LS/CMI case that start a timescale."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

from casework.schemas.common import Boolean, Day, In, Out
from casework.schemas.compliance import DeadlineOut


class EventKind(StrEnum):
    CUSTODY_SENTENCE = "custody-sentence"  # THR-1, with statutory post-release supervision
    SIGNIFICANT_EVENT = "significant-event"  # THR-2
    PROGRESSION = "progression"  # THR-2: less secure conditions, open estate, release
    PRE_RELEASE_CONFERENCE = "pre-release-conference"  # THR-2: the conference before the pre-release conference


class CaseEventIn(In):
    kind: EventKind = Field(description="`custody-sentence` (THR-1); `significant-event`, `progression` or "
                                        "`pre-release-conference` (THR-2: a reassessment is needed).")
    event_date: Day = Field(description="When it happened (the date of sentence, of the progression ...); not in "
                                         "the future.")
    details: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)] = Field(
        description="What happened: the sentence, the event, the progression or the conference.")
    post_release_supervision: Boolean | None = Field(
        default=None, description="A custody sentence only, and required there: does it carry statutory "
                                  "post-release supervision? When it does, the LS/CMI assessment is due within five "
                                  "months of sentence (THR-1).")


class CaseEventOut(Out):
    event_id: str
    case_id: str
    kind: str
    event_date: str
    details: str
    post_release_supervision: bool | None
    recorded_by: str
    recorded_at: str
    deadline: DeadlineOut | None = Field(description="The timescale it started (THR-1 or THR-2), if any.")


class CaseEventListOut(Out):
    case_id: str
    items: list[CaseEventOut] = Field(description="The case's events, the latest event date first.")

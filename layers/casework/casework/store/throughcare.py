"""Justice throughcare access patterns (THR-1, THR-2): the events of a case, in the case's key range
(`CASE#<n>#EVENT#<id>`), beside the deadlines they start."""

from __future__ import annotations

from casework.store.models import CaseEventItem, CaseItem
from casework.store.records import case_sk


def _events_of(case_number: int) -> str:
    return f"{case_sk(case_number)}#EVENT#"


def new_event(case: CaseItem, *, event_id: str, kind: str, event_date: str, details: str,
              post_release_supervision: bool | None, recorded_by: str, recorded_at: str) -> CaseEventItem:
    return CaseEventItem(
        case.pk, f"{_events_of(int(case.case_number))}{event_id}", service_id=case.service_id, event_id=event_id,
        case_id=case.case_id, case_number=int(case.case_number), urn=case.urn, event_kind=kind,
        event_date=event_date, details=details, post_release_supervision=post_release_supervision,
        recorded_by=recorded_by, recorded_at=recorded_at,
    )


def events_of(case: CaseItem) -> list[CaseEventItem]:
    """Every event of a case, oldest recorded first: one Query of its events' key range."""
    return list(CaseEventItem.query(case.pk, CaseEventItem.sk.startswith(_events_of(int(case.case_number))),
                                    consistent_read=True))

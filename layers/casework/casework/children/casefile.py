"""What every children's record shares: the case it belongs to (with the per-record checks), its audit entries and
the commit that turns a lost race into a 409 carrying the state now."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from casework import cases
from casework.access import Caller
from casework.errors import Conflict, Invalid, NotFound, WriteConflict
from casework.schemas.cases import CHILDREN_CASE_TYPES, CaseType
from casework.store import audit
from casework.store import deadlines as deadline_store
from casework.store.models import AuditItem, CaseItem, DeadlineItem
from casework.store.tx import Changes

# CSC-2: the case types whose children are visited on a statutory timescale
VISITED = frozenset({CaseType.LOOKED_AFTER, CaseType.CHILD_PROTECTION, CaseType.CHILD_IN_NEED})


def children_case(caller: Caller, case_id: str) -> CaseItem:
    """A children's case the caller may read (another service's case is not found)."""
    case = cases.load(caller, case_id)
    if case.case_type not in CHILDREN_CASE_TYPES:
        raise Invalid("caseId", f"a {case.case_type} case has no children's social care records")
    return case


def open_children_case(caller: Caller, case_id: str) -> CaseItem:
    """An open children's case, for a change of its records."""
    case = children_case(caller, case_id)
    if case.status != "open":
        raise Conflict("The case is closed; its records can't be changed.", current=cases.state(case))
    return case


def case_for_change(caller: Caller, case_id: str) -> CaseItem:
    """An open children's case the caller may change: assigned to them, or the team-leader right."""
    return cases.for_change(caller, case_id, case_types=CHILDREN_CASE_TYPES, records="children's social care records")


def owner(case: CaseItem, caller: Caller) -> str:
    """Whom a case's deadline is for: its worker, or whoever started it while it has none (assignment hands it on)."""
    return case.assigned_to or caller.user_id


def child(case: CaseItem) -> str:
    return f"{case.forename} {case.surname} (case {int(case.case_number)})"


def new_deadline(case: CaseItem, deadline_id: str, rule: str, kind: str, **fields: Any) -> DeadlineItem:
    """A deadline of the case (CMP-1), beside it in its partition; `deadlines.start` gives it its stages."""
    return deadline_store.for_case(case, deadline_id, rule=rule, deadline_kind=kind, **fields)


def is_open(item: DeadlineItem | None) -> bool:
    return item is not None and item.status in deadline_store.OPEN


def entry(actor_id: str, case: CaseItem, action: str, after: dict[str, Any]) -> AuditItem:
    return audit.entry(audit.case_entity(case.case_id), service_id=case.service_id, action=action,
                       actor_id=actor_id, after=after)


def commit(changes: Changes, what: str, current: Callable[[], object]) -> None:
    """Commit; someone else's change first (the record, its deadline or the case) is a 409 with the state now."""
    try:
        changes.commit()
    except WriteConflict:
        try:
            now = current()
        except NotFound:
            now = None  # deleted meanwhile
        raise Conflict(f"Someone else changed the {what} or its case first; read it again.", current=now) from None

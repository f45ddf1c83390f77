"""People and their cases: recording a person, opening a case, reading, the system cases table, audit."""

from __future__ import annotations

from collections.abc import Callable

from casework import clock, ids, views
from casework.access import Caller, Right, may_change_case, require, visible
from casework.errors import Conflict, Forbidden, Invalid, NotFound, WriteConflict
from casework.observability import count
from casework.schemas.cases import (
    CHILDREN_CASE_TYPES,
    JUSTICE_CASE_TYPES,
    CaseIn,
    CaseOut,
    PersonIn,
    PersonOut,
)
from casework.schemas.common import Page
from casework.schemas.work import AuditEntryOut
from casework.store import audit, records
from casework.store import directory as directory_store
from casework.store.models import AuditItem, CaseItem
from casework.store.paging import Page as StorePage
from casework.store.tx import Changes

# What opening a case starts besides, registered by the capability that owns it when imported (children's social
# care: the first statutory visit's deadline, CSC-2), so that this module never imports a capability. Each adds its
# writes to the transaction that opens the case; a function opening cases imports those capabilities.
OPENED: list[Callable[[Changes, CaseItem, Caller], None]] = []


def record_person(caller: Caller, body: PersonIn) -> PersonOut:
    """A service holds at most one record per URN."""
    require(caller, Right.CASE_OPEN)
    person = records.new_person(
        caller.service_id, body.urn, forename=body.forename, surname=body.surname,
        date_of_birth=body.date_of_birth.isoformat(), chs_number=body.chs_number, created_at=clock.stamp(),
    )
    changes = Changes()
    changes.create(person)
    changes.create(audit.entry(
        audit.person_entity(caller.service_id, body.urn), service_id=caller.service_id, action="person.recorded",
        actor_id=caller.user_id, after={"urn": body.urn},
    ))
    try:
        changes.commit()
    except WriteConflict:
        raise Conflict(f"Your service already holds a person with URN {body.urn}.", urn=body.urn) from None
    count("PersonRecorded")
    return views.person_out(person, [])


def person(caller: Caller, urn: str) -> PersonOut:
    require(caller, Right.CASE_READ)
    found, cases = records.person_with_cases(caller.service_id, urn.upper())
    if found is None:
        raise NotFound("No person with that URN.")
    return views.person_out(found, cases)


def open_case(caller: Caller, body: CaseIn) -> CaseOut:
    """A new case for a person, numbered by the service's counter; it lands in the unassigned table."""
    require(caller, Right.CASE_OPEN)
    allowed = JUSTICE_CASE_TYPES if caller.service_kind.startswith("justice") else CHILDREN_CASE_TYPES
    if body.case_type not in allowed:
        raise Invalid("caseType", f"a {caller.service_kind} service opens {', '.join(sorted(allowed))} cases")
    found = records.person(caller.service_id, body.urn)
    if found is None:
        raise Invalid("urn", "no person with this URN in your service")
    number = directory_store.next_case_number(caller.service_id)
    case = records.new_case(found, case_id=ids.ulid(), case_number=number, case_type=body.case_type,
                            opened_at=clock.stamp())
    changes = Changes()
    changes.create(case)
    changes.create(records.case_ref(case))
    # Conditional on the cases read, so two cases opened at once both get the "multiple cases" flag right, and on
    # the person's generation, so a case is never opened into records an import has just replaced.
    records.count_case_if_unchanged(changes, found)
    if int(found.case_count or 0) == 1:  # the person's first case now has company: flag it too
        first = records.first_case(found)
        if first is not None:
            records.mark_multiple(changes, first)
    for started in OPENED:
        started(changes, case, caller)
    changes.create(audit.entry(
        audit.case_entity(case.case_id), service_id=caller.service_id, action="case.opened",
        actor_id=caller.user_id, after={"caseNumber": number, "urn": case.urn, "caseType": case.case_type},
    ))
    try:
        changes.commit()
    except WriteConflict:
        raise Conflict("The person changed while the case was being opened; try again.",
                       current=person(caller, body.urn).model_dump(mode="json", by_alias=True)
                       ) from None
    count("CaseOpened")
    return views.case_out(case)


def load(caller: Caller, case_id: str) -> CaseItem:
    """A case the caller may read: another service's case is not found (never forbidden)."""
    require(caller, Right.CASE_READ)
    case = records.find_case(case_id) if ids.is_ulid(case_id) else None
    if case is None:
        raise NotFound("No case with that id.")
    visible(caller, case.service_id, "case")
    return case


def for_change(caller: Caller, case_id: str, *, case_types: frozenset[str], records: str) -> CaseItem:
    """An open case of one of `case_types` that the caller may change its records of: assigned to them, or the
    team-leader right (DOMAIN: per-record access). `records` names what such a case has, for the refusal of
    another type."""
    case = load(caller, case_id)
    if not may_change_case(caller, case.assigned_to):
        raise Forbidden("Only the case's assigned worker or a team leader may change its records.")
    if case.status != "open":
        raise Conflict("The case is closed; its records can't be changed.", current=state(case))
    if case.case_type not in case_types:
        raise Invalid("caseId", f"a {case.case_type} case has no {records}")
    return case


def case(caller: Caller, case_id: str) -> CaseOut:
    return views.case_out(load(caller, case_id))


def page_of(page: StorePage[CaseItem]) -> Page[CaseOut]:
    return Page[CaseOut](items=[views.case_out(c) for c in page.items], next=page.next)


def cases_table(caller: Caller, *, status: records.Status, assigned_to: str | None, sort: records.SortBy,
                limit: int, next_token: str | None) -> Page[CaseOut]:
    """ADM-2: every case of the service, filtered by status and worker, sorted by surname or number."""
    require(caller, Right.CASE_READ)
    if assigned_to is not None:
        page = records.held_by(caller.service_id, assigned_to, status=status, sort=sort, limit=limit,
                               token=next_token)
    else:
        page = records.cases_table(caller.service_id, status=status, sort=sort, limit=limit, token=next_token)
    return page_of(page)


def audit_trail(caller: Caller, case_id: str, limit: int, next_token: str | None) -> Page[AuditEntryOut]:
    """Whoever may read a case may read its trail. The trail outlives the case: a deleted case's trail ends in
    its tombstone (DEL-3), readable by the service that held it."""
    try:
        entity = audit.case_entity(load(caller, case_id).case_id)
    except NotFound:
        entity = audit.case_entity(case_id)
        page = audit.trail(entity, limit, next_token) if ids.is_ulid(case_id) else None
        if page is None or (not page.items and next_token is None) or any(
                e.service_id != caller.service_id for e in page.items):
            raise
        return _audit_page(page)
    return _audit_page(audit.trail(entity, limit, next_token))


def person_audit(caller: Caller, urn: str, limit: int, next_token: str | None) -> Page[AuditEntryOut]:
    """A person's trail in the caller's service (recorded, MAPPA, cases deleted, the person deleted or imported):
    kept after the person is deleted, so the tombstone can be read (DEL-3)."""
    require(caller, Right.CASE_READ)
    urn = urn.upper()
    page = audit.trail(audit.person_entity(caller.service_id, urn), limit, next_token)
    if not page.items and next_token is None and records.person(caller.service_id, urn) is None:
        raise NotFound("No person with that URN.")
    return _audit_page(page)


def _audit_page(page: StorePage[AuditItem]) -> Page[AuditEntryOut]:
    return Page[AuditEntryOut](items=[views.audit_out(e) for e in page.items], next=page.next)


def hold(changes: Changes, case: CaseItem, *, changed: bool) -> None:
    """A change of the case or its records holds to the case as it was read, so two requests whose rules exclude
    each other can't both commit (docs/decisions.md, "Requests that exclude each other"): the case is saved, moving
    its version on, when the change alters what other requests decide on (its status, worker, pending closure,
    level, which assessments and plans it has); otherwise it is only checked to be unchanged. Either way the case
    must still be its person's current record: an import that replaced the person meanwhile fails the change."""
    if changed:
        changes.save(records.refresh_index_keys(case))
    else:
        changes.check(case)
    records.check_still_current(changes, case)


def state(case: CaseItem) -> dict[str, object]:
    """A case as a 409 answer carries it."""
    return views.case_out(case).model_dump(mode="json", by_alias=True)


def state_now(caller: Caller, case_id: str) -> dict[str, object] | None:
    """The case as it is now, for the 409 of a race lost at the write: None once it has been deleted."""
    try:
        return state(load(caller, case_id))
    except NotFound:
        return None

"""Records access patterns: a person and their cases in one partition, and the case tables."""

from __future__ import annotations

from typing import Literal

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.condition import Condition

from casework.store.models import (
    CaseItem,
    CaseRefItem,
    MappaItem,
    MappaNotificationItem,
    PersonItem,
    RecordItem,
)
from casework.store.paging import Page, merged_page, query_page
from casework.store.tx import Changes

Status = Literal["open", "closed", "all"]
SortBy = Literal["surname", "caseNumber"]
_UNASSIGNED = "UNASSIGNED"


def _person_pk(service_id: str, urn: str) -> str:
    return f"{service_id}#PERSON#{urn}"


def base_pk(service_id: str, urn: str) -> str:
    """The person item's partition (and their records', until an import replaces them)."""
    return _person_pk(service_id, urn)


def partition_pk(service_id: str, urn: str, records_at: str | None) -> str:
    """Where a generation of a person's records lives: the first beside the person item, a later one (written by
    an import that replaced the person) in a partition named after that import."""
    base = _person_pk(service_id, urn)
    return f"{base}#{records_at}" if records_at else base


def import_generation(import_id: str) -> str:
    """The `records_at` of the generation an import writes: its partition is named after the import."""
    return f"I{import_id}"


def partition(person: PersonItem) -> str:
    """The partition holding the person's current records."""
    return partition_pk(person.service_id, person.urn, person.records_at)


def case_sk(case_number: int) -> str:
    return f"CASE#{case_number:010d}"


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _holder(service_id: str, assigned_to: str | None, status: str) -> str:
    return f"{service_id}#{assigned_to or _UNASSIGNED}#{status}"


def refresh_index_keys(case: CaseItem) -> CaseItem:
    """Derive the index attributes from the case's own fields: call before every save of a case."""
    case.service_status = f"{case.service_id}#{case.status}"
    case.holder = _holder(case.service_id, case.assigned_to, case.status)
    case.surname_key = f"{_fold(case.surname)}#{_fold(case.forename)}#{int(case.case_number):010d}"
    case.number_key = f"{int(case.case_number):010d}"
    return case


# ---------------------------------------------------------------- people


def person(service_id: str, urn: str) -> PersonItem | None:
    try:
        return PersonItem.get(_person_pk(service_id, urn), "PERSON", consistent_read=True)
    except DoesNotExist:
        return None


def person_with_cases(service_id: str, urn: str) -> tuple[PersonItem | None, list[CaseItem]]:
    """The person and their cases, oldest first: one Query of the person's partition (two once an import has
    replaced the person: the person item, then the current generation's partition)."""
    found, records = person_with_records(service_id, urn)
    return found, [r for r in records if isinstance(r, CaseItem)]


def person_with_records(service_id: str, urn: str) -> tuple[PersonItem | None, list[RecordItem]]:
    """The person and every record of their current generation, in key order (a case before its records)."""
    found: PersonItem | None = None
    records: list[RecordItem] = []
    for item in RecordItem.query(_person_pk(service_id, urn), consistent_read=True):
        if isinstance(item, PersonItem):
            found = item
        else:
            records.append(item)
    if found is not None and found.records_at:
        records = list(RecordItem.query(partition(found), consistent_read=True))
    return found, records


def same_generation(person: PersonItem) -> Condition:
    """The person's records are still the generation read: no import has replaced them since (TRN-4)."""
    if person.records_at:
        return PersonItem.records_at == person.records_at
    return PersonItem.records_at.does_not_exist()


def still_current(item: CaseItem | MappaItem | MappaNotificationItem) -> tuple[PersonItem, Condition]:
    """For a change of a record found through its person (`current`): the person item to check and the condition
    that the record is still of the person's current generation. An import that replaced the person after the record
    was read fails the change, which would otherwise land in the replaced generation and be lost with it."""
    base = _person_pk(item.service_id, item.urn)
    head = PersonItem(base, "PERSON")
    if item.pk == base:
        return head, PersonItem.records_at.does_not_exist()
    return head, PersonItem.records_at == item.pk.removeprefix(f"{base}#")


def check_still_current(changes: Changes, item: CaseItem | MappaItem | MappaNotificationItem) -> None:
    """Hold `changes` to the record still being of its person's current generation (`still_current`)."""
    changes.check(*still_current(item), versioned=False)


def record_added(changes: Changes, person: PersonItem) -> None:
    """The update of the person item for a record added under them that changes nothing else of theirs: none of
    their attributes, but their version moves on (a deletion of the person that read them before fails rather than
    leave the new record behind), in the generation read (an import replacing them meanwhile fails the addition)."""
    changes.update(person, [], same_generation(person), versioned=False)


def new_person(service_id: str, urn: str, *, forename: str, surname: str, date_of_birth: str,
               chs_number: str | None, created_at: str) -> PersonItem:
    return PersonItem(
        _person_pk(service_id, urn), "PERSON", service_id=service_id, urn=urn, forename=forename,
        surname=surname, date_of_birth=date_of_birth, chs_number=chs_number, case_count=0,
        created_at=created_at,
    )


# ---------------------------------------------------------------- cases


def new_case(person: PersonItem, *, case_id: str, case_number: int, case_type: str, opened_at: str) -> CaseItem:
    case = CaseItem(
        partition(person), case_sk(case_number), service_id=person.service_id, case_id=case_id,
        case_number=case_number, urn=person.urn, forename=person.forename, surname=person.surname,
        case_type=case_type, status="open", assigned_to=None, opened_at=opened_at,
        multiple_cases=int(person.case_count or 0) >= 1,
    )
    return refresh_index_keys(case)


def first_case(person: PersonItem) -> CaseItem | None:
    """The person's oldest case: the first `CASE#` key of the partition (its records sort after it)."""
    return next(iter(CaseItem.query(partition(person), CaseItem.sk.startswith("CASE#"), limit=1,
                                    consistent_read=True)), None)


def case_key_range(case: CaseItem) -> list[RecordItem]:
    """Every record kept under a case, whatever its kind (`CASE#<n>#...`: assessments, plans, approvals, deadlines,
    throughcare events, C&F assessments, visits and any kind to come), in key order; the case item itself is not
    among them. One Query of the case's key range."""
    prefix = f"{case_sk(int(case.case_number))}#"
    return list(RecordItem.query(case.pk, RecordItem.sk.startswith(prefix), consistent_read=True))


def kind_of(item: RecordItem) -> str:
    """A record's kind as stored (`assessment`, `cf-assessment`, `visit`, `deadline` ...)."""
    return str(RecordItem.kind.serialize(type(item)))


def named(item: RecordItem) -> str:
    """A record as an answer names it: its kind and its own id (the last segment of its key), e.g. `visit 01J...`."""
    return f"{kind_of(item)} {item.sk.rsplit('#', 1)[-1]}"


def mark_multiple(changes: Changes, case: CaseItem) -> None:
    """Flag a case as one of several of its person's (not a change of the case itself: no version condition)."""
    changes.update(case, [CaseItem.multiple_cases.set(True)], versioned=False)


def case_ref(case: CaseItem) -> CaseRefItem:
    return CaseRefItem(f"CASE#{case.case_id}", "REF", service_id=case.service_id, urn=case.urn,
                       case_number=case.case_number, partition=located_at(case))


def find_case(case_id: str) -> CaseItem | None:
    """A case by id: its reference, then the case and its person together, all strongly consistent."""
    try:
        ref = CaseRefItem.get(f"CASE#{case_id}", "REF", consistent_read=True)
    except DoesNotExist:
        return None
    found = current(ref.service_id, ref.urn, ref.partition, case_sk(int(ref.case_number)))
    return found if isinstance(found, CaseItem) and found.case_id == case_id else None


def located_at(item: RecordItem) -> str | None:
    """What a reference records of where an item lives: nothing when beside its person (the first generation)."""
    return None if item.pk == _person_pk(item.service_id, getattr(item, "urn", "")) else item.pk


def current(service_id: str, urn: str, located: str | None, sk: str) -> RecordItem | None:
    """A record of a person found through a reference: the record and the person in one BatchGetItem. A record of a
    generation that is not the person's current one (staged by an import, or replaced and awaiting clean-up) is
    not found, so a reader sees the old person or the new one, never a mixture."""
    base = _person_pk(service_id, urn)
    found: RecordItem | None = None
    head: PersonItem | None = None
    for item in RecordItem.batch_get([(located or base, sk), (base, "PERSON")], consistent_read=True):
        if isinstance(item, PersonItem):
            head = item
        else:
            found = item
    if found is None or head is None or found.pk != partition(head):
        return None
    return found


def find_case_in(service_id: str, case_id: str) -> CaseItem | None:
    """A case by id, only if it belongs to `service_id` (another service's case is not found)."""
    case = find_case(case_id)
    return case if case is not None and case.service_id == service_id else None


def cases_table(service_id: str, *, status: Status, sort: SortBy, limit: int, token: str | None) -> Page[CaseItem]:
    """The system cases table: a service's cases by status, sorted by surname or case number."""
    index = CaseItem.by_surname if sort == "surname" else CaseItem.by_number
    if status == "all":
        return merged_page(index, {s: f"{service_id}#{s}" for s in ("open", "closed")}, "serviceStatus",
                           _sort_of(sort), limit, token)
    return query_page(index, f"{service_id}#{status}", "serviceStatus", limit, token)


def held_by(service_id: str, user_id: str | None, *, status: Status, sort: SortBy, limit: int,
            token: str | None) -> Page[CaseItem]:
    """Cases held by a worker (their caseload) or, with no worker, the unassigned cases."""
    index = CaseItem.holder_by_surname if sort == "surname" else CaseItem.holder_by_number
    if status == "all":
        return merged_page(index, {s: _holder(service_id, user_id, s) for s in ("open", "closed")}, "holder",
                           _sort_of(sort), limit, token)
    return query_page(index, _holder(service_id, user_id, status), "holder", limit, token)


def _sort_of(sort: SortBy):  # type: ignore[no-untyped-def]
    if sort == "surname":
        return lambda case: case.surname_key
    return lambda case: case.number_key


def count_case_if_unchanged(changes: Changes, person: PersonItem) -> None:
    """Count one more case for the person, only if they still have the cases read (`_cases_unchanged`)."""
    changes.update(person, [PersonItem.case_count.add(1)], _cases_unchanged(person), versioned=False)


def _cases_unchanged(person: PersonItem) -> Condition:
    """The person still has the cases read (their count, in the generation read): a case opened or deleted
    meanwhile, or an import replacing the person, fails the change."""
    count = int(person.case_count or 0)
    same_count = PersonItem.case_count == count
    if count == 0:
        same_count = same_count | PersonItem.case_count.does_not_exist()
    unchanged: Condition = same_count & same_generation(person)  # PynamoDB's & and | are untyped
    return unchanged

"""The reference items that find a person's records by id from outside the person's partition. They hold nothing
that is not in the records, so they are derived here, in one place, whenever records are written together
(an import) or deleted together (record maintenance, an import's clean-up)."""

from __future__ import annotations

from casework.store import assessments, mappa, records
from casework.store.models import ApprovalItem, CaseItem, MappaItem, MappaNotificationItem, RecordItem


def refs_of(item: RecordItem) -> list[RecordItem]:
    """The references pointing at one record (none for records found through their case or person)."""
    if isinstance(item, CaseItem):
        return [records.case_ref(item)]
    if isinstance(item, ApprovalItem):
        return [assessments.approval_ref(item)]
    if isinstance(item, MappaItem):
        return [mappa.discussion_ref(item)]
    if isinstance(item, MappaNotificationItem):
        return [mappa.notification_ref(item)]
    return []


def all_refs(items: list[RecordItem]) -> list[RecordItem]:
    return [ref for item in items for ref in refs_of(item)]


def ids_of(ref: RecordItem) -> set[str]:
    """The segments of a reference's key: one of them is the id it finds its record by."""
    return set(ref.pk.split("#"))


def key_of(ref: RecordItem) -> tuple[str, str]:
    """The reference's own key: two records can't both be found through one."""
    return ref.pk, ref.sk

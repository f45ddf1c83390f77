"""Deadline access patterns (CMP-1, CMP-2): a deadline lives with its record; the sweep finds the ones whose next
stage is due through a sparse, sharded index, and managers find their teams' through another."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any

from pynamodb.exceptions import DoesNotExist

from casework.store.models import CaseItem, DeadlineItem, MappaItem, RecordItem, TaskItem
from casework.store.records import case_sk
from casework.store.tx import Changes

SHARDS = 16  # the due index's partitions: a burst of deadlines due at one instant spreads over all of them
OPEN = ("open",)


def shard_of(deadline_id: str) -> int:
    return zlib.crc32(deadline_id.encode()) % SHARDS


def _shard_key(shard: int) -> str:
    return f"DUE#{shard:02d}"


def refresh_index_keys(item: DeadlineItem) -> DeadlineItem:
    """Derive the index attributes from the deadline's state: call before every save of a deadline. In the due index
    only while a stage is still to raise, at the first one nothing holds back; in its owner's list while open."""
    stages: list[dict[str, Any]] = item.stages or []
    waiting = [s for s in stages[int(item.next_stage):] if not held_for_worker(item, s)]
    upcoming = stages[int(item.next_stage)] if int(item.next_stage) < len(stages) else None
    if upcoming is not None and held_for_worker(item, upcoming):  # due again when a stage to others is
        upcoming = waiting[0] if waiting else None
    if item.status == "open" and upcoming is not None:
        item.due_shard = _shard_key(shard_of(item.deadline_id))
        item.due_at = f"{upcoming['at']}#{item.deadline_id}"
    else:
        item.due_shard = item.due_at = None
    if item.status in OPEN and item.owner_id:
        item.owner_open = f"{item.service_id}#{item.owner_id}"
        item.owner_sort = f"{item.due_date}#{item.deadline_id}"
    else:
        item.owner_open = item.owner_sort = None
    return item


def case_deadline_sk(case_number: int, deadline_id: str) -> str:
    return f"{case_sk(case_number)}#DUE#{deadline_id}"


def new_deadline(*, partition: str, sk: str, deadline_id: str, service_id: str, urn: str,
                 **fields: Any) -> DeadlineItem:
    return DeadlineItem(partition, sk, deadline_id=deadline_id, service_id=service_id, urn=urn, **fields)


def for_case(case: CaseItem, deadline_id: str, **fields: Any) -> DeadlineItem:
    """A new deadline of a case, in the case's partition."""
    return new_deadline(partition=case.pk, sk=case_deadline_sk(int(case.case_number), deadline_id),
                        deadline_id=deadline_id, service_id=case.service_id, urn=case.urn, case_id=case.case_id,
                        case_number=int(case.case_number), **fields)


def for_discussion(discussion: MappaItem, deadline_id: str, **fields: Any) -> DeadlineItem:
    """A new deadline of a MAPPA discussion, beside it in the person's partition."""
    return new_deadline(partition=discussion.pk, sk=f"{discussion.sk}#DUE#{deadline_id}", deadline_id=deadline_id,
                        service_id=discussion.service_id, urn=discussion.urn, record_id=discussion.discussion_id,
                        **fields)


def get(pk: str, sk: str) -> DeadlineItem | None:
    try:
        return DeadlineItem.get(pk, sk, consistent_read=True)
    except DoesNotExist:
        return None


def of_case(case: CaseItem) -> list[DeadlineItem]:
    """Every deadline of a case, met ones too: one Query of the case's key range."""
    prefix = f"{case_sk(int(case.case_number))}#DUE#"
    return list(DeadlineItem.query(case.pk, DeadlineItem.sk.startswith(prefix), consistent_read=True))


def of_discussion(discussion: MappaItem) -> list[DeadlineItem]:
    return list(DeadlineItem.query(discussion.pk, DeadlineItem.sk.startswith(f"{discussion.sk}#DUE#"),
                                   consistent_read=True))


def due(shard: int, until: str, *, page_size: int = 100) -> Iterator[DeadlineItem]:
    """The deadlines of one shard whose next stage is due at or before `until` (an instant, `...Z`), soonest first.
    Only those are read: the key condition stops at `until`."""
    yield from DeadlineItem.due_deadlines.query(_shard_key(shard), DeadlineItem.due_at < f"{until}$",
                                                page_size=page_size)


def all_owned_by(service_id: str, owner_id: str) -> list[DeadlineItem]:
    return list(DeadlineItem.by_owner.query(f"{service_id}#{owner_id}"))


def save(changes: Changes, item: DeadlineItem) -> None:
    """Put the deadline (new, or at the version read), its index keys derived from its state."""
    if item.version is None:
        changes.create(refresh_index_keys(item))
    else:
        changes.save(refresh_index_keys(item))


def key(item: DeadlineItem) -> dict[str, str]:
    return {"pk": item.pk, "sk": item.sk}


def by_key(raw: dict[str, str]) -> DeadlineItem | None:
    return get(raw["pk"], raw["sk"])


def records_of(item: RecordItem) -> bool:
    """Whether a record is a deadline (kept by the service that holds it; never carried by a transfer)."""
    return isinstance(item, DeadlineItem)


def release_in(changes: Changes, task: TaskItem) -> DeadlineItem | None:
    """A completed alert that held a deadline back: the deadline now waits for nothing (CSC-2)."""
    if not task.releases:
        return None
    held = by_key(task.releases)
    if held is None or held.status != "open" or not held.waits_for:
        return None
    held.waits_for = None
    save(changes, held)
    return held


def held_for_worker(item: DeadlineItem, stage: dict[str, Any]) -> bool:
    """A stage to the worker alone, while the deadline waits for the worker's earlier alert to be completed."""
    return bool(item.waits_for) and list(stage.get("to", [])) == ["owner"]

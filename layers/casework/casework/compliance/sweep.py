"""The sweep (CMP-1, CMP-2): run by the schedule every 15 minutes, it reads only the deadlines whose next stage is
due (the sparse, sharded due index) and raises each one's due stages in one conditional transaction.

Its work grows with the number of deadlines due, not with the number held. It stops before its time runs out and
leaves the rest in the index for the next run: a deadline is either wholly advanced or not at all. Two sweeps at once
each try the same deadline; the deadline's version lets one of them through, and the other raises nothing.
"""

from __future__ import annotations

import random
import time
from datetime import UTC
from typing import Any

from casework import clock
from casework.compliance.deadlines import People, advance
from casework.errors import WriteConflict
from casework.observability import count, logger
from casework.store import deadlines as store
from casework.store.models import DeadlineItem
from casework.store.tx import Changes


def sweep(budget_seconds: float = 240.0) -> dict[str, Any]:
    """Raise every stage due now. The summary says what was read, raised and left for the next run."""
    started = time.monotonic()
    now = clock.now()
    until = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    people = People()
    read = stages = deadlines = lost = failed = 0
    finished = True
    first = random.randrange(store.SHARDS)  # a backlog bigger than one run is not always left in the same shards
    for shard in [(first + n) % store.SHARDS for n in range(store.SHARDS)]:
        for item in store.due(shard, until):
            if time.monotonic() - started > budget_seconds:
                finished = False
                break
            read += 1
            try:
                raised = raise_due(item, now, people)
            except Exception:  # one deadline that can't be raised must not hold back the rest of its shard
                logger.exception("deadline not raised", extra={"deadlineId": item.deadline_id, "pk": item.pk})
                failed += 1
                continue
            if raised:
                deadlines += 1
                stages += raised
            else:
                lost += 1
        if not finished:
            break
    if stages:
        count("ComplianceStagesRaised", stages)
    if failed:
        count("ComplianceDeadlinesFailed", failed)
    if not finished:
        count("ComplianceSweepUnfinished")
    return {"read": read, "deadlines": deadlines, "stages": stages, "alreadyRaised": lost, "failed": failed,
            "finished": finished, "at": clock.iso(now)}


def raise_due(item: DeadlineItem, now: Any, people: People) -> int:
    """One deadline's due stages, in one transaction conditional on the version read; 0 if another sweep (or a
    change of the record) got there first: what it raised stands, and nothing is raised twice."""
    changes = Changes()
    raised = advance(changes, item, now, people)
    if not raised:
        return 0
    store.save(changes, item)
    try:
        changes.commit()
    except WriteConflict:
        return 0
    return raised

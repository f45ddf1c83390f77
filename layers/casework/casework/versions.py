"""Optimistic concurrency over HTTP (DESIGN): the version a record shows as its ETag, and a client's `If-Match`
checked against it. Every route that takes `If-Match` checks it here, so they all read a stored version the same
way and all answer a stale one the same way: 409 with the record's current state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from casework.errors import Conflict


def version_of(item: Any) -> int:
    """The version a record shows (its ETag): the stored one, or 0 for a record stored without one (records an
    import wrote before imports gave them version 1). A change to such a record is conditional on the version
    being absent, so `If-Match: "0"` is as good a guard on it as any other."""
    stored = getattr(item, "version", None)
    return 0 if stored is None else int(stored)


def check_if_match(if_match: int | None, item: Any, what: str, current: Callable[[], Any]) -> None:
    """Refuse a change made from a stale read: `If-Match` (when sent) must be the version the record shows now.
    The 409 carries `current`, the record's state as a read of it answers it, for the client to start again from.
    """
    if if_match is not None and if_match != version_of(item):
        raise Conflict(f"The {what} changed since you read it; read it again.", current=current())

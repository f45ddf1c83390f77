"""Opaque `next` tokens and paged index queries, including a sorted merge of two partitions."""

from __future__ import annotations

import base64
import binascii
import heapq
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pynamodb.indexes import GlobalSecondaryIndex
from pynamodb.models import Model

from casework.errors import BadRequest

T = TypeVar("T", bound=Model)
RawKey = dict[str, dict[str, str]]


@dataclass
class Page(Generic[T]):
    items: list[T]
    next: str | None


def encode(state: Any) -> str | None:
    if state is None:
        return None
    return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode().rstrip("=")


def decode(token: str | None) -> Any:
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        return json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        raise BadRequest("The `next` token is not one this list issued.", errors=[_bad_token]) from None


_bad_token = {"field": "next", "message": "not a token issued by this list"}


def _key_names(source: Any) -> set[str]:
    """The attributes a start key of this table or index must have: the table's keys and the index's."""
    if isinstance(source, GlobalSecondaryIndex):
        return {"pk", "sk"} | {attr.attr_name for attr in type(source).Meta.attributes.values()}
    return {"pk", "sk"}


def _checked_key(raw: Any, expect: dict[str, str], source: Any) -> RawKey:
    """A start key from a client must be whole, well formed and point into the partition being listed."""
    if not isinstance(raw, dict) or set(raw) != _key_names(source) or not all(
        isinstance(k, str) and isinstance(v, dict) and len(v) == 1 and next(iter(v)) in ("S", "N")
        and isinstance(next(iter(v.values())), str)
        for k, v in raw.items()
    ):
        raise BadRequest("The `next` token is not one this list issued.", errors=[_bad_token])
    for name, value in expect.items():
        if raw.get(name) != {"S": value}:
            raise BadRequest("The `next` token is not one this list issued.", errors=[_bad_token])
    return raw


def _key_of(item: Model, index: GlobalSecondaryIndex[Any]) -> RawKey:
    """The ExclusiveStartKey that resumes an index query just after `item`."""
    serialized = item.serialize()
    return {n: serialized[n] for n in _key_names(index) if n in serialized}


def query_page(
    index: GlobalSecondaryIndex[T] | type[T],
    hash_value: str,
    hash_attr: str,
    limit: int,
    token: str | None,
    *,
    forward: bool = True,
    range_condition: Any = None,
) -> Page[T]:
    """One page of one partition of a table or index: one Query request, at most `limit` items read."""
    start = _checked_key(decode(token), {hash_attr: hash_value}, index) if token else None
    results = index.query(
        hash_value,
        range_key_condition=range_condition,
        limit=limit,
        page_size=limit,
        last_evaluated_key=start,
        scan_index_forward=forward,
    )
    items = list(results)
    return Page(items, encode(results.last_evaluated_key))


def merged_page(
    index: GlobalSecondaryIndex[T],
    partitions: dict[str, str],
    hash_attr: str,
    sort_of: Callable[[T], str],
    limit: int,
    token: str | None,
    *,
    forward: bool = True,
) -> Page[T]:
    """One sorted page across several partitions (e.g. open and closed cases): a Query each."""
    state = decode(token) if token else {}
    if not isinstance(state, dict) or not set(state) <= set(partitions):
        raise BadRequest("The `next` token is not one this list issued.", errors=[_bad_token])
    streams: dict[str, list[T]] = {}
    more: dict[str, bool] = {}
    for name, hash_value in partitions.items():
        start = state.get(name, None) if token else None
        if token and name not in state:
            continue  # that partition was exhausted on an earlier page
        start_key = _checked_key(start, {hash_attr: hash_value}, index) if start else None
        results = index.query(hash_value, limit=limit, page_size=limit, last_evaluated_key=start_key,
                              scan_index_forward=forward)
        streams[name] = list(results)
        more[name] = results.last_evaluated_key is not None
        state[name] = start
    merged = heapq.merge(*([(sort_of(i), name, i) for i in items] for name, items in streams.items()),
                         key=lambda entry: entry[:2], reverse=not forward)
    chosen = [entry for _, entry in zip(range(limit), merged, strict=False)]
    taken: dict[str, int] = {name: 0 for name in streams}
    for _, name, item in chosen:
        taken[name] += 1
        state[name] = _key_of(item, index)
    next_state = {}
    for name, items in streams.items():
        if taken[name] < len(items) or more[name]:
            next_state[name] = state[name]
    return Page([item for _, _, item in chosen], encode(next_state) if next_state else None)


"""Changes that must hold together, written in one TransactWriteItems (audit entries included)."""

from __future__ import annotations

from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from casework.config import settings
from casework.errors import WriteConflict

MAX_ITEMS = 100  # DynamoDB's limit for one transaction


_connection: Connection | None = None


def connection() -> Connection:
    global _connection
    if _connection is None:
        _connection = Connection(region=settings.region)
    return _connection


def _hash_keyname(item: Model) -> str:
    """The name of the item's hash key attribute (PynamoDB types it as optional; every model here has one)."""
    name = item._hash_keyname
    if name is None:
        raise TypeError(f"{type(item).__name__} has no hash key")
    return name


class Changes:
    def __init__(self) -> None:
        self._ops: list[tuple[str, Model, Any]] = []

    def __len__(self) -> int:
        return len(self._ops)

    def create(self, item: Model) -> None:
        """Put a new item; fails if one with the same key exists."""
        hash_attr = item.get_attributes()[_hash_keyname(item)]
        self._ops.append(("save", item, hash_attr.does_not_exist()))

    def save(self, item: Model, condition: Condition | None = None) -> None:
        """Put a whole item, conditional on its version when it has one."""
        self._ops.append(("save", item, condition))

    def update(self, item: Model, actions: list[Action], condition: Condition | None = None, *,
               versioned: bool = True) -> None:
        """Update named attributes; `versioned=False` for counters that any writer may bump."""
        if not versioned:
            hash_attr = item.get_attributes()[_hash_keyname(item)]
            exists = hash_attr.exists()
            condition = exists if condition is None else condition & exists
        self._ops.append(("update", item, (actions, condition, versioned)))

    def delete(self, item: Model, condition: Condition | None = None) -> None:
        self._ops.append(("delete", item, condition))

    def check(self, item: Model, condition: Condition | None = None, *, versioned: bool = True) -> None:
        """Write nothing to `item`, but hold the transaction to it: still at the version read (unless
        `versioned=False`) and meeting `condition`. For a change that depends on an item it does not alter."""
        if versioned:
            version = item._handle_version_attribute()  # the condition save() would add; nothing is changed
            condition = version if condition is None else (condition if version is None else condition & version)
        if condition is None:
            raise ValueError("a check needs a condition (or a versioned item)")
        self._ops.append(("check", item, condition))

    def commit(self) -> None:
        if not self._ops:
            return
        if len(self._ops) > MAX_ITEMS:
            raise ValueError(f"{len(self._ops)} items exceed one transaction ({MAX_ITEMS})")
        try:
            with TransactWrite(connection=connection()) as tx:
                for op, item, arg in self._ops:
                    if op == "save":
                        tx.save(item, condition=arg)
                    elif op == "update":
                        tx.update(item, actions=arg[0], condition=arg[1], add_version_condition=arg[2])
                    elif op == "check":
                        tx.condition_check(type(item), getattr(item, _hash_keyname(item)),
                                           getattr(item, item._range_keyname) if item._range_keyname else None,
                                           condition=arg)
                    else:
                        tx.delete(item, condition=arg)
        except TransactWriteError as error:
            reasons = error.cancellation_reasons or []
            # a condition that failed, or another transaction on the same item at the same moment (DynamoDB cancels
            # one of two overlapping transactions with TransactionConflict): either way someone else got there first
            failed = [n for n, r in enumerate(reasons)
                      if r is not None and r.code in ("ConditionalCheckFailed", "TransactionConflict")]
            if failed:
                raise WriteConflict(failed) from error
            raise

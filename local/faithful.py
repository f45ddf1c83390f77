"""Where moto's DynamoDB differs from DynamoDB in ways casework would notice, set it right (local run and tests).

1. DynamoDB applies each request atomically: a conditional write is checked and applied as one step, and no
   reader sees half a transaction. moto's server answers requests in threads and does neither (a check and its
   write can interleave with another request's), so every DynamoDB request here runs under one lock.
2. A cancelled `TransactWriteItems` undoes its own writes and nothing else. moto deep-copies every table the
   transaction touches and, on cancellation, puts the whole copy back: it undoes the writes other requests
   committed meanwhile (acknowledged writes lost) and costs a copy of the table per transaction (memory and
   time that grow with the table). Here a transaction keeps a journal of the items it touches and, when
   cancelled, puts back exactly those.

`apply()` is idempotent and must run before moto serves a request (the local cloud and `tests/conftest.py` call
it). It replaces one moto function by name: `tests/unit/test_faithful.py` fails if the pinned moto changes shape.
"""

from __future__ import annotations

import copy
import threading
from typing import Any

from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import Item
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler

DYNAMODB = threading.RLock()  # one DynamoDB request at a time: each is atomic, as in DynamoDB
_applied = False


def apply() -> None:
    global _applied
    if _applied:
        return
    _applied = True
    call_action = DynamoHandler.call_action

    def one_at_a_time(self: DynamoHandler) -> Any:
        with DYNAMODB:
            return call_action(self)

    DynamoHandler.call_action = one_at_a_time  # type: ignore[method-assign]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


class _Journal:
    """The items a transaction touched, as they were before it, so a cancellation restores only those."""

    def __init__(self, backend: DynamoDBBackend) -> None:
        self.backend = backend
        self.before: list[tuple[Table, Any, Any, Item | None]] = []

    def remember(self, table_name: str, key: dict[str, Any]) -> None:
        table = self.backend.get_table(table_name)
        hash_key, range_key = self.backend.get_keys_value(table, key)
        self.before.append((table, hash_key, range_key, copy.deepcopy(table.get_item(hash_key, range_key))))

    def undo(self) -> None:
        for table, hash_key, range_key, item in reversed(self.before):
            if range_key is not None:
                if item is None:
                    table.items[hash_key].pop(range_key, None)
                else:
                    table.items[hash_key][range_key] = item
            elif item is None:
                table.items.pop(hash_key, None)
            else:
                table.items[hash_key] = item


def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    """moto 5.2's `DynamoDBBackend.transact_write_items`, with a journal of touched items instead of table
    copies. Checks and errors are moto's own, in the same order."""
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    journal = _Journal(self)
    targets: set[tuple[str, str]] = set()
    errors: list[tuple[str | None, str | None, dict[str, Any] | None]] = []
    with DYNAMODB:
        for item in transact_items:
            original_item: dict[str, Any] | None = None
            if len(list(item.keys())) > 1:
                raise TransactWriteSingleOpException
            try:
                op_type, op = next(iter(item.items()))
                if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                    raise ValueError("Unsupported transaction operation")
                table_name = op["TableName"]
                condition = op.get("ConditionExpression")
                names = op.get("ExpressionAttributeNames")
                values = op.get("ExpressionAttributeValues")
                if op_type == "Put":
                    table = self.get_table(table_name)
                    key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
                    if table.range_key_attr is not None:
                        key[table.range_key_attr] = op["Item"][table.range_key_attr]
                else:
                    key = op["Key"]
                target = (str(table_name), str(dict(sorted(key.items()))))
                if target in targets:
                    raise MultipleTransactionsException()
                targets.add(target)

                current = self.get_item(table_name, key)
                if condition is not None and not get_filter_expression(condition, names, values).expr(current):
                    if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                        original_item = current.to_json()["Attributes"]
                    raise ConditionalCheckFailed(item=original_item)

                if op_type != "ConditionCheck":
                    journal.remember(table_name, key)
                if op_type == "Put":
                    self.put_item(table_name, op["Item"], condition_expression=condition,
                                  expression_attribute_names=names, expression_attribute_values=values)
                elif op_type == "Delete":
                    self.delete_item(table_name, key, condition_expression=condition,
                                     expression_attribute_names=names, expression_attribute_values=values)
                elif op_type == "Update":
                    self.update_item(table_name, key, update_expression=op["UpdateExpression"],
                                     condition_expression=condition, expression_attribute_names=names,
                                     expression_attribute_values=values)
                errors.append((None, None, None))
            except (MultipleTransactionsException, MockValidationException):
                journal.undo()
                raise
            except ConditionalCheckFailed as error:
                errors.append(("ConditionalCheckFailed", str(error.message), original_item))
            except Exception as error:  # moto's own catch-all: the reason names the error
                errors.append((type(error).__name__, str(error), original_item))
        if any(code is not None for code, _, _ in errors):
            journal.undo()
            raise TransactionCanceledException(errors)

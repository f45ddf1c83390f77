"""The local AWS back end keeps DynamoDB's promises (local/faithful.py): a cancelled transaction undoes its own
writes and nothing else, and a write that arrives while a transaction runs is neither lost nor interleaved."""

from __future__ import annotations

import threading

import boto3
import moto
import pytest
from moto.dynamodb.models import DynamoDBBackend

from local import faithful

TABLE = "faithful"


@pytest.fixture
def ddb(aws):
    client = boto3.client("dynamodb")
    client.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    return client


def _item(ddb, pk: str) -> dict | None:
    return ddb.get_item(TableName=TABLE, Key={"pk": {"S": pk}}, ConsistentRead=True).get("Item")


def _cancelled_transaction(ddb) -> None:
    """Creates `new`, changes `kept`, deletes `gone`, then fails its condition on `guard`."""
    with pytest.raises(ddb.exceptions.TransactionCanceledException):
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "new"}}}},
            {"Update": {"TableName": TABLE, "Key": {"pk": {"S": "kept"}}, "UpdateExpression": "SET v = :v",
                        "ExpressionAttributeValues": {":v": {"N": "2"}}}},
            {"Delete": {"TableName": TABLE, "Key": {"pk": {"S": "gone"}}}},
            {"ConditionCheck": {"TableName": TABLE, "Key": {"pk": {"S": "guard"}},
                                "ConditionExpression": "attribute_not_exists(pk)"}},
        ])


def test_r1_a_cancelled_transaction_undoes_exactly_its_own_writes(ddb):
    for pk in ("kept", "gone", "guard"):
        ddb.put_item(TableName=TABLE, Item={"pk": {"S": pk}, "v": {"N": "1"}})
    _cancelled_transaction(ddb)
    assert _item(ddb, "new") is None
    assert _item(ddb, "kept") == {"pk": {"S": "kept"}, "v": {"N": "1"}}
    assert _item(ddb, "gone") == {"pk": {"S": "gone"}, "v": {"N": "1"}}


def test_r1_a_write_made_while_a_transaction_runs_survives_its_cancellation(ddb, monkeypatch):
    """moto alone restores a copy of the whole table on cancellation, taking with it a write another request
    committed meanwhile: the lost acknowledged write behind issue 11's vanished closure approvals."""
    for pk in ("kept", "gone", "guard"):
        ddb.put_item(TableName=TABLE, Item={"pk": {"S": pk}, "v": {"N": "1"}})
    in_transaction, other_sent = threading.Event(), threading.Event()
    put_item = DynamoDBBackend.put_item

    def pausing_put(self, table_name, item_attrs, *args, **kwargs):  # the transaction's first write
        result = put_item(self, table_name, item_attrs, *args, **kwargs)
        if item_attrs["pk"] == {"S": "new"}:
            in_transaction.set()
            other_sent.wait(timeout=1)  # the other request is on its way; it must wait for the transaction
        return result

    monkeypatch.setattr(DynamoDBBackend, "put_item", pausing_put)
    transaction = threading.Thread(target=_cancelled_transaction, args=(ddb,))
    transaction.start()
    assert in_transaction.wait(timeout=10)
    other = boto3.client("dynamodb")
    writer = threading.Thread(target=lambda: other.put_item(TableName=TABLE, Item={"pk": {"S": "other"}}))
    writer.start()
    other_sent.set()
    transaction.join(timeout=10)
    writer.join(timeout=10)
    assert _item(ddb, "other") == {"pk": {"S": "other"}}
    assert _item(ddb, "new") is None


def test_r1_conditional_writes_at_once_one_wins(ddb):
    """Twenty create-if-absent writes of one item from twenty threads: exactly one succeeds, as in DynamoDB."""
    start = threading.Barrier(20)
    outcomes: list[str] = []

    def create(n: int) -> None:
        client = boto3.client("dynamodb")
        start.wait()
        try:
            client.put_item(TableName=TABLE, Item={"pk": {"S": "once"}, "n": {"N": str(n)}},
                            ConditionExpression="attribute_not_exists(pk)")
            outcomes.append("won")
        except client.exceptions.ConditionalCheckFailedException:
            outcomes.append("lost")

    threads = [threading.Thread(target=create, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["lost"] * 19 + ["won"]


def test_the_patch_is_for_the_pinned_moto():
    """local/faithful.py replaces moto's transact_write_items by name: re-read moto's when moto moves."""
    assert moto.__version__ == "5.2.5"
    assert DynamoDBBackend.transact_write_items is faithful.transact_write_items

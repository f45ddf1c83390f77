"""Where powertools idempotency keeps its records: the Jobs table (imported only when a key is sent)."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from casework.config import settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer


@lru_cache(maxsize=1)
def persistence() -> DynamoDBPersistenceLayer:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    return DynamoDBPersistenceLayer(
        table_name=settings.jobs_table, key_attr="pk", sort_key_attr="sk", static_pk_value="IDEMPOTENCY"
    )

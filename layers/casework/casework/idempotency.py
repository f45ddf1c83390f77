"""Retried creations take effect once: an `Idempotency-Key` replays the first answer (powertools idempotency)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel

from casework.access import Caller
from casework.errors import Conflict, Invalid

T = TypeVar("T", bound=BaseModel)
_KEY = re.compile(r"^[\x21-\x7e]{1,128}$")
_DAY = 24 * 3600


def once(key: str | None, caller: Caller, operation: str, request: BaseModel, out: type[T],
         action: Callable[[], T], lambda_context: Any = None) -> T:
    """Run `action` once per (caller, operation, key); a retry with the same key gets the first answer."""
    if key is None:
        return action()
    if not _KEY.match(key):
        raise Invalid("Idempotency-Key", "must be 1 to 128 visible ASCII characters")

    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )
    from aws_lambda_powertools.utilities.idempotency.serialization.pydantic import PydanticSerializer

    from casework.store.idempotency import persistence

    config = IdempotencyConfig(
        event_key_jmespath="scope", payload_validation_jmespath="request", expires_after_seconds=_DAY
    )
    if lambda_context is not None:
        config.register_lambda_context(lambda_context)  # an in-progress record expires with the invocation

    @idempotent_function(
        data_keyword_argument="data",
        persistence_store=persistence(),
        config=config,
        output_serializer=PydanticSerializer(model=out),
        key_prefix=operation,
    )
    def run(data: dict[str, object]) -> T:
        return action()

    try:
        answer: T = run(data={"scope": f"{caller.user_id}#{key}", "request": request.model_dump(mode="json")})
        return answer
    except IdempotencyValidationError:
        raise Invalid("Idempotency-Key", "was already used for a different request") from None
    except IdempotencyAlreadyInProgressError:
        raise Conflict("A request with this Idempotency-Key is still being processed; retry shortly.") from None

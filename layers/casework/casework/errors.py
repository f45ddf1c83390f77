"""Typed domain errors: each `CaseworkError` is mapped by `api.py` to one problem+json answer; `WriteConflict` is
raised by the store and turned by the domain into the `Conflict` (or the retry) its rule calls for."""

from __future__ import annotations

from typing import Any


class CaseworkError(Exception):
    status = 500
    title = "Internal error"
    slug = "internal"

    def __init__(self, detail: str, *, errors: list[dict[str, str]] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.extra = extra


class BadRequest(CaseworkError):
    status, title, slug = 400, "Bad request", "bad-request"


class Unauthorized(CaseworkError):
    status, title, slug = 401, "Not signed in", "unauthorized"


class Forbidden(CaseworkError):
    status, title, slug = 403, "Not allowed", "forbidden"


class NotFound(CaseworkError):
    status, title, slug = 404, "Not found", "not-found"


class Conflict(CaseworkError):
    """A concurrent change, a decided request, an existing URN: carries the current state."""

    status, title, slug = 409, "Conflict", "conflict"


class Invalid(CaseworkError):
    """Input that is well-formed but breaks a rule; names the field and the reason."""

    status, title, slug = 422, "Invalid request", "invalid"

    def __init__(self, field: str, reason: str, **extra: Any) -> None:
        super().__init__(f"{field}: {reason}", errors=[{"field": field, "message": reason}], **extra)


class TooLarge(CaseworkError):
    status, title, slug = 413, "Too large", "too-large"


class UnsupportedMediaType(CaseworkError):
    status, title, slug = 415, "Unsupported media type", "unsupported-media-type"


class WriteConflict(Exception):
    """A condition of a write failed: someone changed or created the item first (raised by `store.tx.Changes`)."""

    def __init__(self, failed: list[int]) -> None:
        super().__init__(f"conditional check failed on item(s) {failed}")
        self.failed = failed

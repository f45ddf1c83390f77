"""Typed domain errors; `api.py` maps each to one problem+json answer."""

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

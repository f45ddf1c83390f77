"""Shared shapes: camelCase models, pages, problems."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, Strict, StringConstraints
from pydantic.alias_generators import to_camel

T = TypeVar("T")

Id = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
Urn = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_upper=True, min_length=3, max_length=40, pattern=r"^[A-Za-z0-9-]+$"),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
# Every date of a request: a calendar day within reason. Far-off days (0001-01-01, 9999-12-31) would overflow the
# deadline arithmetic (working days, the end of a UK day) rather than mean anything.
DAY_MIN, DAY_MAX = date(1900, 1, 1), date(2199, 12, 31)
Day = Annotated[date, Field(ge=DAY_MIN, le=DAY_MAX, description=f"A date (YYYY-MM-DD) from {DAY_MIN} to {DAY_MAX}.",
                            json_schema_extra={"formatMinimum": str(DAY_MIN), "formatMaximum": str(DAY_MAX)})]
# Every boolean of a request: JSON true or false only (pydantic's lax mode would take "yes", "on", "1" or 1).
Boolean = Annotated[bool, Strict()]


class Out(BaseModel):
    """A response: camelCase on the wire."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class In(BaseModel):
    """A request body: camelCase on the wire, unknown fields refused."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class Page(Out, Generic[T]):
    items: list[T]
    next: str | None = Field(description="Opaque token for the next page; null on the last page.")


class FieldError(Out):
    field: str
    message: str


class Problem(Out):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None

"""The arithmetic of timescales: when a deadline falls due and when each of its stages is raised, to whom.

Pure: dates and instants in, stages out. Working days come from the one calendar (`casework.calendar`, the
service's nation). A date-only deadline passes when its day has ended in UK time; a stage "N working days before"
is raised at the start of that day, UK time. A timescale that starts on a weekend or bank holiday counts from the
next working day.
"""

from __future__ import annotations

import calendar as months
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from casework import calendar
from casework.clock import UK

OWNER = "owner"  # the worker the deadline is for (the case's worker)


def chain(level: int) -> str:
    """The `level`-th supervisor above the owner: 1 their supervisor (the practice manager), 2 the team manager..."""
    return f"chain:{level}"


def user(user_id: str) -> str:
    return f"user:{user_id}"


class Settings(BaseModel):
    """What a service may set for itself (`ServiceItem.compliance`); the defaults are documented in
    docs/operations.md ("Compliance timescales") with the reasons they were chosen."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="forbid", alias_generator=to_camel)

    # how many working days before a deadline its worker is told it is approaching, per rule
    approaching: dict[str, int] = Field(default_factory=lambda: {
        "CSC-1": 2, "CSC-2": 2, "THR-1": 10, "THR-2": 5, "MAP-3": 5,
    })
    # working days after a deadline has passed before it goes up one more level of the chain
    escalate_after: int = Field(default=5, ge=1, le=60)
    # CSC-2: the longest gap between statutory visits, in days, per case type
    visit_every_days: dict[str, int] = Field(default_factory=lambda: {
        "looked-after": 42, "child-protection": 14, "child-in-need": 28,
    })
    # THR-2: how long a reassessment may take after the event that triggers it, in working days
    reassessment_working_days: int = Field(default=20, ge=1, le=120)


DEFAULTS = Settings()


def settings_of(raw: dict[str, Any] | None) -> Settings:
    """A service's settings (camelCase, as documented): its own values over the defaults, key by key (a rule it does
    not name keeps the default). Settings that don't validate are refused where they are written; any that reach
    here anyway are not applied (the defaults are, and the reason is logged) rather than failing every request."""
    if not raw:
        return DEFAULTS
    merged = DEFAULTS.model_dump(by_alias=True)
    for key, value in raw.items():
        if isinstance(merged.get(key), dict) and isinstance(value, dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    try:
        return Settings.model_validate(merged)
    except ValidationError as error:
        from casework.observability import logger

        logger.warning("service compliance settings not applied", extra={"errors": error.errors(include_url=False)})
        return DEFAULTS


# ---------------------------------------------------------------- days and instants


def start_day(day: date, nation: str) -> date:
    """A timescale starting on a weekend or bank holiday counts from the next working day."""
    while not calendar.is_working_day(day, nation):
        day += timedelta(days=1)
    return day


def working_days_from(start: date, days: int, nation: str) -> date:
    """`days` working days after the timescale's start (itself moved to a working day)."""
    return calendar.add_working_days(start_day(start, nation), days, nation)


def add_months(day: date, count: int) -> date:
    """The same day `count` months later (the month's last day when it has no such day)."""
    month = day.month - 1 + count
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, months.monthrange(year, month)[1]))


def start_of(day: date) -> datetime:
    """The instant a UK day begins."""
    return datetime.combine(day, time(0), tzinfo=UK).astimezone(UTC)


def end_of(day: date) -> datetime:
    """The instant a UK day has ended: a date-only deadline has passed from here."""
    return start_of(day + timedelta(days=1))


def uk_day(moment: datetime) -> date:
    return moment.astimezone(UK).date()


# ---------------------------------------------------------------- stages


@dataclass(frozen=True)
class Stage:
    """One step of a deadline: raised once, at `at`, to each of `to`. `action` "alert" puts a task in each
    recipient's worktray, due `due` (the deadline's own date unless the rule gives the step one of its own);
    "finalise" does the rule's own work instead (CSC-2: an unfinalised visit note)."""

    name: str
    at: datetime
    to: tuple[str, ...]
    kind: str = "alert"  # the task kind's stage: started | approaching | passed | escalated | ...
    action: str = "alert"
    due: date | None = None
    text: str | None = None  # the task's subject when not the deadline's own

    def as_data(self) -> dict[str, Any]:
        # in UTC whatever zone `at` came in: the due index orders stages by this text, next to the sweep's "...Z"
        at = self.at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        data: dict[str, Any] = {"name": self.name, "at": at, "to": list(self.to), "kind": self.kind,
                                "action": self.action}
        if self.due is not None:
            data["due"] = self.due.isoformat()
        if self.text is not None:
            data["text"] = self.text
        return data


def parse_at(raw: str) -> datetime:
    return datetime.fromisoformat(raw.replace("Z", "+00:00"))


@dataclass(frozen=True)
class Ladder:
    """The usual shape: approaching (N working days before, to the worker), passed (to the worker and their
    supervisor), then one more level of the chain every `escalate_after` working days, up to `levels`."""

    approaching: int | None
    escalate_after: int
    levels: int = 2
    started: str | None = None  # raise a "started" alert to the worker at once, with this subject
    passed_to: tuple[str, ...] = field(default=(OWNER, "chain:1"))


def ladder(due: date, *, nation: str, steps: Ladder, now: datetime) -> list[Stage]:
    stages: list[Stage] = []
    if steps.started is not None:
        stages.append(Stage("started", now, (OWNER,), kind="started", text=steps.started))
    if steps.approaching:
        warn = calendar.add_working_days(due, -steps.approaching, nation)
        if end_of(due) > now:  # a deadline set already inside its window is told as approaching at once
            stages.append(Stage("approaching", max(start_of(warn), now), (OWNER,), kind="approaching"))
    stages.append(Stage("passed", end_of(due), steps.passed_to, kind="passed"))
    day = due
    for level in range(2, steps.levels + 1):
        day = calendar.add_working_days(day, steps.escalate_after, nation)
        stages.append(Stage(f"escalated-{level}", end_of(day), (chain(level),), kind="escalated",
                            due=calendar.add_working_days(day, 1, nation)))
    return stages


def failed_visit_stages(failures: list[date], recorded: list[datetime], *, nation: str) -> list[Stage]:
    """CSC-3: after a failed visit the worker must try again within 3 working days; a second failure goes to the
    practice manager (the worker's supervisor) within 1 working day; failed access for over 10 days alerts the
    team manager, over two weeks the senior manager, each to act within 1 working day."""
    first, last = failures[0], failures[-1]
    retry = calendar.add_working_days(start_day(last, nation), 3, nation)
    stages = [Stage(f"retry-{len(failures)}", end_of(retry), (OWNER,), kind="passed", due=retry,
                    text="Failed visit: visit again")]
    for n, when in enumerate(recorded[1:], start=2):
        stages.append(Stage(f"practice-manager-{n}", when, (chain(1),), kind="escalated",
                            due=calendar.add_working_days(uk_day(when), 1, nation),
                            text=f"Failed visits: {n} in a row, please review"))
    for level, after in ((2, 11), (3, 15)):  # "over 10 days", "over two weeks" of failed access
        day = first + timedelta(days=after)
        stages.append(Stage(f"failed-access-{after - 1}-days", start_of(day), (chain(level),), kind="escalated",
                            due=calendar.add_working_days(start_day(day, nation), 1, nation),
                            text=f"Failed access for over {after - 1} days"))
    return sorted(stages, key=lambda s: s.at)


def parse_date(raw: str) -> date:
    return date.fromisoformat(raw)

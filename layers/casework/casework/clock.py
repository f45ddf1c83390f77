"""The one clock: UTC instants and UK calendar dates, movable by tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")

_now: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def now() -> datetime:
    return _now()


def today() -> date:
    """Today's date where the services are: the UK, whatever the UTC hour."""
    return now().astimezone(UK).date()


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def stamp() -> str:
    return iso(now())


@contextmanager
def frozen(moment: datetime) -> Iterator[None]:
    """Hold the clock at `moment` (tests only)."""
    global _now
    previous = _now
    _now = lambda: moment  # noqa: E731
    try:
        yield
    finally:
        _now = previous

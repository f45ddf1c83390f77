"""The one clock: UTC instants and UK calendar dates, movable by tests.

The local run (never a deployment: the template sets no such variable) can move it for every function at once:
`CASEWORK_LOCAL_CLOCK` names a file holding an offset in seconds, written by the runner's `POST /local/clock`,
which each instance reads when it changes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")

_offset_file = os.environ.get("CASEWORK_LOCAL_CLOCK")
_offset: tuple[int, timedelta] = (-1, timedelta(0))  # (the file's mtime when read, its offset)


def _moved_offset() -> timedelta:
    """The local run's offset: re-read only when the file has changed since (one stat per call)."""
    global _offset
    assert _offset_file is not None
    try:
        changed = os.stat(_offset_file).st_mtime_ns
    except OSError:
        return timedelta(0)
    if changed != _offset[0]:
        try:
            with open(_offset_file, encoding="utf-8") as f:
                _offset = (changed, timedelta(seconds=float(f.read().strip() or 0)))
        except (OSError, ValueError):
            return _offset[1]
    return _offset[1]


def _system_now() -> datetime:
    if _offset_file:
        return datetime.now(UTC) + _moved_offset()
    return datetime.now(UTC)


_now: Callable[[], datetime] = _system_now


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

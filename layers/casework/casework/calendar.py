"""Working days per UK nation: weekends and the nation's bank holidays (the `holidays` package) excluded."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the package costs ~80 ms of imports: loaded on first use
    from holidays import HolidayBase


class Nation(StrEnum):
    ENGLAND = "england"
    WALES = "wales"
    SCOTLAND = "scotland"
    NORTHERN_IRELAND = "northern-ireland"


_SUBDIVISION = {
    Nation.ENGLAND: "ENG",
    Nation.WALES: "WLS",
    Nation.SCOTLAND: "SCT",
    Nation.NORTHERN_IRELAND: "NIR",
}


@lru_cache(maxsize=4)
def _bank_holidays(nation: Nation) -> HolidayBase:
    import holidays

    return holidays.country_holidays("GB", subdiv=_SUBDIVISION[Nation(nation)])


def bank_holiday(day: date, nation: Nation | str) -> str | None:
    """The bank holiday's name on `day` in `nation`, or None."""
    return _bank_holidays(Nation(nation)).get(day)


def is_working_day(day: date, nation: Nation | str) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(Nation(nation))


def add_working_days(start: date, days: int, nation: Nation | str) -> date:
    """The date `days` working days after `start` (before it when negative); 0 gives `start`."""
    step = 1 if days >= 0 else -1
    remaining, day = abs(days), start
    while remaining:
        day += timedelta(days=step)
        if is_working_day(day, nation):
            remaining -= 1
    return day


def working_days_between(start: date, end: date, nation: Nation | str) -> int:
    """Working days after `start` up to and including `end` (negative when `end` is earlier)."""
    if end < start:
        return -working_days_between(end, start, nation)
    return sum(1 for n in range(1, (end - start).days + 1) if is_working_day(start + timedelta(days=n), nation))

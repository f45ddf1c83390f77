"""Working days per nation (DOMAIN: "Working days exclude weekends and the bank holidays of the service's nation").

The expected holidays are the published UK bank holidays for each nation, checked against what the `holidays`
package gives, so a package upgrade that moves a holiday fails here rather than in a deadline.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casework.calendar import Nation, add_working_days, bank_holiday, is_working_day, working_days_between

NATIONS = list(Nation)


# ---------------------------------------------------------------- Scotland's own holidays


def test_scotland_keeps_2_january_and_england_does_not():
    # 2 January 2025 is a Thursday: a bank holiday in Scotland only
    """2 January is a Scottish bank holiday and an ordinary working day in the other nations."""
    day = date(2025, 1, 2)
    assert day.weekday() == 3
    assert not is_working_day(day, Nation.SCOTLAND)
    assert bank_holiday(day, Nation.SCOTLAND) is not None
    for nation in (Nation.ENGLAND, Nation.WALES, Nation.NORTHERN_IRELAND):
        assert is_working_day(day, nation), nation
        assert bank_holiday(day, nation) is None


def test_scotland_substitutes_2_january_when_new_year_falls_at_a_weekend():
    # 1 and 2 January 2022 were Saturday and Sunday: Scotland took Monday 3 and Tuesday 4, England Monday 3 only
    """When 1 and 2 January fall at a weekend, Scotland takes two substitute days and England one."""
    assert not is_working_day(date(2022, 1, 3), "scotland")
    assert not is_working_day(date(2022, 1, 4), "scotland")
    assert not is_working_day(date(2022, 1, 3), "england")
    assert is_working_day(date(2022, 1, 4), "england")


def test_st_andrews_day_on_a_weekday_is_a_scottish_holiday():
    # 30 November 2026 is a Monday
    """St Andrew's Day (30 November) on a weekday is a holiday in Scotland, not in England."""
    day = date(2026, 11, 30)
    assert day.weekday() == 0
    assert not is_working_day(day, Nation.SCOTLAND)
    assert "Andrew" in (bank_holiday(day, Nation.SCOTLAND) or "")
    assert is_working_day(day, Nation.ENGLAND)


@pytest.mark.parametrize(
    ("st_andrews", "substitute"),
    [
        (date(2025, 11, 30), date(2025, 12, 1)),  # Sunday -> Monday 1 December
        (date(2024, 11, 30), date(2024, 12, 2)),  # Saturday -> Monday 2 December
    ],
)
def test_st_andrews_day_at_a_weekend_moves_to_the_next_monday_in_scotland_only(st_andrews, substitute):
    """St Andrew's Day at a weekend gives Scotland the following Monday off, and only Scotland."""
    assert st_andrews.weekday() >= 5 and substitute.weekday() == 0
    assert not is_working_day(substitute, "scotland")
    assert "Andrew" in (bank_holiday(substitute, "scotland") or "")
    # the Tuesday after is an ordinary working day again
    assert is_working_day(substitute + timedelta(days=1), "scotland")
    # and nobody else gets the substitute
    for nation in ("england", "wales", "northern-ireland"):
        assert is_working_day(substitute, nation), nation


# ---------------------------------------------------------------- Easter and other nations


def test_easter_monday_is_a_holiday_in_england_wales_and_northern_ireland_but_not_scotland():
    """Easter Monday is a bank holiday in England, Wales and Northern Ireland; Scotland works it."""
    easter_monday = date(2025, 4, 21)
    assert easter_monday.weekday() == 0
    assert is_working_day(easter_monday, Nation.SCOTLAND)
    assert bank_holiday(easter_monday, Nation.SCOTLAND) is None
    for nation in (Nation.ENGLAND, Nation.WALES, Nation.NORTHERN_IRELAND):
        assert not is_working_day(easter_monday, nation), nation
        assert bank_holiday(easter_monday, nation) == "Easter Monday"


def test_good_friday_is_a_holiday_everywhere():
    """Good Friday is a bank holiday in every nation."""
    good_friday = date(2025, 4, 18)
    for nation in NATIONS:
        assert not is_working_day(good_friday, nation), nation


def test_summer_bank_holiday_is_early_august_in_scotland_and_late_august_elsewhere():
    """The summer bank holiday is the first Monday of August in Scotland and the last elsewhere."""
    assert not is_working_day(date(2025, 8, 4), "scotland")
    assert is_working_day(date(2025, 8, 4), "england")
    assert not is_working_day(date(2025, 8, 25), "england")
    assert is_working_day(date(2025, 8, 25), "scotland")


def test_northern_ireland_keeps_st_patricks_day_and_the_boyne():
    """Northern Ireland's own holidays (St Patrick's Day, the Boyne, with its substitute) count there only."""
    assert not is_working_day(date(2025, 3, 17), "northern-ireland")
    assert is_working_day(date(2025, 3, 17), "england")
    # 12 July 2025 is a Saturday: observed on Monday 14 July
    assert not is_working_day(date(2025, 7, 14), "northern-ireland")
    assert is_working_day(date(2025, 7, 14), "scotland")


def test_an_unknown_nation_is_refused():
    """A nation the calendar does not know is an error, never a calendar with no holidays."""
    with pytest.raises(ValueError):
        is_working_day(date(2025, 1, 6), "atlantis")


# ---------------------------------------------------------------- weekends


@pytest.mark.parametrize("nation", NATIONS)
def test_weekends_are_never_working_days(nation):
    """Saturdays and Sundays are never working days, in any nation."""
    saturday = date(2025, 6, 7)
    assert saturday.weekday() == 5
    assert not is_working_day(saturday, nation)
    assert not is_working_day(saturday + timedelta(days=1), nation)
    # and an ordinary Monday is
    assert is_working_day(saturday + timedelta(days=2), nation)


def test_a_weekend_day_is_not_a_bank_holiday_by_name():
    # 7 June 2025 is a Saturday with no holiday: not a working day, yet not a bank holiday either
    """bank_holiday names holidays only: an ordinary Saturday has no name."""
    assert bank_holiday(date(2025, 6, 7), "england") is None


# ---------------------------------------------------------------- adding and counting working days


def test_adding_working_days_skips_easter_differently_per_nation():
    """One working day after Maundy Thursday is Tuesday in England, Easter Monday in Scotland."""
    maundy_thursday = date(2025, 4, 17)
    # England: Good Friday, the weekend and Easter Monday are all skipped
    assert add_working_days(maundy_thursday, 1, "england") == date(2025, 4, 22)
    # Scotland works Easter Monday
    assert add_working_days(maundy_thursday, 1, "scotland") == date(2025, 4, 21)


def test_adding_working_days_across_new_year_in_scotland_and_england():
    """Across New Year, Scotland skips 1 and 2 January; England only 1 January."""
    hogmanay = date(2025, 12, 31)  # Wednesday; 1 and 2 January 2026 are Thursday and Friday
    assert add_working_days(hogmanay, 1, "scotland") == date(2026, 1, 5)
    assert add_working_days(hogmanay, 1, "england") == date(2026, 1, 2)


def test_ten_working_days_from_a_friday_in_a_quiet_fortnight():
    # no holidays between 6 and 20 June 2025: ten working days is exactly two weeks
    """Without holidays, ten working days from a Friday is the Friday two weeks on (CSC-1's default priority)."""
    for nation in NATIONS:
        assert add_working_days(date(2025, 6, 6), 10, nation) == date(2025, 6, 20)


def test_negative_offsets_count_backwards_over_holidays():
    """A negative offset counts working days backwards, skipping weekends and the nation's holidays."""
    tuesday_after_easter = date(2025, 4, 22)
    assert add_working_days(tuesday_after_easter, -1, "england") == date(2025, 4, 17)
    assert add_working_days(tuesday_after_easter, -1, "scotland") == date(2025, 4, 21)
    assert add_working_days(date(2025, 12, 2), -1, "scotland") == date(2025, 11, 28)  # over St Andrew's
    assert add_working_days(date(2025, 12, 2), -1, "england") == date(2025, 12, 1)


def test_adding_zero_working_days_gives_the_start_even_on_a_holiday():
    """Zero working days after a date is that date, even when it is not a working day."""
    assert add_working_days(date(2025, 12, 25), 0, "england") == date(2025, 12, 25)
    assert add_working_days(date(2025, 6, 7), 0, "england") == date(2025, 6, 7)


def test_working_days_between_counts_after_start_up_to_and_including_end():
    """working_days_between counts the working days after start up to and including end, negative backwards."""
    friday, tuesday = date(2025, 11, 28), date(2025, 12, 2)
    # Saturday, Sunday, Monday (St Andrew's substitute in Scotland), Tuesday
    assert working_days_between(friday, tuesday, "scotland") == 1
    assert working_days_between(friday, tuesday, "england") == 2
    assert working_days_between(tuesday, friday, "england") == -2
    assert working_days_between(friday, friday, "england") == 0


# ---------------------------------------------------------------- properties

dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))
nations = st.sampled_from(NATIONS)


@settings(max_examples=150, deadline=None)
@given(start=dates, days=st.integers(min_value=1, max_value=60), nation=nations)
def test_adding_working_days_always_lands_on_a_working_day(start, days, nation):
    """For any date and n > 0, n working days on (or back) is a working day."""
    assert is_working_day(add_working_days(start, days, nation), nation)
    assert is_working_day(add_working_days(start, -days, nation), nation)


@settings(max_examples=150, deadline=None)
@given(start=dates, days=st.integers(min_value=0, max_value=60), nation=nations)
def test_working_days_between_undoes_adding_working_days(start, days, nation):
    """For any date and n >= 0, the working days between a date and n working days on is n."""
    assert working_days_between(start, add_working_days(start, days, nation), nation) == days


@settings(max_examples=150, deadline=None)
@given(start=dates, days=st.integers(min_value=1, max_value=60), nation=nations)
def test_adding_more_working_days_never_gives_an_earlier_date(start, days, nation):
    """One more working day is always a later date, and n working days span at least n calendar days."""
    later = add_working_days(start, days, nation)
    assert add_working_days(start, days - 1, nation) < later
    # at least one calendar day per working day
    assert (later - start).days >= days


@settings(max_examples=150, deadline=None)
@given(start=dates, days=st.integers(min_value=0, max_value=60), nation=nations)
def test_going_back_the_same_working_days_returns_to_a_working_day_start(start, days, nation):
    """From a working day, n working days on and n back returns to the start."""
    while not is_working_day(start, nation):
        start += timedelta(days=1)
    assert add_working_days(add_working_days(start, days, nation), -days, nation) == start


@settings(max_examples=150, deadline=None)
@given(a=dates, b=dates, nation=nations)
def test_working_days_between_is_antisymmetric(a, b, nation):
    """Counting from b to a is minus counting from a to b."""
    assert working_days_between(a, b, nation) == -working_days_between(b, a, nation)

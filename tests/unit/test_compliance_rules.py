"""The arithmetic of timescales (CMP-1, CSC-1, CSC-3) as pure logic, no AWS: working days per UK nation as a
deadline counts them, UK day boundaries in GMT and BST, the escalation ladder and its recipients, the failed-visit
ladder, calendar months.

The bank holidays are the published ones (2026-2028); tests/unit/test_calendar.py checks the calendar itself, these
check that a deadline's count goes through it the way the rules say.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casework import calendar
from casework.clock import UK
from casework.compliance import rules
from casework.compliance.rules import OWNER, Ladder, add_months, end_of, ladder, start_day, start_of, working_days_from

NATIONS = [n.value for n in calendar.Nation]
nations = st.sampled_from(NATIONS)
dates = st.dates(min_value=date(2025, 1, 1), max_value=date(2029, 12, 31))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# ---------------------------------------------------------------- CSC-1: working days per nation


@pytest.mark.parametrize(("nation", "due"), [
    ("scotland", date(2027, 1, 18)),  # 1 January and the 2 January holiday observed on Monday 4 January
    ("england", date(2027, 1, 15)),  # 1 January only
    ("wales", date(2027, 1, 15)),
    ("northern-ireland", date(2027, 1, 15)),
])
def test_csc1_ten_working_days_over_new_year_skip_scotlands_2_january(nation, due):
    # given a C&F assessment authorised on Thursday 31 December 2026
    # when its 10 working days are counted
    # then Scotland skips New Year's Day and its 2 January holiday (a Saturday, so observed Monday 4 January);
    #      the other nations skip New Year's Day only
    assert working_days_from(date(2026, 12, 31), 10, nation) == due


@pytest.mark.parametrize(("nation", "due"), [
    ("scotland", date(2027, 12, 1)),  # Tuesday 30 November 2027, St Andrew's Day, skipped
    ("england", date(2027, 11, 30)),
])
def test_csc1_st_andrews_day_is_skipped_in_scotland_only(nation, due):
    # given a start on Monday 22 November 2027; five working days later is Monday 29, six is Tuesday 30
    assert working_days_from(date(2027, 11, 22), 6, nation) == due


def test_csc1_st_andrews_day_at_a_weekend_is_skipped_on_its_substitute_monday():
    # 30 November 2025 is a Sunday: Scotland takes Monday 1 December
    assert working_days_from(date(2025, 11, 28), 1, "scotland") == date(2025, 12, 2)
    assert working_days_from(date(2025, 11, 28), 1, "england") == date(2025, 12, 1)


@pytest.mark.parametrize(("nation", "due"), [
    ("england", date(2027, 3, 30)),  # Good Friday 26 and Easter Monday 29 March skipped
    ("wales", date(2027, 3, 30)),
    ("northern-ireland", date(2027, 3, 30)),
    ("scotland", date(2027, 3, 29)),  # Scotland works Easter Monday
])
def test_csc1_easter_monday_is_skipped_except_in_scotland(nation, due):
    # from Wednesday 24 March 2027, two working days: Thursday 25, then the next working day after Easter
    assert working_days_from(date(2027, 3, 24), 2, nation) == due


@pytest.mark.parametrize(("nation", "early", "late"), [
    ("england", date(2027, 8, 2), date(2027, 8, 31)),
    ("wales", date(2027, 8, 2), date(2027, 8, 31)),
    ("northern-ireland", date(2027, 8, 2), date(2027, 8, 31)),
    ("scotland", date(2027, 8, 3), date(2027, 8, 30)),
])
def test_csc1_summer_holiday_is_early_august_in_scotland_and_late_august_elsewhere(nation, early, late):
    # one working day after Friday 30 July 2027 and after Friday 27 August 2027: Scotland loses Monday 2 August,
    # the others Monday 30 August
    assert working_days_from(date(2027, 7, 30), 1, nation) == early
    assert working_days_from(date(2027, 8, 27), 1, nation) == late


@pytest.mark.parametrize(("start", "days", "nation", "due"), [
    (date(2027, 3, 16), 1, "northern-ireland", date(2027, 3, 18)),  # St Patrick's Day, Wednesday 17 March
    (date(2027, 3, 16), 1, "england", date(2027, 3, 17)),
    (date(2027, 7, 9), 1, "northern-ireland", date(2027, 7, 13)),  # the Boyne, Monday 12 July
    (date(2027, 7, 9), 1, "scotland", date(2027, 7, 12)),
    (date(2026, 7, 10), 1, "northern-ireland", date(2026, 7, 14)),  # 12 July 2026 a Sunday: observed Monday 13
    (date(2026, 7, 10), 1, "wales", date(2026, 7, 13)),
])
def test_csc1_northern_irelands_own_holidays(start, days, nation, due):
    assert working_days_from(start, days, nation) == due


@pytest.mark.parametrize("nation", NATIONS)
def test_csc1_christmas_and_new_year_at_a_weekend_take_their_substitute_days(nation):
    # Christmas 2027 is Saturday, Boxing Day Sunday: Monday 27 and Tuesday 28 are their substitutes; New Year's Day
    # 2028 is Saturday: Monday 3 January its substitute (and in Scotland the 2 January holiday, a Sunday, Tuesday 4)
    # from Thursday 23 December: Friday 24 is one working day, Wednesday 29 two, Thursday 30 three, Friday 31 four
    assert working_days_from(date(2027, 12, 23), 1, nation) == date(2027, 12, 24)
    assert working_days_from(date(2027, 12, 23), 2, nation) == date(2027, 12, 29)
    assert working_days_from(date(2027, 12, 23), 4, nation) == date(2027, 12, 31)
    fifth = date(2028, 1, 5) if nation == "scotland" else date(2028, 1, 4)
    assert working_days_from(date(2027, 12, 23), 5, nation) == fifth


@pytest.mark.parametrize("nation", NATIONS)
def test_csc1_a_start_inside_the_christmas_run_counts_from_the_first_working_day_after_it(nation):
    # authorised on Boxing Day (observed, Monday 28 December 2026): the count starts on Tuesday 29
    assert start_day(date(2026, 12, 28), nation) == date(2026, 12, 29)
    assert working_days_from(date(2026, 12, 28), 1, nation) == date(2026, 12, 30)


@pytest.mark.parametrize(("start", "nation", "counted_from"), [
    (date(2027, 1, 2), "england", date(2027, 1, 4)),  # a Saturday: Monday
    (date(2027, 1, 2), "scotland", date(2027, 1, 5)),  # a Saturday, and Monday 4 is the 2 January holiday observed
    (date(2027, 1, 3), "wales", date(2027, 1, 4)),  # a Sunday
    (date(2027, 3, 26), "scotland", date(2027, 3, 29)),  # Good Friday: Easter Monday is a working day in Scotland
    (date(2027, 3, 26), "england", date(2027, 3, 30)),
])
def test_csc1_a_start_on_a_weekend_or_holiday_counts_from_the_next_working_day(start, nation, counted_from):
    # given a timescale started on a day that is not a working day
    # then it counts as started on the next working day: 0 days later is that day, 10 days later is 10 after it
    assert start_day(start, nation) == counted_from
    assert working_days_from(start, 0, nation) == counted_from
    assert working_days_from(start, 10, nation) == calendar.add_working_days(counted_from, 10, nation)


@settings(max_examples=200, deadline=None)
@given(start=dates, days=st.integers(min_value=0, max_value=45), nation=nations)
def test_csc1_working_days_from_never_lands_on_a_non_working_day(start, days, nation):
    due = working_days_from(start, days, nation)
    assert calendar.is_working_day(due, nation)
    assert due >= start


@settings(max_examples=200, deadline=None)
@given(start=dates, days=st.integers(min_value=0, max_value=45), nation=nations)
def test_csc1_working_days_from_counts_exactly_that_many_working_days_after_the_start(start, days, nation):
    first = start_day(start, nation)
    assert calendar.working_days_between(first, working_days_from(start, days, nation), nation) == days


@settings(max_examples=100, deadline=None)
@given(start=dates, nation=nations)
def test_csc1_a_longer_priority_never_falls_due_sooner(start, nation):
    # a practice manager moving the priority from 10 to 30 to 45 working days only ever moves the due date later
    ten, thirty, forty_five = (working_days_from(start, d, nation) for d in (10, 30, 45))
    assert ten < thirty < forty_five


# ---------------------------------------------------------------- CMP-1: UK day boundaries


def test_cmp1_a_date_only_deadline_passes_at_uk_midnight_in_winter():
    # GMT: UK midnight is UTC midnight
    assert end_of(date(2027, 1, 4)) == at("2027-01-05T00:00:00Z")
    assert start_of(date(2027, 1, 4)) == at("2027-01-04T00:00:00Z")


def test_cmp1_a_date_only_deadline_passes_at_uk_midnight_in_summer():
    # BST: UK midnight is 23:00 UTC the evening before
    assert end_of(date(2027, 7, 5)) == at("2027-07-05T23:00:00Z")
    assert start_of(date(2027, 7, 5)) == at("2027-07-04T23:00:00Z")


def test_cmp1_day_boundaries_on_the_days_the_clocks_change():
    # Sunday 28 March 2027 has 23 hours in the UK, Sunday 31 October 2027 has 25
    assert end_of(date(2027, 3, 28)) - start_of(date(2027, 3, 28)) == timedelta(hours=23)
    assert end_of(date(2027, 3, 27)) == at("2027-03-28T00:00:00Z")
    assert end_of(date(2027, 3, 28)) == at("2027-03-28T23:00:00Z")
    assert end_of(date(2027, 10, 31)) - start_of(date(2027, 10, 31)) == timedelta(hours=25)
    assert end_of(date(2027, 10, 31)) == at("2027-11-01T00:00:00Z")


@settings(max_examples=300, deadline=None)
@given(day=dates)
def test_cmp1_a_deadline_day_ends_at_the_next_uk_midnight(day):
    ended = end_of(day)
    assert ended.tzinfo is not None and ended.utcoffset() == timedelta(0)
    local = ended.astimezone(UK)
    assert (local.hour, local.minute, local.second) == (0, 0, 0)
    assert local.date() == day + timedelta(days=1)
    assert rules.uk_day(ended - timedelta(microseconds=1)) == day
    assert rules.uk_day(start_of(day)) == day


# ---------------------------------------------------------------- CMP-1: the escalation ladder

NOW = at("2027-01-04T09:00:00Z")  # a Monday
DUE = date(2027, 1, 18)  # two weeks on, a Monday


def test_cmp1_ladder_approaching_to_the_worker_passed_to_worker_and_supervisor_then_up_the_chain():
    stages = ladder(DUE, nation="england", steps=Ladder(approaching=2, escalate_after=5, levels=3), now=NOW)
    assert [(s.name, s.kind, s.to) for s in stages] == [
        ("approaching", "approaching", (OWNER,)),
        ("passed", "passed", (OWNER, "chain:1")),
        ("escalated-2", "escalated", ("chain:2",)),
        ("escalated-3", "escalated", ("chain:3",)),
    ]
    approaching, passed, second, third = stages
    assert approaching.at == start_of(date(2027, 1, 14))  # 2 working days before the due date, at the day's start
    assert passed.at == end_of(DUE)  # once the due day has ended
    assert second.at == end_of(date(2027, 1, 25)) and second.due == date(2027, 1, 26)  # 5 working days later
    assert third.at == end_of(date(2027, 2, 1)) and third.due == date(2027, 2, 2)
    assert approaching.due is None and passed.due is None  # their alerts are due on the deadline's own date


def test_cmp1_ladder_counts_its_working_days_in_the_services_nation():
    # due Tuesday 5 January 2027: 2 working days before is Thursday 31 December in England, but Scotland's
    # Monday 4 January is its 2 January holiday observed, so Wednesday 30 December there
    england = ladder(date(2027, 1, 5), nation="england", steps=Ladder(approaching=2, escalate_after=5), now=NOW
                     - timedelta(days=30))
    scotland = ladder(date(2027, 1, 5), nation="scotland", steps=Ladder(approaching=2, escalate_after=5), now=NOW
                      - timedelta(days=30))
    assert england[0].at == start_of(date(2026, 12, 31))
    assert scotland[0].at == start_of(date(2026, 12, 30))


def test_cmp1_a_deadline_set_inside_its_warning_window_is_approaching_at_once():
    # due on a Monday with 2 working days' warning (from Thursday), set on that Thursday afternoon: approaching
    # now, not at a moment already gone
    now = at("2027-01-14T14:30:00Z")
    stages = ladder(DUE, nation="wales", steps=Ladder(approaching=2, escalate_after=5), now=now)
    assert stages[0].name == "approaching" and stages[0].at == now


def test_cmp1_a_deadline_set_on_its_due_day_is_approaching_at_once():
    # set on the due date itself: its warning day (2 working days before) is over, but the day has not passed, so
    # the worker is told at once that it is approaching, then that it has passed
    now = at("2027-01-18T10:00:00Z")
    stages = ladder(DUE, nation="wales", steps=Ladder(approaching=2, escalate_after=5), now=now)
    assert [(s.name, s.at) for s in stages][:2] == [("approaching", now), ("passed", at("2027-01-19T00:00:00Z"))]


def test_cmp1_a_deadline_set_after_its_day_has_ended_has_no_approaching_stage():
    now = at("2027-01-20T10:00:00Z")
    stages = ladder(DUE, nation="wales", steps=Ladder(approaching=2, escalate_after=5), now=now)
    assert [s.name for s in stages] == ["passed", "escalated-2"]


def test_cmp1_a_started_alert_is_raised_at_once_to_the_worker():
    stages = ladder(DUE, nation="wales", steps=Ladder(approaching=None, escalate_after=5, levels=1,
                                                     started="C&F, please set priority"), now=NOW)
    assert [(s.name, s.at, s.to, s.text) for s in stages] == [
        ("started", NOW, (OWNER,), "C&F, please set priority"),
        ("passed", end_of(DUE), (OWNER, "chain:1"), None),
    ]


@settings(max_examples=200, deadline=None)
@given(due=dates, nation=nations, warn=st.none() | st.integers(min_value=1, max_value=10),
       after=st.integers(min_value=1, max_value=15), levels=st.integers(min_value=1, max_value=5),
       ahead=st.integers(min_value=-20, max_value=60), hour=st.integers(min_value=0, max_value=23))
def test_cmp1_ladder_stages_are_in_time_order_and_each_goes_to_its_level(due, nation, warn, after, levels, ahead,
                                                                         hour):
    now = datetime.combine(due - timedelta(days=ahead), datetime.min.time(), tzinfo=UTC) + timedelta(hours=hour)
    stages = ladder(due, nation=nation, steps=Ladder(approaching=warn, escalate_after=after, levels=levels), now=now)
    instants = [s.at for s in stages]
    assert instants == sorted(instants)
    assert len({s.name for s in stages}) == len(stages)  # a stage's name identifies it
    by_name = {s.name: s for s in stages}
    assert by_name["passed"].to == (OWNER, "chain:1") and by_name["passed"].at == end_of(due)
    for level in range(2, levels + 1):
        stage = by_name[f"escalated-{level}"]
        assert stage.to == (f"chain:{level}",)
        assert stage.due is not None and calendar.is_working_day(stage.due, nation)
    if "approaching" in by_name:
        assert by_name["approaching"].to == (OWNER,)
        assert now <= by_name["approaching"].at < end_of(due)
    assert len(stages) == levels + ("approaching" in by_name)


def test_cmp1_a_stage_is_stored_with_its_instant_to_the_second_in_utc():
    stage = ladder(DUE, nation="england", steps=Ladder(approaching=2, escalate_after=5), now=NOW)[1]
    data = stage.as_data()
    assert data == {"name": "passed", "at": "2027-01-19T00:00:00Z", "to": ["owner", "chain:1"], "kind": "passed",
                    "action": "alert"}
    assert rules.parse_at(data["at"]) == stage.at


@settings(max_examples=200, deadline=None)
@given(moment=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2029, 12, 31),
                           timezones=st.sampled_from([UTC, UK]), allow_imaginary=False),
       other=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2029, 12, 31),
                          timezones=st.sampled_from([UTC, UK]), allow_imaginary=False))
def test_cmp2_stored_stage_instants_sort_as_the_instants_do_whatever_zone_they_came_in(moment, other):
    # the sweep's due index orders stages by their stored text and compares it with "now" in UTC ("...Z"): an
    # instant given in UK time (a failed visit recorded at 10:30 BST) must be stored as the same instant in UTC
    a, b = (rules.Stage("s", m, (OWNER,)).as_data()["at"] for m in (moment, other))
    assert a.endswith("Z") and b.endswith("Z")
    # (compared as timestamps: Python never calls an instant in the autumn's repeated hour equal across zones)
    assert rules.parse_at(a).timestamp() == moment.replace(microsecond=0).timestamp()
    if moment.replace(microsecond=0).timestamp() < other.replace(microsecond=0).timestamp():
        assert a < b


def test_cmp2_a_stage_recorded_in_british_summer_time_is_stored_in_utc():
    recorded = datetime(2027, 7, 6, 10, 30, tzinfo=UK)
    stages = rules.failed_visit_stages([date(2027, 7, 5), date(2027, 7, 6)],
                                       [datetime(2027, 7, 5, 15, tzinfo=UK), recorded], nation="wales")
    manager = next(s for s in stages if s.name == "practice-manager-2")
    assert manager.as_data()["at"] == "2027-07-06T09:30:00Z"  # not "10:30:00+01:00", which sorts after 09:45Z


# ---------------------------------------------------------------- CSC-3: failed visits


def test_csc3_after_a_failed_visit_the_worker_must_visit_again_within_3_working_days():
    # a failed visit on Thursday 25 March 2027 (England): Good Friday and Easter Monday don't count
    failed = date(2027, 3, 25)
    stages = rules.failed_visit_stages([failed], [at("2027-03-25T16:00:00Z")], nation="england")
    retry = next(s for s in stages if s.name == "retry-1")
    assert retry.to == (OWNER,) and retry.due == date(2027, 4, 1)  # Tue 30, Wed 31, Thu 1 April
    assert retry.at == end_of(date(2027, 4, 1))  # BST by then: 23:00 UTC on the 1st
    assert retry.at == at("2027-04-01T23:00:00Z")


def test_csc3_failed_access_over_10_days_goes_to_the_team_manager_over_two_weeks_to_the_senior_manager():
    failed = date(2027, 1, 4)
    stages = rules.failed_visit_stages([failed], [at("2027-01-04T15:00:00Z")], nation="wales")
    by_name = {s.name: s for s in stages}
    team, senior = by_name["failed-access-10-days"], by_name["failed-access-14-days"]
    assert team.to == ("chain:2",) and team.at == start_of(date(2027, 1, 15))  # 11 days on: over 10
    assert team.due == date(2027, 1, 18)  # within 1 working day (15th a Friday: Monday)
    assert senior.to == ("chain:3",) and senior.at == start_of(date(2027, 1, 19))  # 15 days on: over two weeks
    assert senior.due == date(2027, 1, 20)
    assert [s.at for s in stages] == sorted(s.at for s in stages)


def test_csc3_a_second_failure_goes_to_the_practice_manager_at_once():
    first, second = date(2027, 1, 4), date(2027, 1, 6)
    recorded = [at("2027-01-04T15:00:00Z"), at("2027-01-06T11:20:00Z")]
    stages = rules.failed_visit_stages([first, second], recorded, nation="scotland")
    by_name = {s.name: s for s in stages}
    manager = by_name["practice-manager-2"]
    assert manager.to == ("chain:1",) and manager.at == recorded[1]  # at the moment it is recorded
    assert manager.due == date(2027, 1, 7)  # within 1 working day
    retry = by_name["retry-2"]  # the worker's next try counts from the second failure
    assert retry.due == date(2027, 1, 11)
    # failed access is counted from the first failure, whatever came after
    assert by_name["failed-access-10-days"].at == start_of(date(2027, 1, 15))
    assert "retry-1" not in by_name


@settings(max_examples=100, deadline=None)
@given(first=dates, gaps=st.lists(st.integers(min_value=0, max_value=4), max_size=3), nation=nations)
def test_csc3_failed_visit_stages_are_in_time_order_and_the_nth_failure_goes_to_the_practice_manager(first, gaps,
                                                                                                     nation):
    failures = [first]
    for gap in gaps:
        failures.append(failures[-1] + timedelta(days=gap))
    recorded = [start_of(d) + timedelta(hours=15) for d in failures]
    stages = rules.failed_visit_stages(failures, recorded, nation=nation)
    assert [s.at for s in stages] == sorted(s.at for s in stages)
    managers = [s for s in stages if s.name.startswith("practice-manager-")]
    assert [s.at for s in managers] == recorded[1:]
    assert all(s.to == ("chain:1",) for s in managers)
    retry = next(s for s in stages if s.name.startswith("retry-"))
    assert retry.due is not None and calendar.is_working_day(retry.due, nation)
    assert calendar.working_days_between(start_day(failures[-1], nation), retry.due, nation) == 3


# ---------------------------------------------------------------- calendar months (CSC-6, CSC-9, THR-1)


@pytest.mark.parametrize(("day", "count", "expected"), [
    (date(2027, 1, 31), 1, date(2027, 2, 28)),
    (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
    (date(2027, 8, 31), 1, date(2027, 9, 30)),
    (date(2027, 11, 30), 3, date(2028, 2, 29)),
    (date(2027, 12, 15), 1, date(2028, 1, 15)),
    (date(2027, 3, 31), 5, date(2027, 8, 31)),  # THR-1: five months of sentence
    (date(2027, 10, 31), 2, date(2027, 12, 31)),  # CSC-9: every two months
    (date(2027, 5, 17), 0, date(2027, 5, 17)),
])
def test_cmp1_add_months_keeps_the_day_or_takes_the_months_last(day, count, expected):
    assert add_months(day, count) == expected


@given(day=dates, count=st.integers(min_value=0, max_value=36))
def test_cmp1_add_months_moves_exactly_that_many_calendar_months(day, count):
    later = add_months(day, count)
    assert (later.year - day.year) * 12 + later.month - day.month == count
    assert later.day == day.day or (later.day < day.day and (later + timedelta(days=1)).day == 1)


# ---------------------------------------------------------------- a service's own settings


def test_cmp1_a_services_settings_override_the_defaults_rule_by_rule():
    # the keys as docs/operations.md documents them (camelCase)
    mine = rules.settings_of({"approaching": {"CSC-1": 3}, "escalateAfter": 10,
                              "visitEveryDays": {"child-protection": 10}, "reassessmentWorkingDays": 15})
    assert mine.approaching["CSC-1"] == 3
    assert mine.approaching["THR-1"] == rules.DEFAULTS.approaching["THR-1"]  # a rule it does not name
    assert mine.escalate_after == 10 and mine.reassessment_working_days == 15
    assert mine.visit_every_days == {"looked-after": 42, "child-protection": 10, "child-in-need": 28}
    assert rules.settings_of(None) is rules.DEFAULTS


@pytest.mark.parametrize("bad", [{"escalateAfter": 0}, {"escalate_after": 10}, {"visitEveryDays": {"x": "y"}}])
def test_cmp1_settings_that_do_not_validate_are_not_applied(bad):
    """A bad value, or a key that is not a setting, never fails a request: the defaults apply (and it is logged)."""
    assert rules.settings_of(bad) is rules.DEFAULTS

"""CSC-1..3's timescales as pure arithmetic (no AWS): C&F due dates and the priority reminder, a visit note's five
working days, the interval to the next statutory visit, and the failed-visit ladder's visit-again date."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casework import calendar, clock
from casework.children import cf, failed, visits
from casework.compliance import rules

NATIONS = ("england", "wales", "scotland", "northern-ireland")
days = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))


@pytest.mark.parametrize("priority, due", [(10, "2026-03-16"), (30, "2026-04-15"), (45, "2026-05-07")])
def test_csc1_due_date_is_the_priority_in_working_days_from_the_start(priority, due):
    # Wales, 2026: Good Friday 3 April, Easter Monday 6 April and the May bank holiday 4 May are not working days
    assert cf.due_date(date(2026, 3, 2), priority, "wales").isoformat() == due


@given(start=days, priority=st.sampled_from([10, 30, 45]), nation=st.sampled_from(NATIONS))
def test_csc1_due_date_is_a_working_day_exactly_priority_working_days_on(start, priority, nation):
    due = cf.due_date(start, priority, nation)
    assert calendar.is_working_day(due, nation)
    assert calendar.working_days_between(rules.start_day(start, nation), due, nation) == priority


def test_csc1_a_start_on_a_weekend_counts_from_monday():
    assert cf.due_date(date(2026, 3, 7), 10, "wales") == cf.due_date(date(2026, 3, 9), 10, "wales")


def test_csc1_the_priority_reminder_goes_to_the_supervisor_as_the_fifth_working_day_begins():
    [stage] = cf.priority_stages(date(2026, 3, 2), "wales")
    assert stage.to == (rules.chain(1),)
    assert stage.at == datetime(2026, 3, 9, 0, 0, tzinfo=UTC)  # Monday 9 March begins (GMT)
    assert stage.text is None  # the alert says it: its deadline's subject is "C&F, please set priority: <child>"
    [summer] = cf.priority_stages(date(2026, 6, 1), "wales")
    assert summer.at == datetime(2026, 6, 7, 23, 0, tzinfo=UTC)  # Monday 8 June begins at 23:00 UTC (BST)


def test_csc1_the_worker_is_told_at_once_and_the_ladder_climbs_from_the_due_date():
    with clock.frozen(datetime(2026, 3, 2, 10, tzinfo=UTC)):
        stages = cf.assessment_stages(date(2026, 3, 16), "C&F assessment for A B (case 1)", rules.DEFAULTS, "wales")
    assert [(s.name, s.to) for s in stages] == [
        ("started", (rules.OWNER,)), ("approaching", (rules.OWNER,)), ("passed", (rules.OWNER, rules.chain(1))),
        ("escalated-2", (rules.chain(2),))]
    assert stages[0].at == datetime(2026, 3, 2, 10, tzinfo=UTC)
    assert stages[1].at == rules.start_of(date(2026, 3, 12))  # two working days before
    assert stages[2].at == rules.end_of(date(2026, 3, 16))


def test_csc2_a_note_is_finalised_once_its_fifth_working_day_after_the_visit_has_ended():
    assert visits.finalised_after(date(2026, 3, 13), "wales") == date(2026, 3, 20)
    assert visits.finalised_after(date(2026, 3, 14), "wales") == date(2026, 3, 23)  # a Saturday visit: from Monday
    assert visits.finalised_after(date(2026, 4, 1), "wales") == date(2026, 4, 10)  # over Easter
    [stage] = visits.note_stages(date(2026, 3, 13), "wales")
    assert (stage.action, stage.to, stage.at) == ("finalise", (), rules.end_of(date(2026, 3, 20)))


@pytest.mark.parametrize("case_type, every", [("looked-after", 42), ("child-protection", 14),
                                              ("child-in-need", 28)])
def test_csc2_the_next_statutory_visit_is_due_the_case_types_interval_after_the_last(case_type, every):
    last = date(2026, 3, 13)
    assert visits.next_visit_due(last, case_type, rules.DEFAULTS) == last + timedelta(days=every)


def test_csc2_a_services_own_interval_is_used_and_other_case_types_have_none():
    own = rules.settings_of({"visitEveryDays": {"child-protection": 10}})
    assert visits.next_visit_due(date(2026, 3, 13), "child-protection", own) == date(2026, 3, 23)
    assert visits.next_visit_due(date(2026, 3, 13), "looked-after", own) == date(2026, 4, 24)
    assert visits.next_visit_due(date(2026, 3, 13), "care-leaver", rules.DEFAULTS) is None


@given(failure=days, nation=st.sampled_from(NATIONS))
def test_csc3_visit_again_by_is_the_ladders_retry_day(failure, nation):
    [retry] = [s for s in rules.failed_visit_stages([failure], [rules.start_of(failure)], nation=nation)
               if s.name.startswith("retry-")]
    assert retry.due == failed.visit_again_by(failure, nation)
    assert retry.at == rules.end_of(failed.visit_again_by(failure, nation))

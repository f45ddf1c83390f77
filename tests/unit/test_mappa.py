"""MAP-1's date rules and MAP-3's flag as pure logic (no AWS)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casework import clock, mappa
from casework.errors import Invalid

TODAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)
past = st.dates(min_value=date(2000, 1, 1), max_value=TODAY)


@given(discussed=past, ahead=st.integers(min_value=1, max_value=5000))
def test_map1_a_review_date_after_the_discussion_is_accepted(discussed, ahead):
    with clock.frozen(NOW):
        mappa._check_dates(discussed, discussed + timedelta(days=ahead), None)


@given(discussed=past, ahead=st.integers(min_value=0, max_value=5000))
def test_map1_a_date_ended_on_or_after_the_discussion_is_accepted(discussed, ahead):
    with clock.frozen(NOW):
        mappa._check_dates(discussed, None, discussed + timedelta(days=ahead))


@given(discussed=past, behind=st.integers(min_value=0, max_value=5000))
def test_map1_a_review_date_on_or_before_the_discussion_is_refused(discussed, behind):
    with clock.frozen(NOW), pytest.raises(Invalid) as refused:
        mappa._check_dates(discussed, discussed - timedelta(days=behind), None)
    assert refused.value.errors == [{"field": "reviewDate", "message": "must be after the date of discussion"}]


@pytest.mark.parametrize("review, ended, field", [
    (date(2026, 4, 1), date(2026, 3, 1), "reviewDate"),
    (None, None, "reviewDate"),
    (None, date(2026, 1, 1), "dateEnded"),
])
def test_map1_exactly_one_of_review_and_ended_in_order(review, ended, field):
    with clock.frozen(NOW), pytest.raises(Invalid) as refused:
        mappa._check_dates(date(2026, 2, 1), review, ended)
    assert refused.value.errors[0]["field"] == field


def test_map1_a_discussion_in_the_future_is_refused():
    with clock.frozen(NOW), pytest.raises(Invalid) as refused:
        mappa._check_dates(TODAY + timedelta(days=1), TODAY + timedelta(days=30), None)
    assert refused.value.errors[0]["field"] == "dateOfDiscussion"

"""Who may do what (DOMAIN: "People, services and access"), record ids, and list tokens: pure logic, no AWS."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casework import clock, ids
from casework.access import (
    BUILT_IN_GROUPS,
    CATALOGUE,
    Caller,
    Right,
    may_change_case,
    require,
    require_any,
    visible,
)
from casework.errors import BadRequest, Forbidden, NotFound
from casework.store import paging

READ_RIGHTS = {Right.CASE_READ, Right.LIBRARY_READ, Right.MAPPA_CONFIDENTIAL}


def caller(group: str, *, user_id: str = "u-1", service_id: str = "svc-a") -> Caller:
    return Caller(
        user_id=user_id, service_id=service_id, service_name="Service A", service_kind="justice-community",
        nation="scotland", retention_years=6, group_id=group, group_name=BUILT_IN_GROUPS[group].name,
        rights=frozenset(int(r) for r in BUILT_IN_GROUPS[group].rights), name="Pat Example",
        email="pat@example.org", supervisor_id=None, locked=False,
    )


# ---------------------------------------------------------------- the rights catalogue


def test_rights_70_and_80_keep_the_document_library_meaning_from_the_guidance():
    """Rights 70 and 80 are Document Library – Read and – Write, as the guidance numbers them."""
    assert Right(70) is Right.LIBRARY_READ
    assert Right(80) is Right.LIBRARY_WRITE
    assert CATALOGUE[Right(70)][0] == "Document Library – Read"
    assert CATALOGUE[Right(80)][0] == "Document Library – Write"


def test_right_numbers_are_unique_and_every_right_is_documented():
    # an IntEnum silently turns a repeated number into an alias: aliases show in __members__ only
    """No two rights share a number or a title, and every right has a catalogue entry."""
    assert len(Right.__members__) == len(list(Right))
    assert set(CATALOGUE) == set(Right)
    titles = [title for title, _ in CATALOGUE.values()]
    assert len(titles) == len(set(titles))
    assert all(title and description for title, description in CATALOGUE.values())


# ---------------------------------------------------------------- built-in groups


def test_every_built_in_group_exists():
    """All six built-in groups are seeded, each with rights from the catalogue only."""
    assert set(BUILT_IN_GROUPS) == {
        "team-leader", "assessor", "practice-manager", "social-worker", "read-only", "business-administrator",
    }
    for group in BUILT_IN_GROUPS.values():
        assert group.name
        assert group.rights <= set(Right)


def test_read_only_reads_everything_of_its_service_and_changes_nothing():
    """Read Only holds case-read and nothing but read rights (THR-3)."""
    rights = BUILT_IN_GROUPS["read-only"].rights
    assert Right.CASE_READ in rights
    assert rights <= READ_RIGHTS


def test_business_administrator_has_library_write_and_full_administration():
    """Business Administrator has library write (80) and full administration, but neither assigns nor approves."""
    rights = BUILT_IN_GROUPS["business-administrator"].rights
    assert {Right.LIBRARY_WRITE, Right.ADMIN_FULL} <= rights
    assert Right.CASE_ASSIGN not in rights and Right.APPROVE not in rights


def test_team_leader_assigns_approves_transfers_and_has_limited_administration():
    """Team Leader assigns, approves, transfers, reports and reads the library, with limited administration only."""
    rights = BUILT_IN_GROUPS["team-leader"].rights
    assert {Right.CASE_ASSIGN, Right.APPROVE, Right.TRANSFER, Right.REPORTS, Right.LIBRARY_READ,
            Right.ADMIN_LIMITED, Right.CASE_WRITE_ANY, Right.CASE_READ} <= rights
    # limited administration and library read only (DOMAIN: built-in groups)
    assert Right.ADMIN_FULL not in rights
    assert Right.LIBRARY_WRITE not in rights


def test_practice_manager_is_the_childrens_team_leader():
    """Practice Manager assigns, approves and changes any case of a children's service."""
    rights = BUILT_IN_GROUPS["practice-manager"].rights
    assert {Right.CASE_ASSIGN, Right.APPROVE, Right.CASE_WRITE_ANY} <= rights


@pytest.mark.parametrize("group", ["assessor", "social-worker"])
def test_workers_read_write_and_open_cases_but_neither_assign_nor_approve(group):
    """Assessors and social workers read, write and open cases but can't assign, approve or administer."""
    rights = BUILT_IN_GROUPS[group].rights
    assert {Right.CASE_READ, Right.CASE_WRITE, Right.CASE_OPEN} <= rights
    assert not rights & {Right.CASE_ASSIGN, Right.APPROVE, Right.CASE_WRITE_ANY, Right.ADMIN_FULL}


# ---------------------------------------------------------------- the checks


def test_require_passes_with_the_right_and_raises_forbidden_naming_it_without():
    """require() passes with the right and raises Forbidden (403) naming the missing right without it."""
    require(caller("team-leader"), Right.CASE_ASSIGN)
    with pytest.raises(Forbidden) as refused:
        require(caller("assessor"), Right.CASE_ASSIGN)
    assert refused.value.status == 403
    assert refused.value.extra == {"right": 20}
    assert "20" in refused.value.detail


def test_require_any_needs_one_of_the_rights():
    """require_any() passes with any one of the rights and names them all when none is held."""
    require_any(caller("read-only"), Right.LIBRARY_WRITE, Right.LIBRARY_READ)
    with pytest.raises(Forbidden) as refused:
        require_any(caller("read-only"), Right.LIBRARY_WRITE, Right.CASE_WRITE)
    assert refused.value.extra == {"rights": [80, 11]}


def test_another_services_record_is_not_found_rather_than_forbidden():
    """visible() answers another service's record as not found (404), without naming the service."""
    visible(caller("team-leader", service_id="svc-a"), "svc-a", "case")
    with pytest.raises(NotFound) as hidden:
        visible(caller("team-leader", service_id="svc-a"), "svc-b", "case")
    assert hidden.value.status == 404
    assert "svc-b" not in hidden.value.detail


def test_has_reads_the_callers_rights():
    """Caller.has() reflects the caller's group rights."""
    assert caller("business-administrator").has(Right.LIBRARY_WRITE)
    assert not caller("read-only").has(Right.LIBRARY_WRITE)


@pytest.mark.parametrize(
    ("group", "assigned_to", "may"),
    [
        ("assessor", "u-1", True),  # case-write and the assigned worker
        ("assessor", "u-2", False),  # someone else's case
        ("assessor", None, False),  # nobody's case
        ("social-worker", "u-1", True),
        ("team-leader", "u-2", True),  # the team-leader right changes any case
        ("team-leader", None, True),
        ("practice-manager", "u-2", True),
        ("read-only", "u-1", False),  # assigned or not, read-only changes nothing
        ("business-administrator", "u-1", False),
    ],
)
def test_may_change_case(group, assigned_to, may):
    """Changing a case needs case-write and being its worker, or the team-leader right (DOMAIN: per-record access)."""
    assert may_change_case(caller(group, user_id="u-1"), assigned_to) is may


# ---------------------------------------------------------------- ids


def test_ulid_is_26_crockford_base32_characters():
    """A new id is a 26-character Crockford base32 ULID."""
    value = ids.ulid()
    assert len(value) == 26
    assert ids.is_ulid(value)
    assert not set(value) & set("ILOU")


@pytest.mark.parametrize("text", ["", "01ABC", "01JD2Q5V6W7X8Y9Z0ABCDEFGHI", "01jd2q5v6w7x8y9z0abcdefghj",
                                  "01JD2Q5V6W7X8Y9Z0ABCDEFGHJK", "../../etc/passwd"])
def test_is_ulid_refuses_what_is_not_one(text):
    """is_ulid refuses wrong lengths, lower case, letters outside Crockford base32 and path tricks."""
    assert not ids.is_ulid(text)


def test_ulids_sort_in_the_order_they_were_made_and_carry_their_time():
    """ULIDs made at later instants sort later, and their first 10 characters are the millisecond made."""
    start = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    made = []
    for step in range(50):
        moment = start + timedelta(milliseconds=step * 7)
        with clock.frozen(moment):
            made.append((moment, ids.ulid()))
    assert sorted(value for _, value in made) == [value for _, value in made]
    for moment, value in made:
        millis = 0
        for char in value[:10]:
            millis = millis * 32 + "0123456789ABCDEFGHJKMNPQRSTVWXYZ".index(char)
        assert millis == int(moment.timestamp() * 1000)


def test_ulids_made_in_the_same_millisecond_are_still_unique():
    """Many ULIDs in one frozen millisecond are all different."""
    with clock.frozen(datetime(2025, 3, 1, tzinfo=UTC)):
        values = {ids.ulid() for _ in range(1000)}
    assert len(values) == 1000


# ---------------------------------------------------------------- paging tokens

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(state=json_values.filter(lambda v: v is not None))
def test_paging_tokens_round_trip_and_are_url_safe(state):
    """Any JSON state survives encode/decode, and tokens are URL-safe base64 without padding."""
    token = paging.encode(state)
    assert token is not None
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert paging.decode(token) == state


def test_no_state_is_no_token():
    """No state encodes to no token, and no token decodes to no state."""
    assert paging.encode(None) is None
    assert paging.decode(None) is None
    assert paging.decode("") is None


def test_a_dynamodb_start_key_survives_the_round_trip():
    """A DynamoDB start key, the real content of a token, round-trips exactly."""
    key = {"pk": {"S": "svc#PERSON#URN-1"}, "sk": {"S": "CASE#0000000001"}, "serviceStatus": {"S": "svc#open"}}
    assert paging.decode(paging.encode(key)) == key


@pytest.mark.parametrize(
    "token",
    [
        "not a token!!",
        "%%%%",
        "abc",  # base64 of two bytes that are not JSON
        base64.urlsafe_b64encode(b"{'single': 'quotes'}").decode(),
        base64.urlsafe_b64encode(b"\xff\xfe\xfd").decode(),  # not UTF-8
        base64.urlsafe_b64encode(b'{"open": ').decode(),  # truncated
    ],
)
def test_garbage_tokens_are_a_bad_request_naming_next(token):
    """A token this API did not issue is a BadRequest (400) naming the `next` field."""
    with pytest.raises(BadRequest) as refused:
        paging.decode(token)
    assert refused.value.status == 400
    assert refused.value.errors == [{"field": "next", "message": "not a token issued by this list"}]


def test_a_deeply_nested_token_is_a_bad_request_not_a_crash():
    # A token is at most 2048 characters (the routes' `next` limit): enough for 1500 nested brackets, which
    # is past Python's recursion limit inside json.loads. It must be refused as a bad token, never a 500.
    """A token nesting JSON past the recursion limit is a BadRequest, not an unhandled RecursionError."""
    token = base64.urlsafe_b64encode(b"[" * 1500).decode().rstrip("=")
    assert len(token) <= 2048
    with pytest.raises(BadRequest):
        paging.decode(token)


def test_encoded_tokens_are_compact_json():
    """A token is base64url of the state's JSON, padding stripped."""
    token = paging.encode({"a": 1})
    padded = token + "=" * (-len(token) % 4)
    assert json.loads(base64.urlsafe_b64decode(padded)) == {"a": 1}
    assert "=" not in token

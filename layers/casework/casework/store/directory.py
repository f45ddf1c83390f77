"""Directory access patterns: services, their groups and counters, users."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from casework.store.models import CounterItem, DirectoryItem, GroupItem, ServiceItem, UserItem
from casework.store.paging import Page, query_page

_PROFILE = "PROFILE"


def _service_pk(service_id: str) -> str:
    return f"SERVICE#{service_id}"


def _user_pk(user_id: str) -> str:
    return f"USER#{user_id}"


def user(user_id: str) -> UserItem | None:
    try:
        return UserItem.get(_user_pk(user_id), _PROFILE, consistent_read=True)
    except DoesNotExist:
        return None


def group(service_id: str, group_id: str) -> GroupItem | None:
    try:
        return GroupItem.get(_service_pk(service_id), f"GROUP#{group_id}", consistent_read=True)
    except DoesNotExist:
        return None


def service_and_group(service_id: str, group_id: str) -> tuple[ServiceItem | None, GroupItem | None]:
    """Both in one BatchGetItem: what a caller's rights and calendar depend on."""
    found_service, found_group = None, None
    for item in DirectoryItem.batch_get(
        [(_service_pk(service_id), _PROFILE), (_service_pk(service_id), f"GROUP#{group_id}")],
        consistent_read=True,
    ):
        if isinstance(item, ServiceItem):
            found_service = item
        elif isinstance(item, GroupItem):
            found_group = item
    return found_service, found_group


def users(user_ids: set[str]) -> dict[str, UserItem]:
    """Several users in one BatchGetItem (at most 100)."""
    if not user_ids:
        return {}
    return {
        item.user_id: item
        for item in DirectoryItem.batch_get([(_user_pk(u), _PROFILE) for u in user_ids], consistent_read=True)
        if isinstance(item, UserItem)
    }


def users_of_service(service_id: str, limit: int, token: str | None) -> Page[UserItem]:
    return query_page(UserItem.by_service, service_id, "usersOf", limit, token)


def next_case_number(service_id: str) -> int:
    """The service's next case number from an atomic counter: increasing, never reused."""
    counter = CounterItem(_service_pk(service_id), "COUNTER#CASE")
    counter.update(actions=[CounterItem.value.add(1)])
    return int(counter.value)


def new_service(service_id: str, *, name: str, nation: str, service_kind: str, retention_years: int,
                created_at: str) -> ServiceItem:
    return ServiceItem(
        _service_pk(service_id), _PROFILE, service_id=service_id, name=name, nation=nation,
        service_kind=service_kind, retention_years=retention_years, created_at=created_at,
    )


def new_group(service_id: str, group_id: str, *, name: str, rights: list[int], built_in: bool) -> GroupItem:
    return GroupItem(
        _service_pk(service_id), f"GROUP#{group_id}", service_id=service_id, group_id=group_id, name=name,
        rights=sorted(rights), built_in=built_in,
    )


def new_user(user_id: str, *, service_id: str, forename: str, surname: str, email: str, group_id: str,
             supervisor_id: str | None) -> UserItem:
    return UserItem(
        _user_pk(user_id), _PROFILE, user_id=user_id, service_id=service_id, forename=forename,
        surname=surname, email=email, group_id=group_id, supervisor_id=supervisor_id, locked=False,
        users_of=service_id, user_sort=f"{surname.casefold()}#{forename.casefold()}#{user_id}",
    )


def service(service_id: str) -> ServiceItem | None:
    try:
        return ServiceItem.get(_service_pk(service_id), _PROFILE, consistent_read=True)
    except DoesNotExist:
        return None


def reserve_case_numbers(service_id: str, how_many: int) -> int:
    """A block of consecutive case numbers from the service's counter (one atomic update); the first of them."""
    counter = CounterItem(_service_pk(service_id), "COUNTER#CASE")
    counter.update(actions=[CounterItem.value.add(how_many)])
    return int(counter.value) - how_many + 1

"""Setting up a service: its profile, built-in groups and users (the administration API builds on this)."""

from __future__ import annotations

from casework import clock
from casework.access import BUILT_IN_GROUPS
from casework.calendar import Nation
from casework.errors import Conflict, Invalid, WriteConflict
from casework.store import audit
from casework.store import directory as store
from casework.store.tx import Changes

SERVICE_KINDS = ("justice-community", "justice-prison", "children")


def create_service(service_id: str, *, name: str, nation: str, service_kind: str, retention_years: int,
                   actor_id: str) -> None:
    """A new service with every built-in group, in one transaction."""
    if nation not in set(Nation):
        raise Invalid("nation", f"one of {', '.join(Nation)}")
    if service_kind not in SERVICE_KINDS:
        raise Invalid("serviceKind", f"one of {', '.join(SERVICE_KINDS)}")
    changes = Changes()
    changes.create(store.new_service(service_id, name=name, nation=nation, service_kind=service_kind,
                                     retention_years=retention_years, created_at=clock.stamp()))
    for group_id, group in BUILT_IN_GROUPS.items():
        changes.create(store.new_group(service_id, group_id, name=group.name, rights=[int(r) for r in group.rights],
                                       built_in=True))
    changes.create(audit.entry(audit.service_entity(service_id), service_id=service_id, action="service.created",
                               actor_id=actor_id, after={"name": name, "nation": nation, "kind": service_kind}))
    try:
        changes.commit()
    except WriteConflict:
        raise Conflict(f"Service {service_id} already exists.") from None


def add_user(user_id: str, *, service_id: str, forename: str, surname: str, email: str, group_id: str,
             supervisor_id: str | None, actor_id: str, locked: bool = False) -> None:
    if store.group(service_id, group_id) is None:
        raise Invalid("group", "no such group in the service")
    user = store.new_user(user_id, service_id=service_id, forename=forename, surname=surname, email=email,
                          group_id=group_id, supervisor_id=supervisor_id)
    user.locked = locked
    changes = Changes()
    changes.create(user)
    changes.create(audit.entry(audit.user_entity(user_id), service_id=service_id, action="user.created",
                               actor_id=actor_id, after={"group": group_id, "supervisorId": supervisor_id,
                                                         "locked": locked}))
    try:
        changes.commit()
    except WriteConflict:
        raise Conflict(f"User {user_id} already exists.") from None


def set_locked(user_id: str, locked: bool, *, actor_id: str) -> None:
    user = store.user(user_id)
    if user is None:
        raise Invalid("userId", "no such user")
    before = bool(user.locked)
    user.locked = locked
    changes = Changes()
    changes.save(user)
    changes.create(audit.entry(audit.user_entity(user_id), service_id=user.service_id,
                               action="user.locked" if locked else "user.unlocked", actor_id=actor_id,
                               before={"locked": before}, after={"locked": locked}))
    changes.commit()
    from casework import directory

    directory.forget(user_id)

"""Who is calling: the directory's current view of a signed-in user, cached briefly per container."""

from __future__ import annotations

import time

from casework.access import CATALOGUE, Caller
from casework.config import settings
from casework.errors import Forbidden
from casework.schemas.directory import AccessRightOut, MeOut
from casework.store import directory as store

_cache: dict[str, tuple[float, Caller]] = {}


def caller_for(user_id: str) -> Caller:
    """The caller behind a token's `sub`; refused if unknown to the directory or locked."""
    cached = _cache.get(user_id)
    if cached and cached[0] > time.monotonic():
        caller = cached[1]
    else:
        caller = _load(user_id)
        if settings.caller_cache_seconds:
            _cache[user_id] = (time.monotonic() + settings.caller_cache_seconds, caller)
    if caller.locked:
        raise Forbidden("Your account is locked.")
    return caller


def forget(user_id: str | None = None) -> None:
    """Drop cached callers (all, or one): used after a change to a user, group or service."""
    if user_id is None:
        _cache.clear()
    else:
        _cache.pop(user_id, None)


def _load(user_id: str) -> Caller:
    user = store.user(user_id)
    if user is None:
        raise Forbidden("You are not a casework user.")
    service, group = store.service_and_group(user.service_id, user.group_id)
    if service is None or group is None:
        raise Forbidden("Your account's service or group no longer exists.")
    return Caller(
        user_id=user.user_id,
        service_id=user.service_id,
        service_name=service.name,
        service_kind=service.service_kind,
        nation=service.nation,
        retention_years=int(service.retention_years),
        group_id=group.group_id,
        group_name=group.name,
        rights=frozenset(int(r) for r in group.rights),
        name=f"{user.forename} {user.surname}",
        email=user.email,
        supervisor_id=user.supervisor_id,
        locked=bool(user.locked),
    )


def me(caller: Caller) -> MeOut:
    return MeOut(
        user_id=caller.user_id,
        name=caller.name,
        email=caller.email,
        service_id=caller.service_id,
        service_name=caller.service_name,
        nation=caller.nation,
        group=caller.group_id,
        group_name=caller.group_name,
        rights=sorted(caller.rights),
        supervisor_id=caller.supervisor_id,
        locked=caller.locked,
    )


def access_rights() -> list[AccessRightOut]:
    return [AccessRightOut(right=int(r), title=t, description=d) for r, (t, d) in CATALOGUE.items()]

"""The caller, users and the rights catalogue."""

from __future__ import annotations

from casework.schemas.common import Out


class AccessRightOut(Out):
    right: int
    title: str
    description: str


class UserRef(Out):
    user_id: str
    name: str


class MeOut(Out):
    user_id: str
    name: str
    email: str
    service_id: str
    service_name: str
    nation: str
    group: str
    group_name: str
    rights: list[int]
    supervisor_id: str | None
    locked: bool

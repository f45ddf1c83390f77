"""Who may do what: the numbered rights catalogue, the built-in groups and the per-record checks.

Rights 70 and 80 keep the meaning the LS/CMI guidance gives them (Document Library read and
write). The others are casework's own; their numbers never change once issued.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from casework.errors import Forbidden, NotFound


class Right(IntEnum):
    CASE_READ = 10
    CASE_WRITE = 11
    CASE_WRITE_ANY = 12
    CASE_OPEN = 13
    CASE_ASSIGN = 20
    APPROVE = 30
    TRANSFER = 40
    RECORD_MAINTENANCE = 50
    REPORTS = 60
    LIBRARY_READ = 70
    LIBRARY_WRITE = 80
    ADMIN_LIMITED = 90
    ADMIN_FULL = 95
    MAPPA_CONFIDENTIAL = 100
    MAPPA_RECORD = 110


CATALOGUE: dict[Right, tuple[str, str]] = {
    Right.CASE_READ: ("Case – Read", "Read people, cases and their records in your service, and a case's audit trail."),
    Right.CASE_WRITE: (
        "Case – Write",
        "Change assessments, visits and plans of cases assigned to you; be assigned cases.",
    ),
    Right.CASE_WRITE_ANY: (
        "Case – Write any case",
        "The team-leader right: change any case of your service, assigned to you or not.",
    ),
    Right.CASE_OPEN: ("Case – Open", "Record people and open new cases for them."),
    Right.CASE_ASSIGN: ("Case – Assign", "Assign, reassign and unassign cases; see any worker's caseload."),
    Right.APPROVE: ("Approvals – Decide", "Approve or not approve risk/need overrides and case closures."),
    Right.TRANSFER: ("Transfer – Import and export", "Export closed cases to other services and import case files."),
    Right.RECORD_MAINTENANCE: (
        "Record maintenance – Delete and unlock",
        "Delete parts of a record entered in error and unlock assessments locked in error.",
    ),
    Right.REPORTS: ("Reports", "Produce case reports and the service's system report."),
    Right.LIBRARY_READ: ("Document Library – Read", "Read and download the service's library documents."),
    Right.LIBRARY_WRITE: ("Document Library – Write", "Add, replace and delete the service's library documents."),
    Right.ADMIN_LIMITED: (
        "Administration – Limited",
        "Lock and unlock users and keep the service's export destinations.",
    ),
    Right.ADMIN_FULL: (
        "Administration – Full",
        "Manage users, groups and the rights of each group, supervisors and destinations.",
    ),
    Right.MAPPA_CONFIDENTIAL: (
        "MAPPA – Confidential details",
        "See the brief details (action plan) of MAPPA discussions.",
    ),
    Right.MAPPA_RECORD: ("MAPPA – Record", "Record MAPPA discussions and notify professionals."),
}


@dataclass(frozen=True)
class BuiltInGroup:
    name: str
    rights: frozenset[Right]


_R = Right
BUILT_IN_GROUPS: dict[str, BuiltInGroup] = {
    "team-leader": BuiltInGroup(
        "Team Leader",
        frozenset({_R.CASE_READ, _R.CASE_WRITE, _R.CASE_WRITE_ANY, _R.CASE_OPEN, _R.CASE_ASSIGN, _R.APPROVE,
                   _R.TRANSFER, _R.RECORD_MAINTENANCE, _R.REPORTS, _R.LIBRARY_READ, _R.ADMIN_LIMITED,
                   _R.MAPPA_CONFIDENTIAL, _R.MAPPA_RECORD}),
    ),
    "assessor": BuiltInGroup(
        "Assessor / Case Manager",
        frozenset({_R.CASE_READ, _R.CASE_WRITE, _R.CASE_OPEN, _R.LIBRARY_READ}),
    ),
    "practice-manager": BuiltInGroup(
        "Practice Manager",
        frozenset({_R.CASE_READ, _R.CASE_WRITE, _R.CASE_WRITE_ANY, _R.CASE_OPEN, _R.CASE_ASSIGN, _R.APPROVE,
                   _R.REPORTS, _R.LIBRARY_READ, _R.MAPPA_CONFIDENTIAL, _R.MAPPA_RECORD}),
    ),
    "social-worker": BuiltInGroup(
        "Social Worker",
        frozenset({_R.CASE_READ, _R.CASE_WRITE, _R.CASE_OPEN, _R.LIBRARY_READ}),
    ),
    "read-only": BuiltInGroup("Read Only", frozenset({_R.CASE_READ, _R.LIBRARY_READ})),
    "business-administrator": BuiltInGroup(
        "Business Administrator",
        frozenset({_R.CASE_READ, _R.CASE_OPEN, _R.REPORTS, _R.LIBRARY_READ, _R.LIBRARY_WRITE, _R.ADMIN_LIMITED,
                   _R.ADMIN_FULL}),
    ),
}


@dataclass(frozen=True)
class Caller:
    """The signed-in user as the directory knows them now (never as the token claims)."""

    user_id: str
    service_id: str
    service_name: str
    service_kind: str
    nation: str
    retention_years: int
    group_id: str
    group_name: str
    rights: frozenset[int]
    name: str
    email: str
    supervisor_id: str | None
    locked: bool

    def has(self, right: Right) -> bool:
        return int(right) in self.rights


def require(caller: Caller, right: Right) -> None:
    if not caller.has(right):
        raise Forbidden(f"This needs the right {int(right)} ({CATALOGUE[right][0]}).", right=int(right))


def require_any(caller: Caller, *rights: Right) -> None:
    if not any(caller.has(r) for r in rights):
        raise Forbidden(
            "This needs one of the rights " + ", ".join(f"{int(r)} ({CATALOGUE[r][0]})" for r in rights) + ".",
            rights=[int(r) for r in rights],
        )


def visible(caller: Caller, service_id: str, what: str) -> None:
    """Another service's record is answered exactly as a missing one, so ids don't leak."""
    if service_id != caller.service_id:
        raise NotFound(f"No {what} with that id.")


def may_change_case(caller: Caller, assigned_to: str | None) -> bool:
    """Case-write and being the assigned worker, or the team-leader right (DOMAIN: per-record access)."""
    if caller.has(Right.CASE_WRITE_ANY):
        return True
    return caller.has(Right.CASE_WRITE) and assigned_to == caller.user_id

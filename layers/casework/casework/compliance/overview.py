"""Deadlines at a glance (CMP-5): a manager's view of the deadlines of everyone they supervise, directly and down
the chain, soonest first; and a case's own deadlines on the case."""

from __future__ import annotations

from typing import Any, Literal

from casework import calendar, cases, clock, views
from casework.access import Caller, Right, require
from casework.compliance import rules
from casework.errors import BadRequest
from casework.schemas.common import Page
from casework.schemas.compliance import DeadlineOut, DeadlineState, StageOut
from casework.store import deadlines as store
from casework.store import directory as directory_store
from casework.store.models import DeadlineItem, UserItem
from casework.store.paging import decode, encode

Filter = Literal["open", "approaching", "passed"]


def state_of(item: DeadlineItem, today: str, nation: str) -> DeadlineState:
    if item.status in ("met", "cancelled"):
        return DeadlineState(item.status)
    if item.due_date < today:
        return DeadlineState.PASSED
    if item.waits_for:
        return DeadlineState.WAITING
    warn = next((s for s in item.stages or [] if s.get("kind") == "approaching"), None)
    if warn is not None and rules.uk_day(rules.parse_at(warn["at"])).isoformat() <= today:
        return DeadlineState.APPROACHING
    if warn is None and calendar.working_days_between(clock.today(), rules.parse_date(item.due_date), nation) <= 2:
        return DeadlineState.APPROACHING
    return DeadlineState.UPCOMING


def _stage_out(stage: dict[str, Any]) -> StageOut:
    return StageOut(name=stage["name"], at=stage["at"], kind=str(stage.get("kind")), raised_at=stage.get("raisedAt"),
                    to=list(stage.get("to", [])), sent_to=[s["userId"] for s in stage.get("raised", [])])


def deadline_out(item: DeadlineItem, *, nation: str, names: dict[str, str] | None = None) -> DeadlineOut:
    stages: list[dict[str, Any]] = item.stages or []
    upcoming = stages[int(item.next_stage)] if item.status == "open" and int(item.next_stage) < len(stages) else None
    return DeadlineOut(
        deadline_id=item.deadline_id, rule=item.rule, kind=item.deadline_kind, subject=item.subject,
        case_id=item.case_id, urn=item.urn, link=item.link, owner_id=item.owner_id,
        owner_name=(names or {}).get(item.owner_id or ""), start_date=item.start_date, due_date=item.due_date,
        state=state_of(item, clock.today().isoformat(), nation),
        next_stage=_stage_out(upcoming) if upcoming else None, stages=[_stage_out(s) for s in stages],
        met_at=item.met_at, met_how=item.met_how,
    )


def of_case(caller: Caller, case_id: str) -> list[DeadlineOut]:
    """A case's deadlines, open ones first, each soonest due first."""
    case = cases.load(caller, case_id)
    found = sorted(store.of_case(case), key=lambda d: (d.status not in store.OPEN, d.due_date, d.deadline_id))
    names = _names({d.owner_id for d in found if d.owner_id})
    return [deadline_out(d, nation=caller.nation, names=names) for d in found]


def supervisees(caller: Caller) -> dict[str, UserItem]:
    """Everyone below the caller in their service's supervisor chains."""
    users: list[UserItem] = []
    token: str | None = None
    while True:
        page = directory_store.users_of_service(caller.service_id, 200, token)
        users.extend(page.items)
        token = page.next
        if not token:
            break
    reports: dict[str, list[UserItem]] = {}
    for u in users:
        if u.supervisor_id:
            reports.setdefault(u.supervisor_id, []).append(u)
    found: dict[str, UserItem] = {}
    stack = [caller.user_id]
    while stack:
        for u in reports.get(stack.pop(), []):
            if u.user_id not in found and u.user_id != caller.user_id:
                found[u.user_id] = u
                stack.append(u.user_id)
    return found


def team(caller: Caller, *, state: Filter, limit: int, next_token: str | None) -> Page[DeadlineOut]:
    """CMP-5: the open deadlines of the people the caller supervises, directly and down the chain, soonest due
    first; `approaching` or `passed` for only those. Paged."""
    require(caller, Right.CASE_READ)
    offset = decode(next_token) if next_token else 0
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise BadRequest("The `next` token is not one this list issued.",
                         errors=[{"field": "next", "message": "not a token issued by this list"}])
    people = supervisees(caller)
    today = clock.today().isoformat()
    found: list[tuple[DeadlineItem, DeadlineState]] = []
    for user_id in people:
        for item in store.all_owned_by(caller.service_id, user_id):
            current = state_of(item, today, caller.nation)
            if state == "open" or current.value == state:
                found.append((item, current))
    found.sort(key=lambda pair: (pair[0].due_date, pair[0].deadline_id))
    window = found[offset: offset + limit]
    names = {u.user_id: views.user_ref(u).name for u in people.values()}
    items = [deadline_out(d, nation=caller.nation, names=names) for d, _ in window]
    more = offset + limit < len(found)
    return Page[DeadlineOut](items=items, next=encode(offset + limit) if more else None)


def _names(user_ids: set[str]) -> dict[str, str]:
    if not user_ids:
        return {}
    return {u.user_id: views.user_ref(u).name for u in directory_store.users(user_ids).values()}

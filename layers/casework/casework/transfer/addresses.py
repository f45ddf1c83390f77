"""The service's transfer addresses, kept by administrators: destinations that exports go to (TRN-1) and the
senders whose e-mailed case files are imported (TRN-6)."""

from __future__ import annotations

from typing import Any

from casework import clock, ids
from casework.access import Caller, Right, require, require_any
from casework.errors import Conflict, NotFound, WriteConflict
from casework.schemas.common import Page
from casework.schemas.transfer import (
    DestinationIn,
    DestinationOut,
    SenderIn,
    SenderOut,
)
from casework.store import audit
from casework.store import transfer as store
from casework.store.tx import Changes

JSON = "application/json"
_CASE_FIELDS = {"caseId", "caseNumber", "caseType", "status", "openedAt", "closedAt", "riskNeedLevel",
                "destructionDate", "urn", "forename", "surname", "assignedTo", "assignmentTaskId", "multipleCases"}



# ---------------------------------------------------------------- destinations and allowed senders (TRN-1, TRN-6)


def destinations(caller: Caller, limit: int, next_token: str | None) -> Page[DestinationOut]:
    require_any(caller, Right.TRANSFER, Right.ADMIN_LIMITED)
    page = store.destinations(caller.service_id, limit, next_token)
    return Page[DestinationOut](items=[destination_out(d) for d in page.items], next=page.next)


def add_destination(caller: Caller, body: DestinationIn) -> DestinationOut:
    require(caller, Right.ADMIN_LIMITED)
    item = store.new_destination(caller.service_id, ids.ulid(), name=body.name, email=body.email,
                                 created_at=clock.stamp(), created_by=caller.user_id)
    changes = Changes()
    changes.create(item)
    changes.create(audit.entry(_service_entity(caller), service_id=caller.service_id, action="destination.added",
                               actor_id=caller.user_id, after={"destinationId": item.destination_id}))
    changes.commit()
    return destination_out(item)


def remove_destination(caller: Caller, destination_id: str) -> None:
    require(caller, Right.ADMIN_LIMITED)
    item = store.destination(caller.service_id, destination_id)
    if item is None:
        raise NotFound("No destination with that id.")
    changes = Changes()
    changes.delete(item)
    changes.create(audit.entry(_service_entity(caller), service_id=caller.service_id, action="destination.removed",
                               actor_id=caller.user_id, before={"destinationId": destination_id}))
    changes.commit()


def senders(caller: Caller, limit: int, next_token: str | None) -> Page[SenderOut]:
    require_any(caller, Right.TRANSFER, Right.ADMIN_LIMITED)
    page = store.senders(caller.service_id, limit, next_token)
    return Page[SenderOut](items=[SenderOut(email=s.email, name=s.name, created_at=s.created_at) for s in page.items],
                           next=page.next)


def add_sender(caller: Caller, body: SenderIn) -> SenderOut:
    require(caller, Right.ADMIN_LIMITED)
    item = store.new_sender(caller.service_id, body.email, name=body.name, created_at=clock.stamp(),
                            created_by=caller.user_id)
    changes = Changes()
    changes.create(item)
    changes.create(audit.entry(_service_entity(caller), service_id=caller.service_id, action="import-sender.added",
                               actor_id=caller.user_id, after={"email": body.email}))
    try:
        changes.commit()
    except WriteConflict:
        raise Conflict("That address is already on the list.") from None
    return SenderOut(email=item.email, name=item.name, created_at=item.created_at)


def remove_sender(caller: Caller, email: str) -> None:
    require(caller, Right.ADMIN_LIMITED)
    item = store.sender(caller.service_id, email.strip().lower())
    if item is None:
        raise NotFound("No allowed sender with that address.")
    changes = Changes()
    changes.delete(item)
    changes.create(audit.entry(_service_entity(caller), service_id=caller.service_id, action="import-sender.removed",
                               actor_id=caller.user_id, before={"email": item.email}))
    changes.commit()


def _service_entity(caller: Caller) -> str:
    return audit.service_entity(caller.service_id)


def destination_out(item: Any) -> DestinationOut:
    if isinstance(item, dict):
        return DestinationOut.model_validate(item)
    return DestinationOut(destination_id=item.destination_id, name=item.name, email=item.email,
                          created_at=item.created_at)

"""Exports (TRN-1, TRN-2): a closed case's person, with every record of theirs, as a transfer file downloaded
and/or e-mailed to one of the service's destinations (`transfer.addresses`).

Imports are in `casework.transfer.imports`, e-mailed case files in `casework.transfer.inbound`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from casework import cases, clock, ids, views
from casework.access import Caller, Right, require, visible
from casework.config import settings
from casework.errors import Conflict, Invalid, NotFound
from casework.observability import count
from casework.schemas.common import Page
from casework.schemas.directory import UserRef
from casework.schemas.transfer import (
    ExportIn,
    ExportOut,
    Progress,
)
from casework.store import audit, files, mail, records
from casework.store import deadlines as deadline_store
from casework.store import directory as directory_store
from casework.store import transfer as store
from casework.store.models import CaseItem, ExportItem, MappaItem, PersonItem, RecordItem
from casework.store.tx import Changes
from casework.transfer import addresses, file_format
from casework.transfer.file_format import JSON

_CASE_FIELDS = {"caseId", "caseNumber", "caseType", "status", "openedAt", "closedAt", "riskNeedLevel",
                "destructionDate", "urn", "forename", "surname", "assignedTo", "assignmentTaskId", "multipleCases"}



# ---------------------------------------------------------------- export (TRN-1, TRN-2)


def export(caller: Caller, body: ExportIn) -> ExportOut:
    """A closed case's person with all their records, as a file with a digest; downloaded and/or e-mailed."""
    require(caller, Right.TRANSFER)
    case = cases.load(caller, body.case_id)
    if case.status != "closed":
        raise Conflict("Only a closed case can be exported (TRN-1).", current=cases.state(case))
    destination = store.destination(caller.service_id, body.destination_id)
    if destination is None:
        raise Invalid("destinationId", "no destination with this id in your service")
    person, held = records.person_with_records(caller.service_id, case.urn)
    if person is None:
        raise NotFound("No case with that id.")
    holds_mappa = any(isinstance(r, MappaItem) for r in held)
    if holds_mappa:
        # the file carries the MAPPA discussions' brief details: only for someone who may read them (MAP-2)
        require(caller, Right.MAPPA_CONFIDENTIAL)
    now = clock.stamp()
    raw, digest, count_records = _file_of(caller, person, held, now)
    export_id = ids.ulid()
    key = store.export_object_key(caller.service_id, export_id)
    files.put(key, raw, content_type=JSON, bucket=settings.exports_bucket)
    emailed_to = None
    if body.deliver == "email":
        mail.send(to=destination.email, subject=f"casework transfer file {person.urn}",
                  text=(f"{caller.service_name} sends the casework transfer file of {person.urn} (attached).\n"
                        f"Digest: {digest}\n"),
                  attachment=(f"{person.urn}-{export_id}.json", raw, JSON))
        emailed_to = destination.email
    item = store.new_export(
        export_id, caller.service_id, now, case_id=case.case_id, case_number=int(case.case_number), urn=person.urn,
        forename=person.forename, surname=person.surname,
        destination=addresses.destination_out(destination).model_dump(mode="json"), deliver=str(body.deliver),
        object_key=key, records=count_records, size=len(raw), digest=digest, emailed_to=emailed_to,
        holds_mappa=holds_mappa, exported_by=caller.user_id,
    )
    changes = Changes()
    changes.create(item)
    changes.create(audit.entry(audit.case_entity(case.case_id), service_id=caller.service_id, action="case.exported",
                               actor_id=caller.user_id,
                               after={"exportId": export_id, "destinationId": destination.destination_id,
                                      "deliver": str(body.deliver), "digest": digest}))
    changes.commit()
    count("CaseExported")
    return _export_out(item, {caller.user_id: UserRef(user_id=caller.user_id, name=caller.name)}, link=True)


def exports(caller: Caller, limit: int, next_token: str | None) -> Page[ExportOut]:
    """Show exports (TRN-2): case, person, destination, when and by whom, newest first."""
    require(caller, Right.TRANSFER)
    page = store.exports(caller.service_id, limit, next_token)
    names = _names({e.exported_by for e in page.items if isinstance(e, ExportItem)})
    return Page[ExportOut](items=[_export_out(e, names) for e in page.items if isinstance(e, ExportItem)],
                           next=page.next)


def export_of(caller: Caller, export_id: str) -> ExportOut:
    require(caller, Right.TRANSFER)
    item = store.export(export_id) if ids.is_ulid(export_id) else None
    if item is None:
        raise NotFound("No export with that id.")
    visible(caller, item.service_id, "export")
    # a file holding MAPPA details is downloaded only by someone who may read them (MAP-2)
    link = not item.holds_mappa or caller.has(Right.MAPPA_CONFIDENTIAL)
    return _export_out(item, _names({item.exported_by}), link=link)


def _file_of(caller: Caller, person: PersonItem, held: list[RecordItem], now: str) -> tuple[bytes, str, int]:
    """The transfer file of a person: them, every case and every other record of their current generation, but
    for deadlines: a deadline is the holding service's own timescale (CMP-1), its alerts addressed to its own staff,
    and never travels."""
    own_cases = [r for r in held if isinstance(r, CaseItem)]
    others = [r for r in held if not isinstance(r, CaseItem) and not deadline_store.records_of(r)]
    body = {
        "person": {"urn": person.urn, "forename": person.forename, "surname": person.surname,
                   "dateOfBirth": person.date_of_birth, "chsNumber": person.chs_number},
        "cases": [_case_data(c) for c in own_cases],
        "records": [{"kind": store.kind_of(r), "key": store.record_key(r), "data": store.plain(r)} for r in others],
    }
    source = {"serviceId": caller.service_id, "serviceName": caller.service_name,
              "serviceKind": caller.service_kind, "nation": caller.nation}
    raw, digest = file_format.write(body=body, exported_at=now, exported_by=caller.user_id, source=source)
    return raw, digest, 1 + len(own_cases) + len(others)


def _case_data(case: CaseItem) -> dict[str, Any]:
    data = store.plain(case)
    return {
        "caseId": case.case_id, "caseNumber": int(case.case_number), "caseType": case.case_type,
        "status": case.status, "openedAt": case.opened_at, "closedAt": case.closed_at,
        "riskNeedLevel": case.risk_need_level, "destructionDate": case.destruction_date,
        "more": {k: v for k, v in data.items() if k not in _CASE_FIELDS},
    }


def _export_out(item: ExportItem, names: dict[str, UserRef], *, link: bool = False) -> ExportOut:
    out = ExportOut(
        export_id=item.export_id, case_id=item.case_id, case_number=int(item.case_number), urn=item.urn,
        surname=item.surname, forename=item.forename, destination=addresses.destination_out(item.destination),
        deliver=item.deliver, exported_at=item.exported_at,
        exported_by=names.get(item.exported_by) or UserRef(user_id=item.exported_by, name="(former user)"),
        records=int(item.records), size=int(item.size), digest=item.digest, emailed_to=item.emailed_to,
        holds_mappa=bool(item.holds_mappa), progress=Progress(done=int(item.records), total=int(item.records)),
    )
    if link and files.stored(item.object_key, bucket=settings.exports_bucket) is not None:
        expires = clock.now() + timedelta(seconds=settings.download_url_seconds)
        out.download_url = files.download_url(item.object_key, None, file_name=f"{item.urn}-{item.export_id}.json",
                                              content_type=JSON, expires_in=settings.download_url_seconds,
                                              bucket=settings.exports_bucket)
        out.download_expires_at = clock.iso(expires)
    return out


def _names(user_ids: set[str]) -> dict[str, UserRef]:
    return {u: views.user_ref(found) for u, found in directory_store.users(user_ids).items()}



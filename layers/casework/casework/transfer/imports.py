"""Imports (TRN-3, TRN-4, TRN-5): a transfer file uploaded (or e-mailed, see `casework.transfer.inbound`) becomes the
service's record of the person, at once for a new URN, on confirmation for one it already holds.

A replace is all or nothing however many records the person has: the new generation of records is staged in a
partition of its own (invisible: no index keys, and readers follow only the person's current generation),
switched in by one conditional write on the person, then the old generation is cleaned up (its worktray tasks,
references and records) and only then is the new one indexed, so the case lists never show both generations
(for a moment, neither). Each step is repeatable and the job remembers how far it got, so a crash anywhere
resumes (a redelivered S3 event, a repeated confirm) to the same end, and a file already imported changes
nothing. A file is refused, with reasons, before anything of it is written: every item it becomes is checked as
DynamoDB would check it, and a file that still trips the importer is refused rather than retried for ever.
"""

from __future__ import annotations

import contextlib
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

from casework import clock, ids
from casework.access import Caller, Right, require, require_any, visible
from casework.config import settings
from casework.errors import Conflict, NotFound, TooLarge, WriteConflict
from casework.lscmi import assessments
from casework.observability import count, logger
from casework.schemas.common import Page
from casework.schemas.transfer import (
    ConfirmIn,
    ExistingPerson,
    ImportIn,
    ImportOut,
    ImportSource,
    ImportStatus,
    Progress,
    ResumeImport,
    TransferCase,
    TransferFile,
    UploadForm,
)
from casework.store import audit, aws, files, messaging, records, work
from casework.store import directory as directory_store
from casework.store import refs as references
from casework.store import transfer as store
from casework.store.models import (
    ApprovalItem,
    AssessmentItem,
    CaseItem,
    DeadlineItem,
    ImportItem,
    MappaItem,
    PersonItem,
    RecordItem,
)
from casework.store.tx import Changes
from casework.transfer import file_format
from casework.transfer.file_format import JSON, FileRefused


def _no_fault(step: str) -> None:
    """Called before every write of an import; tests replace it to crash the import at any step."""


before_write: Callable[[str], None] = _no_fault


# ---------------------------------------------------------------- import: the job (TRN-3, TRN-4)


def start_import(caller: Caller, body: ImportIn) -> ImportOut:
    """An import waiting for its file, and the short-lived form to upload it straight to S3."""
    require(caller, Right.TRANSFER)
    if body.size > settings.max_transfer_bytes:
        raise TooLarge(f"A transfer file may be at most {settings.max_transfer_bytes} bytes.",
                       errors=[{"field": "size", "message": f"larger than {settings.max_transfer_bytes} bytes"}])
    import_id = ids.ulid()
    key = store.import_object_key(caller.service_id, import_id)
    now = clock.now()
    job = store.new_import(import_id, caller.service_id, ImportStatus.AWAITING_UPLOAD, clock.iso(now),
                           source="upload", file_name=body.file_name, size=body.size, object_key=key,
                           reopen_latest_case=body.reopen_latest_case, created_by=caller.user_id)
    changes = Changes()
    changes.create(job)
    changes.create(audit.entry(audit.import_entity(import_id), service_id=caller.service_id, action="import.started",
                               actor_id=caller.user_id, after={"source": "upload", "size": body.size}))
    changes.commit()
    form = files.upload_form(key, content_type=JSON, size=body.size, expires_in=settings.upload_url_seconds,
                             bucket=settings.imports_bucket)
    out = _import_out(job)
    out.upload = UploadForm(url=form["url"], fields=form["fields"],
                            expires_at=clock.iso(now + timedelta(seconds=settings.upload_url_seconds)))
    count("ImportStarted")
    return out


def import_of(caller: Caller, import_id: str) -> ImportOut:
    return _import_out(_load_import(caller, import_id, Right.TRANSFER, Right.ADMIN_LIMITED))


def imports(caller: Caller, status: str | None, limit: int, next_token: str | None) -> Page[ImportOut]:
    """The service's imports, newest first; `quarantined` lists the e-mail that was not imported (TRN-6)."""
    require_any(caller, Right.TRANSFER, Right.ADMIN_LIMITED)
    statuses = [status] if status else [s.value for s in ImportStatus]
    page = store.imports(caller.service_id, statuses, limit, next_token)
    return Page[ImportOut](items=[_import_out(j) for j in page.items if isinstance(j, ImportItem)], next=page.next)


def confirm(caller: Caller, import_id: str, body: ConfirmIn) -> ImportOut:
    """TRN-4: replace all of the person's records with the file's. Confirming again is harmless."""
    job = _load_import(caller, import_id)
    try:
        return _import_out(_confirm(job, body, actor=caller.user_id))
    except WriteConflict:  # another request (a second confirm, a cancel) moved the import first
        return _import_out(_as_moved(import_id, ImportStatus.IMPORTED))


def _confirm(job: ImportItem, body: ConfirmIn, *, actor: str) -> ImportItem:
    if job.status in (ImportStatus.IMPORTED, ImportStatus.IMPORTING):
        return _run(job) if job.status == ImportStatus.IMPORTING else job
    if job.status != ImportStatus.CONFLICT:
        raise Conflict(f"This import is {job.status}; only an import waiting in conflict can be confirmed.",
                       current=_import_out(job).model_dump(mode="json", by_alias=True))
    if body.reopen_latest_case is not None:
        job.reopen_latest_case = body.reopen_latest_case
    parsed = _file_for(job)
    if parsed is None:
        return job
    _resume_later(job.import_id)  # before anything is written: a crash from here on is carried on by the queue
    head = store.head(job.service_id, parsed.body.person.urn)
    job = _begin(job, parsed, head, actor=actor)
    if job.status != ImportStatus.IMPORTING:
        return job
    return _run(job, parsed)


def _resume_later(import_id: str) -> None:
    """Ask the transfer queue to carry the import on in a while, in case this request dies part-way (a crash, the
    API's 30 s limit on a large person). Done by then, the message changes nothing; the queue unreachable, the
    import still runs now and a repeated confirm resumes it."""
    try:
        messaging.send_later(settings.transfer_queue_url, ResumeImport(resume_import=import_id).model_dump_json(
            by_alias=True), settings.resume_import_after_seconds)
    except aws.ERRORS as error:
        logger.warning("could not queue the import's resume", extra={"import_id": import_id,
                                                                      "error": type(error).__name__})


def resume(import_id: str) -> str:
    """The queue's resume message: an import still `importing` is carried on; any other is left as it is."""
    job = store.import_job(import_id) if ids.is_ulid(import_id) else None
    if job is None or job.status != ImportStatus.IMPORTING:
        return "ignored" if job is None else job.status
    return _run(job).status


def cancel(caller: Caller, import_id: str) -> ImportOut:
    """TRN-4: leave everything as it was. Cancelling twice is harmless; an import done cannot be cancelled."""
    job = _load_import(caller, import_id)
    if job.status == ImportStatus.CANCELLED:
        return _import_out(job)
    if job.status not in (ImportStatus.CONFLICT, ImportStatus.AWAITING_UPLOAD):
        raise Conflict(f"This import is {job.status} and cannot be cancelled.",
                       current=_import_out(job).model_dump(mode="json", by_alias=True))
    try:
        _move(job, ImportStatus.CANCELLED, actor=caller.user_id, action="import.cancelled")
    except WriteConflict:  # another request (a confirm, a second cancel) moved the import first
        return _import_out(_as_moved(import_id, ImportStatus.CANCELLED))
    return _import_out(job)


def _as_moved(import_id: str, wanted: str) -> ImportItem:
    """The import as another request left it: the answer when that is where this request was taking it, else
    409 with its state."""
    job = store.import_job(import_id)
    if job is None:
        raise NotFound("No import with that id.")
    if job.status != wanted:
        raise Conflict(f"Another request changed this import at the same time; it is now {job.status}.",
                       current=_import_out(job).model_dump(mode="json", by_alias=True))
    return job


def _load_import(caller: Caller, import_id: str, *rights: Right) -> ImportItem:
    """An import of the caller's service; reading it needs one of `rights` (default: transfer)."""
    require_any(caller, *(rights or (Right.TRANSFER,)))
    job = store.import_job(import_id) if ids.is_ulid(import_id) else None
    if job is None:
        raise NotFound("No import with that id.")
    visible(caller, job.service_id, "import")
    return job


def _move(job: ImportItem, status: str, *, actor: str, action: str, reasons: list[str] | None = None,
          extra: Changes | None = None, **fields: Any) -> ImportItem:
    """Save the job under a new status, conditional on the version read, with its audit entry."""
    before = job.status
    job.status = status
    if reasons is not None:
        job.reasons = reasons
    for name, value in fields.items():
        setattr(job, name, value)
    job.updated_at = clock.stamp()
    changes = extra or Changes()
    changes.save(store.file_import(job))
    changes.create(audit.entry(audit.import_entity(job.import_id), service_id=job.service_id, action=action,
                               actor_id=actor, before={"status": before}, after={"status": status},
                               reason="; ".join(reasons) if reasons else None))
    before_write(f"job:{action.removeprefix('import.')}")
    changes.commit()
    return job


def _import_out(job: ImportItem) -> ImportOut:
    return ImportOut(
        import_id=job.import_id, status=ImportStatus(job.status), file_name=job.file_name,
        source=cast(ImportSource, job.source),  # stored as written ("upload" or "email"); ImportOut checks it
        urn=job.urn, surname=job.surname, forename=job.forename, reasons=list(job.reasons or []),
        existing=ExistingPerson.model_validate(job.existing) if job.existing else None,
        reopen_latest_case=bool(job.reopen_latest_case), progress=Progress(done=int(job.done), total=int(job.total)),
        cases=list(job.case_ids or []), sender=job.sender, subject=job.subject, created_at=job.created_at,
        created_by=job.created_by, updated_at=job.updated_at,
    )


# ---------------------------------------------------------------- e-mailed files (TRN-6, from `transfer.inbound`)


def quarantine_mail(job_id: str, service_id: str, common: dict[str, Any], name: str | None, reasons: list[str]) -> str:
    """TRN-6: an e-mailed file refused before import, kept as an import job in `quarantined` with the reasons (for
    administrators to see); the same job id again (a redelivered event) writes nothing."""
    job = store.new_import(job_id, service_id, ImportStatus.QUARANTINED, clock.stamp(), source="email",
                           file_name=name, reasons=reasons, created_by="email", **common)
    changes = Changes()
    changes.create(job)
    changes.create(audit.entry(audit.import_entity(job_id), service_id=service_id, action="import.quarantined",
                               actor_id="email", after={"sender": common["sender"]}, reason="; ".join(reasons)))
    try:
        changes.commit()
        count("InboundMailQuarantined")
    except WriteConflict:
        pass  # already quarantined by an earlier delivery of the same event
    return job_id


def import_attachment(job_id: str, service_id: str, common: dict[str, Any], name: str, data: bytes) -> str:
    """TRN-6: an accepted e-mailed file goes the upload path: an import job waiting for it, and the file put where
    an upload would put it (its S3 event then runs `file_arrived`). Repeatable under the same job id."""
    object_key = store.import_object_key(service_id, job_id)
    job = store.new_import(job_id, service_id, ImportStatus.AWAITING_UPLOAD, clock.stamp(), source="email",
                           file_name=name, size=len(data), object_key=object_key, created_by="email", **common)
    changes = Changes()
    changes.create(job)
    changes.create(audit.entry(audit.import_entity(job_id), service_id=service_id, action="import.started",
                               actor_id="email", after={"source": "email", "sender": common["sender"]}))
    try:
        changes.commit()
    except WriteConflict:
        existing = store.import_job(job_id)
        if existing is not None and existing.status != ImportStatus.AWAITING_UPLOAD:
            return job_id  # the file was put and handled already
    files.put(object_key, data, content_type=JSON, bucket=settings.imports_bucket)
    return job_id


# ---------------------------------------------------------------- import: the file arrives (S3 event via SQS)


def file_arrived(key: str) -> str:
    """Validate an uploaded file and decide: rejected, conflict (an existing URN waits for a decision) or
    imported (a new person). The outcome, or `ignored` for an object no import awaits."""
    import_id = store.import_of_object(key)
    job = store.import_job(import_id) if import_id and ids.is_ulid(import_id) else None
    if job is None or job.object_key != key:
        logger.warning("import object without an import", extra={"key": key})
        return "ignored"
    if job.status == ImportStatus.IMPORTING:
        return _run(job).status  # a crash part-way: carry on from where it stopped
    if job.status not in (ImportStatus.AWAITING_UPLOAD, ImportStatus.VALIDATING):
        return "ignored"  # already decided: a redelivered event
    if job.status == ImportStatus.AWAITING_UPLOAD:
        job = _move(job, ImportStatus.VALIDATING, actor="system", action="import.received")
    parsed = _file_for(job)
    if parsed is None:
        return job.status
    head = store.head(job.service_id, parsed.body.person.urn)
    job = _begin(job, parsed, head, actor="system")
    if job.status == ImportStatus.IMPORTING:
        job = _run(job, parsed)
    return job.status


def _file_for(job: ImportItem) -> TransferFile | None:
    """The job's file read and checked, or None once the job has been moved to `rejected` with the reasons."""
    raw = files.read(job.object_key or "", bucket=settings.imports_bucket, max_bytes=settings.max_transfer_bytes)
    if raw is None:
        _move(job, ImportStatus.REJECTED, actor="system", action="import.rejected",
              reasons=["the uploaded file is no longer kept; upload it again"])
        return None
    try:
        parsed = file_format.read(raw, max_bytes=settings.max_transfer_bytes)
        if job.digest and parsed.digest != job.digest:
            raise FileRefused(["the file changed since it was checked; upload it again"])
        _plan(job, parsed, first_number=1)  # every record can be placed in this service
    except FileRefused as refused:
        reasons = refused.reasons
    except aws.ERRORS:
        raise  # AWS, not the file: the caller's retry
    except Exception as error:  # reading and planning are pure: whatever else they raise is about the file
        at = traceback.extract_tb(error.__traceback__)[-1]  # where, not the message: it may quote the file
        logger.error("import file tripped the importer", extra={
            "import_id": job.import_id, "error": type(error).__name__, "at": f"{at.filename}:{at.lineno} {at.name}"})
        reasons = ["the file could not be read as this service's records (the failure is logged for support)"]
    else:
        return parsed
    _move(job, ImportStatus.REJECTED, actor="system", action="import.rejected", reasons=reasons)
    count("ImportRejected")
    return None


def _begin(job: ImportItem, parsed: TransferFile, head: PersonItem | None, *, actor: str) -> ImportItem:
    """Decide what the file does here: nothing (the same file is already the person's record), wait for a
    decision (the URN exists), or start writing (a new person, or a confirmed replace)."""
    person = parsed.body.person
    fields: dict[str, Any] = {"digest": parsed.digest, "urn": person.urn, "forename": person.forename,
                              "surname": person.surname, "total": _total(parsed)}
    if head is not None and head.digest == parsed.digest:
        return _move(job, ImportStatus.IMPORTED, actor=actor, action="import.already-imported",
                     reasons=["this file is already this service's record of the person; nothing changed"],
                     done=_total(parsed), **fields)
    if head is not None and job.status != ImportStatus.CONFLICT:
        _, held = records.person_with_cases(job.service_id, person.urn)
        open_cases = sum(1 for c in held if c.status == "open")
        existing = {"openCases": open_cases, "closedCases": len(held) - open_cases, "hasOpenCase": open_cases > 0}
        count("ImportConflict")
        return _move(job, ImportStatus.CONFLICT, actor=actor, action="import.conflict", existing=existing, **fields)
    before_write("reserve-numbers")
    first = directory_store.reserve_case_numbers(job.service_id, len(parsed.body.cases))
    return _move(job, ImportStatus.IMPORTING, actor=actor, action="import.confirmed" if head else "import.accepted",
                 replaces=None if head is None else int(head.generation or 0),
                 replaces_at=None if head is None else head.records_at,
                 generation=(0 if head is None else int(head.generation or 0)) + 1, first_number=first, phase="staging",
                 done=0, **fields)


def _total(parsed: TransferFile) -> int:
    return 1 + len(parsed.body.cases) + len(parsed.body.records)


# ---------------------------------------------------------------- import: all or nothing (TRN-5)


@dataclass
class _Plan:
    head: dict[str, Any]
    partition: str
    cases: list[CaseItem] = field(default_factory=list)
    records: list[RecordItem] = field(default_factory=list)
    refs: list[RecordItem] = field(default_factory=list)


def _given(number: int | None) -> int:
    """A number an importing job was given when it started (`_begin`: its first case number, its generation)."""
    if number is None:
        raise TypeError("an importing job without the numbers it was given when it started")
    return number


def _run(job: ImportItem, parsed: TransferFile | None = None) -> ImportItem:
    """Carry an import on from its phase to the end: stage, switch, index, clean up. Every step is repeatable."""
    if parsed is None:
        parsed = _file_for(job)
        if parsed is None:
            return job
    plan = _plan(job, parsed, first_number=_given(job.first_number))
    if job.phase == "staging":
        job = _stage(job, plan)
        if job.status == ImportStatus.IMPORTING and job.phase == "staging":
            job = _switch(job, parsed, plan)
        if job.status != ImportStatus.IMPORTING:
            return job
    if job.phase == "switched":
        if job.replaces is not None:  # the old generation off the lists first, so they never show both
            _clean(job.service_id, parsed.body.person.urn, job.replaces_at)
        _activate(plan)
        try:
            job = _move(job, ImportStatus.IMPORTED, actor="system", action="import.completed", phase="done",
                        done=int(job.total), case_ids=[c.case_id for c in plan.cases])
        except WriteConflict:
            return store.import_job(job.import_id) or job  # a concurrent attempt finished it
        count("PersonImported")
    return job


def _records_at(job: ImportItem) -> str:
    return records.import_generation(job.import_id)


PROGRESS_EVERY = 8  # batches staged between two saves of the job's progress


def _stage(job: ImportItem, plan: _Plan) -> ImportItem:
    """Write the new generation where no reader looks yet, 25 items a request, saving progress now and then. Stops
    if the job has moved on meanwhile (a concurrent attempt of this import switched it in: writing the staged items
    again would take the new cases off the lists). The job as it is now."""
    staged = [*plan.cases, *plan.records]
    batches = [("stage", staged[start:start + store.BATCH]) for start in range(0, len(staged), store.BATCH)]
    batches += [("stage-refs", plan.refs[start:start + store.BATCH]) for start in range(0, len(plan.refs), store.BATCH)]
    for n, (step, batch) in enumerate(batches, start=1):
        before_write(step)
        job = store.import_job(job.import_id) or job
        if job.status != ImportStatus.IMPORTING or job.phase != "staging":
            return job
        store.put_all(batch)
        if step == "stage" and n * store.BATCH < len(staged) and n % PROGRESS_EVERY == 0:
            job.done, job.updated_at = n * store.BATCH, clock.stamp()
            changes = Changes()
            changes.save(store.file_import(job))
            before_write("progress")
            with contextlib.suppress(WriteConflict):  # a concurrent attempt saved it first: the next batch re-reads
                changes.commit()
    return store.import_job(job.import_id) or job


def _switch(job: ImportItem, parsed: TransferFile, plan: _Plan) -> ImportItem:
    """The one conditional write that makes the new generation the person's record (with the job's move)."""
    changes = Changes()
    current = store.head(job.service_id, parsed.body.person.urn)
    if current is not None and current.records_at == _records_at(job):
        return store.import_job(job.import_id) or job  # a concurrent attempt of this import switched it in
    if (current is None) != (job.replaces is None) or (
            current is not None and int(current.generation or 0) != int(job.replaces or 0)):
        return _lost(job, plan)
    fields = {**_person_fields(parsed), **_mappa_flag(plan), "generation": _given(job.generation),
              "records_at": _records_at(job), "digest": parsed.digest, "case_count": len(plan.cases)}
    if current is None:
        head = records.new_person(job.service_id, parsed.body.person.urn, created_at=clock.stamp(),
                                  **_person_fields(parsed))
        for name, value in fields.items():
            setattr(head, name, value)
        changes.create(head)
    else:
        for name, value in fields.items():
            setattr(current, name, value)
        changes.save(current)  # conditional on the version read: nobody changed the person meanwhile
    changes.create(audit.entry(audit.person_entity(job.service_id, parsed.body.person.urn),
                               service_id=job.service_id, action="person.imported", actor_id=job.created_by,
                               after={"importId": job.import_id, "digest": parsed.digest,
                                      "cases": [c.case_id for c in plan.cases]}))
    try:
        return _move(job, ImportStatus.IMPORTING, actor="system", action="import.switched", extra=changes,
                     phase="switched", done=len(plan.cases) + len(plan.records))
    except WriteConflict:
        fresh = store.import_job(job.import_id)
        if fresh is None:
            return _lost(job, plan)
        if fresh.status == ImportStatus.IMPORTING and fresh.phase == "staging":
            return _switch(fresh, parsed, plan)  # the job or the person changed under us: look again
        return fresh  # a concurrent attempt of this import switched it first, or gave it up


def _lost(job: ImportItem, plan: _Plan) -> ImportItem:
    """The person changed between the decision and the switch: the staged generation goes, nothing else changed."""
    _discard(plan)
    job = store.import_job(job.import_id) or job
    return _move(job, ImportStatus.REJECTED, actor="system", action="import.rejected",
                 reasons=["the person's record changed while importing; upload the file again"])


def _mappa_flag(plan: _Plan) -> dict[str, Any]:
    """The person's MAPPA flag (MAP-3) as the imported discussions make it: the current one (no date ended) and
    its review date, or the last one ended, struck through."""
    discussions = [r for r in plan.records if isinstance(r, MappaItem)]
    current = next((d for d in discussions if d.date_ended is None), None)
    ended = sorted((d for d in discussions if d.date_ended), key=lambda d: (d.date_ended, d.discussion_id))
    return {"mappa_current": current.discussion_id if current else None,
            "mappa_review_date": current.review_date if current else None,
            "mappa_last_ended": ended[-1].discussion_id if ended and current is None else None}


def _person_fields(parsed: TransferFile) -> dict[str, Any]:
    person = parsed.body.person
    return {"forename": person.forename, "surname": person.surname,
            "date_of_birth": person.date_of_birth.isoformat(), "chs_number": person.chs_number}


def _activate(plan: _Plan) -> None:
    """Put the new generation on the indexes (the case tables, the unassigned table)."""
    indexed = [records.refresh_index_keys(c) for c in plan.cases]
    for start in range(0, len(indexed), store.BATCH):
        before_write("activate")
        store.put_all(indexed[start:start + store.BATCH])


def _clean(service_id: str, urn: str, records_at: str | None) -> None:
    """Remove a replaced generation: the tasks its cases left in worktrays, its references, then its records."""
    old = [r for r in store.partition_items(records.partition_pk(service_id, urn, records_at))
           if not isinstance(r, PersonItem)]
    for case in old:
        if isinstance(case, CaseItem) and case.assigned_to and case.assignment_task_id:
            before_write("clean-tasks")
            work.complete(case.assigned_to, case.assignment_task_id, clock.stamp())
    for step, batch in (("clean-refs", references.all_refs(old)), ("clean-records", old)):
        for start in range(0, len(batch), store.BATCH):
            before_write(step)
            store.delete_all(batch[start:start + store.BATCH])


def _discard(plan: _Plan) -> None:
    staged = [*plan.refs, *plan.cases, *plan.records]
    for start in range(0, len(staged), store.BATCH):
        before_write("discard")
        store.delete_all(staged[start:start + store.BATCH])


def _plan(job: ImportItem, parsed: TransferFile, *, first_number: int) -> _Plan:
    """The items the file becomes in this service, the same every time for the same job: a partition of the job's
    own, new case numbers from the service's counter (in the file's order), new ids derived from the job and the
    old ids."""
    body = parsed.body
    urn = body.person.urn
    partition = records.partition_pk(job.service_id, urn, _records_at(job))
    ordered = sorted(body.cases, key=lambda c: c.case_number)
    numbers = {c.case_number: first_number + n for n, c in enumerate(ordered)}
    old_ids = {c.case_id for c in ordered}
    for record in body.records:
        old_ids.update(store.ids_in_key(record.key))
    new_ids = {old: derived_id(job.import_id, old) for old in old_ids}
    plan = _Plan(head=_person_fields(parsed), partition=partition)
    latest = ordered[-1].case_number
    for case in ordered:
        reopen = bool(job.reopen_latest_case) and case.case_number == latest
        plan.cases.append(_case_item(job.service_id, partition, parsed, case, numbers[case.case_number],
                                     new_ids[case.case_id], reopen=reopen, multiple=len(ordered) > 1))
    known = store.kinds()
    seen: set[tuple[str, str]] = set()
    for n, record in enumerate(body.records):
        cls = known.get(record.kind)
        if cls is None or cls in (PersonItem, CaseItem):
            raise FileRefused([f"body.records.{n}.kind: {record.kind!r} is not a kind of record this service keeps"])
        if issubclass(cls, DeadlineItem):
            continue  # the sender's own timescale, addressed to its staff (CMP-1): never recreated here
        key = store.rekey(record.key, numbers, new_ids)
        data = _remap(record.data, new_ids, numbers)
        try:
            item = store.from_plain(cls, partition, key, job.service_id, data)
            store.check_storable(item)
        except (ValueError, TypeError, AttributeError) as error:
            raise FileRefused([f"body.records.{n}.data: {error}"]) from None
        assert isinstance(item, RecordItem)
        _own_references(n, item, set(new_ids.values()), seen)
        plan.records.append(store.strip_index_keys(item))  # type: ignore[arg-type]
    _settle(plan)
    plan.refs = references.all_refs([*plan.cases, *plan.records])
    return plan


def _own_references(n: int, item: RecordItem, new_ids: set[str], seen: set[tuple[str, str]]) -> None:
    """A record found by id from outside the person (an approval, a MAPPA discussion) must be found by one of the
    new ids made from its key: an id taken from its data as it stands could be another record's, in this service
    or another, and writing its reference would take that one over."""
    for ref in references.refs_of(item):
        if not new_ids.intersection(references.ids_of(ref)):
            raise FileRefused([f"body.records.{n}.data: its id is not the one its key names"])
        key = references.key_of(ref)
        if key in seen:
            raise FileRefused([f"body.records.{n}.data: the same id as another record of the file"])
        seen.add(key)


def _settle(plan: _Plan) -> None:
    """What the file's records mean here. A request still waiting for a manager is withdrawn: its worker and
    managers are the exporting service's, and this service's worker asks again if it is still needed. Each
    case's level is then computed from its assessments (LSA-3: the score band or an approved override), never
    taken from the file."""
    for record in plan.records:
        if isinstance(record, ApprovalItem) and record.status == "pending":
            record.status, record.comment = "withdrawn", "withdrawn on transfer to another service"
        elif isinstance(record, AssessmentItem) and (record.override or {}).get("status") == "pending":
            record.override = None
    for case in plan.cases:
        case.pending_closure = None
        assessments.apply_level(case, [r for r in plan.records
                                       if isinstance(r, AssessmentItem) and r.case_id == case.case_id])


def _case_item(service_id: str, partition: str, parsed: TransferFile, case: TransferCase, number: int, case_id: str,
               *, reopen: bool, multiple: bool) -> CaseItem:
    person = parsed.body.person
    try:
        item = store.from_plain(CaseItem, partition, records.case_sk(number), service_id, dict(case.more))
        assert isinstance(item, CaseItem)
        item.case_id, item.case_number, item.case_type = case_id, number, str(case.case_type)
        item.urn, item.forename, item.surname = person.urn, person.forename, person.surname
        item.status, item.opened_at, item.closed_at = case.status, case.opened_at, case.closed_at
        item.destruction_date = case.destruction_date.isoformat() if case.destruction_date else None
        item.assigned_to, item.assignment_task_id, item.multiple_cases = None, None, multiple
        if reopen:
            item.status, item.closed_at, item.destruction_date = "open", None, None
        store.check_storable(item)
    except (ValueError, TypeError, AttributeError) as error:
        raise FileRefused([f"case {case.case_number}: {error}"]) from None
    return item


def derived_id(seed: str, old: str) -> str:
    """The new id of an imported record, fixed by the job (`seed`) and its old id: a retry makes the same one, and
    the record sorts as it did (`ids.derived`)."""
    return ids.derived(seed, old)


def _remap(value: Any, new_ids: dict[str, str], numbers: dict[int, int], name: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _remap(v, new_ids, numbers, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_remap(v, new_ids, numbers, name) for v in value]
    if isinstance(value, str):
        return new_ids.get(value, value)
    if name == "caseNumber" and isinstance(value, int) and value in numbers:
        return numbers[value]
    return value



"""The document library (DOC): a service's guidance documents, uploaded and downloaded straight to and from S3.

A document is listed only once S3 confirms that the object arrived with the declared size and type (DOC-4);
replacing it adds a version and keeps the old ones (DOC-3); deleting takes it off the listing.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta
from urllib.parse import unquote_plus

from casework import clock, ids, views
from casework.access import Caller, Right, require, visible
from casework.config import settings
from casework.errors import Conflict, Invalid, NotFound, TooLarge, WriteConflict
from casework.observability import count, logger
from casework.schemas.common import Page
from casework.schemas.directory import UserRef
from casework.schemas.library import (
    ALLOWED_TYPES,
    DocumentIn,
    DocumentOut,
    RefusalOut,
    UploadForm,
    UploadOut,
    VersionOut,
    s3_event,
)
from casework.store import audit, files
from casework.store import directory as directory_store
from casework.store import library as store
from casework.store.models import DocumentItem, DocumentVersionItem, UploadItem
from casework.store.tx import Changes

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def entity(doc_id: str) -> str:
    """A document's audit trail."""
    return audit.document_entity(doc_id)


# ---------------------------------------------------------------- reading (right 70)


def listing(caller: Caller, limit: int, next_token: str | None) -> Page[DocumentOut]:
    """DOC-1: the service's available documents by title; pending and deleted ones are never read."""
    require(caller, Right.LIBRARY_READ)
    page = store.shelf(caller.service_id, limit, next_token)
    names = _names({d.uploaded_by for d in page.items})
    return Page[DocumentOut](items=[_document_out(d, names) for d in page.items], next=page.next)


def document(caller: Caller, doc_id: str) -> DocumentOut:
    """Metadata and, once available, a short-lived link to the current version (DOC-2)."""
    doc = _load(caller, Right.LIBRARY_READ, doc_id)
    out = _document_out(doc, _names({doc.uploaded_by}))
    if doc.status == "available":
        current = store.version(doc.service_id, doc.doc_id, doc.upload_id)
        if current is not None:
            out.download_url, out.download_expires_at = _link(caller, current)
    return out


def versions(caller: Caller, doc_id: str, limit: int, next_token: str | None) -> Page[VersionOut]:
    """DOC-3: every confirmed version, newest first."""
    doc = _load(caller, Right.LIBRARY_READ, doc_id)
    page = store.versions(doc.service_id, doc.doc_id, limit, next_token)
    names = _names({v.uploaded_by for v in page.items})
    return Page[VersionOut](items=[_version_out(v, doc, names) for v in page.items], next=page.next)


def version(caller: Caller, doc_id: str, version_id: str) -> VersionOut:
    """One version (the current or an older one) with a short-lived download link."""
    doc = _load(caller, Right.LIBRARY_READ, doc_id)
    found = store.version(doc.service_id, doc.doc_id, version_id) if ids.is_ulid(version_id) else None
    if found is None:
        raise NotFound("No version with that id.")
    out = _version_out(found, doc, _names({found.uploaded_by}))
    out.download_url, out.download_expires_at = _link(caller, found)
    return out


# ---------------------------------------------------------------- changing (right 80)


def add(caller: Caller, body: DocumentIn) -> UploadOut:
    """A new document: pending, with a presigned POST for exactly the declared file (DOC-2, DOC-4)."""
    require(caller, Right.LIBRARY_WRITE)
    file_name = _checked(body)
    up = _new_upload(caller, ids.ulid(), body, file_name)
    doc = store.new_document(caller.service_id, up.doc_id, up.upload_id, title=body.title, file_name=file_name,
                             content_type=body.content_type, size=body.size, uploaded_by=caller.user_id,
                             uploaded_at=up.requested_at, pending_until=up.expires_at, expiration=up.expiration)
    doc_id = up.doc_id
    changes = Changes()
    changes.create(doc)
    changes.create(up)
    changes.create(audit.entry(entity(doc_id), service_id=caller.service_id, action="document.upload-requested",
                               actor_id=caller.user_id, after=_declared(up)))
    changes.commit()
    count("DocumentUploadRequested")
    return _upload_out(up)


def replace(caller: Caller, doc_id: str, body: DocumentIn) -> UploadOut:
    """DOC-3: a new version of an available document; the current one stays until the new one is confirmed."""
    doc = _load(caller, Right.LIBRARY_WRITE, doc_id)
    if doc.status != "available":
        raise Conflict("The document's first upload has not been confirmed yet; upload it, or add it again.")
    up = _new_upload(caller, doc.doc_id, body, _checked(body))
    changes = Changes()
    changes.create(up)
    changes.create(audit.entry(entity(doc.doc_id), service_id=caller.service_id, action="document.replace-requested",
                               actor_id=caller.user_id, after=_declared(up)))
    changes.commit()
    count("DocumentReplaceRequested")
    return _upload_out(up)


def delete(caller: Caller, doc_id: str) -> None:
    """DOC-3: off the listing at once; the stored versions stay in the bucket (versioned, retained)."""
    doc = _load(caller, Right.LIBRARY_WRITE, doc_id)
    before = {"status": doc.status, "title": doc.title, "versionId": doc.upload_id}
    doc.status = "deleted"
    doc.deleted_by = caller.user_id
    doc.deleted_at = clock.stamp()
    store.shelve(doc)
    changes = Changes()
    changes.save(doc)
    changes.create(audit.entry(entity(doc.doc_id), service_id=caller.service_id, action="document.deleted",
                               actor_id=caller.user_id, before=before, after={"status": "deleted"}))
    try:
        changes.commit()
    except WriteConflict:
        raise Conflict("The document changed while it was being deleted; try again.") from None
    count("DocumentDeleted")


# ---------------------------------------------------------------- S3 confirms (the upload consumer)


def confirm_uploads(message_body: str) -> None:
    """DOC-4: each object S3 reports is checked against its declaration, then listed or refused.

    Redelivery is harmless: a confirmed or refused upload is recognised and left alone. A failure to reach S3
    or DynamoDB raises, so the message is retried (and ends in the dead-letter queue after a few tries).
    """
    event = s3_event(message_body)
    for record in event.records:
        if not record.event_name.startswith("ObjectCreated"):
            continue
        key = unquote_plus(record.s3.object.key)  # S3 URL-encodes keys in its events
        confirm(key, record.s3.object.version_id)


def confirm(key: str, version_id: str | None) -> str:
    """The outcome for one object: `available`, `rejected` or `ignored` (unknown, or already handled)."""
    parsed = store.parse_key(key)
    if parsed is None:
        logger.warning("library object outside the expected layout", extra={"key": key})
        return "ignored"
    service_id, doc_id, upload_id = parsed
    up = store.upload(service_id, doc_id, upload_id)
    if up is None:
        confirmed = store.version(service_id, doc_id, upload_id)
        if confirmed is None:
            # No upload was ever allowed for this key (or it was cleaned up long ago): nothing may stay.
            files.remove(key, version_id)
            logger.warning("library object without an upload removed", extra={"docId": doc_id, "uploadId": upload_id})
        elif version_id and confirmed.object_version and version_id != confirmed.object_version:
            # The same form used again while still valid: the confirmed version stays what readers get.
            files.remove(key, version_id)
        return "ignored"  # otherwise a redelivery of the event that confirmed it
    if up.status != "pending":
        files.remove(key, version_id)  # already refused: a redelivery (a no-op) or the refused form used again
        return "ignored"
    found = files.stored(key, version_id)
    if found is None:
        return "ignored"  # deleted since the event was sent
    doc = store.document(service_id, doc_id)
    reason = _refusal(up, found, doc)
    if reason is not None:
        _reject(up, doc, key, found.version_id, reason)
        return "rejected"
    assert doc is not None
    _accept(doc, up, found.version_id)
    return "available"


def _refusal(up: UploadItem, found: files.StoredObject, doc: DocumentItem | None) -> str | None:
    if doc is None or doc.status == "deleted":
        return "the document no longer exists"
    if clock.stamp() > up.expires_at:
        return "the upload arrived after it expired"
    if found.size != int(up.size):
        return f"the file has {found.size} bytes, not the {int(up.size)} declared"
    if found.content_type.split(";")[0].strip().lower() != up.content_type:
        return "the file's content type is not the one declared"
    return None


def _accept(doc: DocumentItem, up: UploadItem, object_version: str | None) -> None:
    replacing = doc.status == "available"
    before = {"versionId": doc.upload_id, "fileName": doc.file_name, "size": int(doc.size)} if replacing else None
    number = int(doc.versions or 0) + 1
    now = clock.stamp()
    doc.title, doc.file_name, doc.content_type, doc.size = up.title, up.file_name, up.content_type, up.size
    doc.upload_id, doc.versions, doc.status = up.upload_id, number, "available"
    doc.uploaded_by, doc.uploaded_at = up.requested_by, now
    doc.pending_until, doc.expiration, doc.last_refusal = None, None, None
    store.shelve(doc)
    changes = Changes()
    changes.save(doc)
    changes.create(store.new_version(up, number=number, object_version=object_version, uploaded_at=now))
    store.remove_upload_if_pending(changes, up)
    changes.create(audit.entry(
        entity(doc.doc_id), service_id=doc.service_id, action="document.replaced" if replacing else "document.uploaded",
        actor_id=up.requested_by, before=before, after={**_declared(up), "versionId": up.upload_id, "number": number},
    ))
    changes.commit()  # a lost race raises: the message is retried and then sees the upload handled
    count("DocumentReplaced" if replacing else "DocumentUploaded")


def _reject(up: UploadItem, doc: DocumentItem | None, key: str, object_version: str | None, reason: str) -> None:
    files.remove(key, object_version)
    up.status, up.reason = "rejected", reason
    changes = Changes()
    store.save_upload_if_pending(changes, up)
    if doc is not None and doc.status != "deleted":
        # the writer sees why on the document; not a change of the document itself, so no version bump
        refusal = {"versionId": up.upload_id, "reason": reason, "at": clock.stamp()}
        store.note_refusal(changes, doc, refusal)
    changes.create(audit.entry(entity(up.doc_id), service_id=up.service_id, action="document.upload-rejected",
                               actor_id=up.requested_by, after={"versionId": up.upload_id}, reason=reason))
    changes.commit()
    count("DocumentUploadRejected")


# ---------------------------------------------------------------- helpers


def _load(caller: Caller, right: Right, doc_id: str) -> DocumentItem:
    """A document of the caller's service that is there now: another service's, a deleted one, or a pending one
    whose upload expired, is not found."""
    require(caller, right)
    doc = store.document(caller.service_id, doc_id) if ids.is_ulid(doc_id) else None
    if doc is None or doc.status == "deleted":
        raise NotFound("No document with that id.")
    visible(caller, doc.service_id, "document")
    if doc.status == "pending" and (doc.pending_until or "") < clock.stamp():
        raise NotFound("No document with that id.")
    return doc


def clean_file_name(raw: str) -> str:
    """No folders, control characters or leading dots; spaces collapsed; at most 200 characters."""
    name = re.split(r"[/\\]", raw)[-1]
    name = unicodedata.normalize("NFC", _CONTROL.sub("", name))
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf"))
    name = re.sub(r"\s+", " ", name).lstrip(". ").rstrip()
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 200 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else name[:200]
    return name


def _checked(body: DocumentIn) -> str:
    """DOC-4: an allowed type, an extension that matches it, and a size within the limit."""
    if body.content_type not in ALLOWED_TYPES:
        raise Invalid("contentType", "allowed types are PDF, Word, Excel, plain text, CSV and PNG/JPEG/GIF images")
    file_name = clean_file_name(body.file_name)
    if not file_name:
        raise Invalid("fileName", "nothing is left of the name once folders and control characters are removed")
    stem, dot, extension = file_name.rpartition(".")
    if not dot or not stem or extension.lower() not in ALLOWED_TYPES[body.content_type]:
        expected = ", ".join(f".{e}" for e in sorted(ALLOWED_TYPES[body.content_type]))
        raise Invalid("fileName", f"a {body.content_type} file's name ends in {expected}")
    if body.size > settings.max_document_bytes:
        raise TooLarge(f"A document may have at most {settings.max_document_bytes} bytes.",
                       errors=[{"field": "size", "message": f"at most {settings.max_document_bytes} bytes"}],
                       maxBytes=settings.max_document_bytes)
    return file_name


def _new_upload(caller: Caller, doc_id: str, body: DocumentIn, file_name: str) -> UploadItem:
    """An upload allowed for `pending_upload_seconds`; its TTL cleans it up a day later (reads never rely on it)."""
    now = clock.now()
    until = now + timedelta(seconds=settings.pending_upload_seconds)
    return store.new_upload(caller.service_id, doc_id, ids.ulid(), title=body.title, file_name=file_name,
                            content_type=body.content_type, size=body.size, requested_by=caller.user_id,
                            requested_at=clock.iso(now), expires_at=clock.iso(until),
                            expiration=int(until.timestamp()) + 86400)


def _declared(up: UploadItem) -> dict[str, object]:
    return {"title": up.title, "fileName": up.file_name, "contentType": up.content_type, "size": int(up.size)}


def _upload_out(up: UploadItem) -> UploadOut:
    expires_in = settings.upload_url_seconds
    form = files.upload_form(store.object_key(up.service_id, up.doc_id, up.upload_id),
                             content_type=up.content_type, size=int(up.size), expires_in=expires_in)
    expires_at = clock.iso(clock.now() + timedelta(seconds=expires_in))
    return UploadOut(doc_id=up.doc_id, version_id=up.upload_id, status="pending", pending_until=up.expires_at,
                     upload=UploadForm(url=form["url"], fields=form["fields"], expires_at=expires_at))


def _link(caller: Caller, found: DocumentVersionItem) -> tuple[str, str]:
    """A short-lived download link; the access log records who took it (ids only, never names)."""
    expires_in = settings.download_url_seconds
    url = files.download_url(store.object_key(found.service_id, found.doc_id, found.upload_id), found.object_version,
                             file_name=found.file_name, content_type=found.content_type, expires_in=expires_in)
    logger.info("library download", extra={"access": "document.download", "serviceId": found.service_id,
                                           "docId": found.doc_id, "versionId": found.upload_id,
                                           "userId": caller.user_id})
    count("DocumentDownloadLink")
    return url, clock.iso(clock.now() + timedelta(seconds=expires_in))


def _names(user_ids: set[str]) -> dict[str, UserRef]:
    return {u: views.user_ref(item) for u, item in directory_store.users(user_ids).items()}


def _document_out(doc: DocumentItem, names: dict[str, UserRef]) -> DocumentOut:
    return DocumentOut(
        doc_id=doc.doc_id, title=doc.title, file_name=doc.file_name, content_type=doc.content_type,
        size=int(doc.size), status=doc.status, version=int(doc.versions or 0),
        version_id=doc.upload_id if doc.status == "available" else None,
        uploaded_by=names.get(doc.uploaded_by), uploaded_at=doc.uploaded_at,
        last_refusal=RefusalOut(version_id=doc.last_refusal["versionId"], reason=doc.last_refusal["reason"],
                                at=doc.last_refusal["at"]) if doc.last_refusal else None,
    )


def _version_out(v: DocumentVersionItem, doc: DocumentItem, names: dict[str, UserRef]) -> VersionOut:
    return VersionOut(
        version_id=v.upload_id, number=int(v.number), title=v.title, file_name=v.file_name,
        content_type=v.content_type, size=int(v.size), current=v.upload_id == doc.upload_id,
        uploaded_by=names.get(v.uploaded_by), uploaded_at=v.uploaded_at,
    )

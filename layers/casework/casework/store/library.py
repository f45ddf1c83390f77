"""Library access patterns: a service's documents, their versions and the uploads awaited from S3."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from casework.store.models import DirectoryItem, DocumentItem, DocumentVersionItem, UploadItem
from casework.store.paging import Page, query_page
from casework.store.tx import Changes


def _service_pk(service_id: str) -> str:
    return f"SERVICE#{service_id}"


def _doc_sk(doc_id: str) -> str:
    return f"DOC#{doc_id}"


def object_key(service_id: str, doc_id: str, upload_id: str) -> str:
    """Where an upload lands in the bucket: ids only, never the user's file name."""
    return f"library/{service_id}/{doc_id}/{upload_id}"


def parse_key(key: str) -> tuple[str, str, str] | None:
    """(service, document, upload) of a library object key; None for anything else."""
    parts = key.split("/")
    if len(parts) != 4 or parts[0] != "library" or not all(parts[1:]):
        return None
    return parts[1], parts[2], parts[3]


def document(service_id: str, doc_id: str) -> DocumentItem | None:
    try:
        return DocumentItem.get(_service_pk(service_id), _doc_sk(doc_id), consistent_read=True)
    except DoesNotExist:
        return None


def upload(service_id: str, doc_id: str, upload_id: str) -> UploadItem | None:
    try:
        return UploadItem.get(_service_pk(service_id), f"{_doc_sk(doc_id)}#U#{upload_id}", consistent_read=True)
    except DoesNotExist:
        return None


def version(service_id: str, doc_id: str, upload_id: str) -> DocumentVersionItem | None:
    try:
        return DocumentVersionItem.get(_service_pk(service_id), f"{_doc_sk(doc_id)}#V#{upload_id}",
                                       consistent_read=True)
    except DoesNotExist:
        return None


def shelf(service_id: str, limit: int, token: str | None) -> Page[DocumentItem]:
    """The available documents of a service by title (a sparse index: nothing else is read)."""
    return query_page(DocumentItem.on_shelf, service_id, "shelf", limit, token)


def versions(service_id: str, doc_id: str, limit: int, token: str | None) -> Page[DocumentVersionItem]:
    """A document's confirmed versions, newest first."""
    return query_page(DocumentVersionItem, _service_pk(service_id), "pk", limit, token, forward=False,
                      range_condition=DirectoryItem.sk.startswith(f"{_doc_sk(doc_id)}#V#"))


def shelve(doc: DocumentItem) -> None:
    """Index keys follow the status: only an available document is on the shelf."""
    if doc.status == "available":
        doc.shelf = doc.service_id
        doc.shelf_sort = f"{doc.title.casefold()}#{doc.doc_id}"
    else:
        doc.shelf = None
        doc.shelf_sort = None


def new_document(service_id: str, doc_id: str, upload_id: str, *, title: str, file_name: str, content_type: str,
                 size: int, uploaded_by: str, uploaded_at: str, pending_until: str,
                 expiration: int | None) -> DocumentItem:
    return DocumentItem(
        _service_pk(service_id), _doc_sk(doc_id), service_id=service_id, doc_id=doc_id, title=title,
        file_name=file_name, content_type=content_type, size=size, status="pending", upload_id=upload_id,
        versions=0, uploaded_by=uploaded_by, uploaded_at=uploaded_at, pending_until=pending_until,
        expiration=expiration,
    )


def new_upload(service_id: str, doc_id: str, upload_id: str, *, title: str, file_name: str, content_type: str,
               size: int, requested_by: str, requested_at: str, expires_at: str, expiration: int) -> UploadItem:
    return UploadItem(
        _service_pk(service_id), f"{_doc_sk(doc_id)}#U#{upload_id}", service_id=service_id, doc_id=doc_id,
        upload_id=upload_id, title=title, file_name=file_name, content_type=content_type, size=size,
        requested_by=requested_by, requested_at=requested_at, expires_at=expires_at, status="pending",
        expiration=expiration,
    )


def new_version(up: UploadItem, *, number: int, object_version: str | None, uploaded_at: str) -> DocumentVersionItem:
    return DocumentVersionItem(
        _service_pk(up.service_id), f"{_doc_sk(up.doc_id)}#V#{up.upload_id}", service_id=up.service_id,
        doc_id=up.doc_id, upload_id=up.upload_id, number=number, title=up.title, file_name=up.file_name,
        content_type=up.content_type, size=up.size, object_version=object_version, uploaded_by=up.requested_by,
        uploaded_at=uploaded_at,
    )


def remove_upload_if_pending(changes: Changes, up: UploadItem) -> None:
    """The upload, confirmed, goes: only if it is still pending (a redelivered event or a refusal got there first)."""
    changes.delete(up, UploadItem.status == "pending")


def save_upload_if_pending(changes: Changes, up: UploadItem) -> None:
    """The upload saved as decided (refused), only if it was still pending."""
    changes.save(up, UploadItem.status == "pending")


def note_refusal(changes: Changes, doc: DocumentItem, refusal: dict[str, str]) -> None:
    """Show the writer why an upload was refused, on the document: not a change of the document itself, so its
    version does not move."""
    changes.update(doc, [DocumentItem.last_refusal.set(refusal)], versioned=False)

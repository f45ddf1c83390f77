"""The document library: what a writer declares, what readers see, and the S3 event that confirms an upload."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from casework.schemas.common import In, Out
from casework.schemas.directory import UserRef

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]

# Declared content type -> the file extensions it may carry (DOC-4).
ALLOWED_TYPES: dict[str, frozenset[str]] = {
    "application/pdf": frozenset({"pdf"}),
    "application/msword": frozenset({"doc"}),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": frozenset({"docx"}),
    "application/vnd.ms-excel": frozenset({"xls"}),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": frozenset({"xlsx"}),
    "text/plain": frozenset({"txt"}),
    "text/csv": frozenset({"csv"}),
    "image/png": frozenset({"png"}),
    "image/jpeg": frozenset({"jpg", "jpeg"}),
    "image/gif": frozenset({"gif"}),
}


class DocumentIn(In):
    """A new document, or (for a replacement) its next version."""

    title: Title = Field(description="What readers see in the library listing.")
    file_name: Annotated[str, StringConstraints(min_length=1, max_length=255)] = Field(
        description="The file's name; cleaned (no folders, control characters or leading dots) and kept for "
                    "downloads, never used as the storage key.")
    content_type: Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=100)] = Field(
        description="One of: " + ", ".join(sorted(ALLOWED_TYPES)) + "; must match the file's extension.")
    size: int = Field(ge=1, description="The file's exact size in bytes; the upload must match it.")


class UploadForm(Out):
    """A presigned POST: send a multipart form to `url` with every field, then the file as `file` (last)."""

    url: str
    fields: dict[str, str]
    expires_at: str


class UploadOut(Out):
    doc_id: str
    version_id: str = Field(description="The version this upload will become once S3 confirms it.")
    status: str = Field(description="`pending` until the upload is confirmed (DOC-4).")
    pending_until: str = Field(description="An upload not confirmed by then is forgotten.")
    upload: UploadForm


class RefusalOut(Out):
    version_id: str
    reason: str
    at: str


class DocumentOut(Out):
    doc_id: str
    title: str
    file_name: str
    content_type: str
    size: int
    status: str = Field(description="`available`, or `pending` before the first upload is confirmed.")
    version: int = Field(description="How many versions have been confirmed (the current one is the last).")
    version_id: str | None = Field(description="The current version's id.")
    uploaded_by: UserRef | None
    uploaded_at: str
    last_refusal: RefusalOut | None = Field(
        default=None, description="The latest upload that arrived but was refused (size or type not as declared, "
                                  "or too late), until a later one is accepted.")
    download_url: str | None = Field(default=None, description="Short-lived link to the current version.")
    download_expires_at: str | None = None


class VersionOut(Out):
    version_id: str
    number: int
    title: str
    file_name: str
    content_type: str
    size: int
    current: bool
    uploaded_by: UserRef | None
    uploaded_at: str
    download_url: str | None = None
    download_expires_at: str | None = None


# ---------------------------------------------------------------- S3 event notifications (inside SQS bodies)


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class S3Object(_Loose):
    key: str
    size: int | None = None
    version_id: str | None = Field(default=None, alias="versionId")


class S3Bucket(_Loose):
    name: str


class S3Entity(_Loose):
    bucket: S3Bucket
    object: S3Object


class S3Record(_Loose):
    event_name: str = Field(alias="eventName")
    s3: S3Entity


class S3EventMessage(_Loose):
    """An S3 notification as S3 sends it to SQS (a test event has no records and is ignored)."""

    records: list[S3Record] = Field(default_factory=list, alias="Records")
    event: str | None = Field(default=None, alias="Event")


def s3_event(body: str) -> S3EventMessage:
    return S3EventMessage.model_validate_json(body)



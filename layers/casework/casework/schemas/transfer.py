"""Transfer between services (TRN): the export file format, destinations, exports and imports.

The file format is documented in docs/transfer-format.md; its JSON Schema (docs/transfer-format.schema.json)
is generated from `TransferFile` by `make openapi`.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel

from casework.schemas.cases import CaseType
from casework.schemas.common import Boolean, In, Name, Out, Urn
from casework.schemas.directory import UserRef

FORMAT = "casework-transfer"
VERSION = 1
READABLE_VERSIONS = frozenset({1})  # a reader names the versions it knows and refuses the rest

Digest = Annotated[str, StringConstraints(pattern=r"^sha256:[0-9a-f]{64}$")]
Stamp = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")]
RecordKey = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[A-Z0-9#_-]+$")]
# A plain address check (one @, a dotted domain, no spaces): the mail system is the real judge.
Email = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=254,
                                         pattern=r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")]
ImportSource = Literal["upload", "email"]
RecordKind = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9-]*$")]


class _FileModel(BaseModel):
    """Part of a transfer file (not a request body): camelCase, unknown fields refused, frozen once read."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)


class SourceService(_FileModel):
    service_id: str = Field(max_length=64)
    service_name: str = Field(max_length=200)
    service_kind: str = Field(max_length=40)
    nation: str = Field(max_length=40)


class TransferPerson(_FileModel):
    urn: Urn
    forename: Name
    surname: Name
    date_of_birth: date
    chs_number: str | None = Field(default=None, max_length=20)


class TransferCase(_FileModel):
    case_id: str = Field(min_length=1, max_length=64, description="The case's id in the exporting service.")
    case_number: int = Field(ge=1, description="The case's number in the exporting service (older is smaller).")
    case_type: CaseType
    status: Literal["open", "closed"]
    opened_at: Stamp
    closed_at: Stamp | None = None
    risk_need_level: str | None = Field(default=None, max_length=40, description=(
        "As the exporting service showed it; the importing service computes it again from the assessments."))
    destruction_date: date | None = None
    more: dict[str, Any] = Field(default_factory=dict,
                                 description="Further attributes of the case, as the exporting service keeps them.")


class TransferRecord(_FileModel):
    """A record of the person other than the person and their cases: an assessment, plan, approval, MAPPA
    discussion, ... `key` places it in the person's record (case records start `CASE#<case number, 10 digits>#`);
    `data` holds its attributes."""

    kind: RecordKind
    key: RecordKey
    data: dict[str, Any]


class TransferBody(_FileModel):
    person: TransferPerson
    cases: list[TransferCase] = Field(min_length=1, max_length=1000)
    records: list[TransferRecord] = Field(default_factory=list, max_length=20000)


class TransferFile(_FileModel):
    """A person and all their records, as one service hands them to another (TRN-1)."""

    format: Literal["casework-transfer"]
    version: int = Field(description="The format version; readers refuse versions they do not know.")
    exported_at: Stamp
    exported_by: str = Field(max_length=64)
    source: SourceService
    digest: Digest = Field(description="SHA-256 of the canonical JSON of `body` (keys sorted, no spaces, UTF-8).")
    body: TransferBody


# ---------------------------------------------------------------- destinations and allowed senders


class DestinationIn(In):
    name: Name
    email: Email = Field(description="The destination's secure e-mail address.")


class DestinationOut(Out):
    destination_id: str
    name: str
    email: str
    created_at: str


class SenderIn(In):
    email: Email = Field(description="An address whose e-mailed case files this service imports (TRN-6).")
    name: Name | None = None


class SenderOut(Out):
    email: str
    name: str | None
    created_at: str


# ---------------------------------------------------------------- exports


class Delivery(StrEnum):
    DOWNLOAD = "download"
    EMAIL = "email"


class ExportIn(In):
    case_id: str = Field(min_length=1, max_length=64)
    destination_id: str = Field(min_length=1, max_length=64)
    deliver: Delivery = Delivery.DOWNLOAD


class Progress(Out):
    done: int
    total: int


class ExportOut(Out):
    export_id: str
    case_id: str
    case_number: int
    urn: str
    surname: str
    forename: str
    destination: DestinationOut
    deliver: str
    exported_at: str
    exported_by: UserRef
    records: int
    size: int
    digest: str
    emailed_to: str | None
    holds_mappa: bool = Field(description="The file carries MAPPA details: only right 100 gets its download link.")
    progress: Progress
    download_url: str | None = Field(default=None, description="Short-lived link to the file, while it is kept "
                                                                 "(and, for a file holding MAPPA details, only "
                                                                 "with right 100).")
    download_expires_at: str | None = None


# ---------------------------------------------------------------- imports


class ImportStatus(StrEnum):
    AWAITING_UPLOAD = "awaiting-upload"
    VALIDATING = "validating"
    REJECTED = "rejected"
    CONFLICT = "conflict"
    IMPORTING = "importing"
    IMPORTED = "imported"
    CANCELLED = "cancelled"
    QUARANTINED = "quarantined"


class ImportIn(In):
    file_name: str = Field(default="transfer.json", min_length=1, max_length=200)
    size: int = Field(ge=1, description="The file's size in bytes, as it will be uploaded.")
    reopen_latest_case: Boolean = Field(default=False, description="Reopen the person's latest case (TRN-3).")


class ConfirmIn(In):
    reopen_latest_case: Boolean | None = Field(default=None, description="Change the reopen choice made at upload.")


class ResumeImport(BaseModel):
    """On the transfer queue: carry a confirmed import on to the end if the request that started it did not (it
    crashed or timed out). Version 1."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    resume_import: Annotated[str, StringConstraints(min_length=26, max_length=26)] = Field(alias="resumeImport")
    version: Literal[1] = 1


class UploadForm(Out):
    url: str
    fields: dict[str, str]
    expires_at: str


class ExistingPerson(Out):
    open_cases: int
    closed_cases: int
    has_open_case: bool


class ImportOut(Out):
    import_id: str
    status: ImportStatus
    source: ImportSource
    file_name: str | None
    urn: str | None
    surname: str | None
    forename: str | None
    reasons: list[str]
    existing: ExistingPerson | None = Field(description="With `conflict`: what this service holds for the URN.")
    reopen_latest_case: bool
    progress: Progress
    cases: list[str] = Field(description="Ids of the cases created in this service, once imported.")
    sender: str | None = None
    subject: str | None = None
    created_at: str
    created_by: str
    updated_at: str
    upload: UploadForm | None = None

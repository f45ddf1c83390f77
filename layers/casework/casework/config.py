"""Settings read once from the environment and validated, so a misconfigured function fails at start."""

from __future__ import annotations

import os

from pydantic import BaseModel, ConfigDict, Field


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    region: str = Field(min_length=1)
    records_table: str = Field(min_length=1)
    directory_table: str = Field(min_length=1)
    work_table: str = Field(min_length=1)
    audit_table: str = Field(min_length=1)
    jobs_table: str = Field(min_length=1)
    # How long a container may reuse a caller's directory entry (DESIGN: never over a minute).
    caller_cache_seconds: int = Field(default=30, ge=0, le=60)
    # The X-Ray SDK costs ~300 ms of imports; it is loaded only when this is on.
    tracer_enabled: bool = False
    stage: str = "dev"
    # The document library (only the documents function is given a bucket; others never touch it).
    library_bucket: str = ""
    max_document_bytes: int = Field(default=25 * 1024 * 1024, ge=1)
    upload_url_seconds: int = Field(default=900, ge=60, le=3600)
    download_url_seconds: int = Field(default=300, ge=30, le=3600)
    # A pending upload outlives its presigned POST, so a slow upload that started in time still lands.
    pending_upload_seconds: int = Field(default=3600, ge=60)
    # Transfer (only the transfer function is given these buckets).
    exports_bucket: str = ""
    imports_bucket: str = ""
    inbound_bucket: str = ""
    max_transfer_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    inbound_domain: str = ""
    # The transfer function's own queue (S3 events), also where a confirmed import asks to be resumed.
    transfer_queue_url: str = ""
    resume_import_after_seconds: int = Field(default=120, ge=0, le=900)
    # Professional notifications (only the notifications function is given a queue); e-mail's sender.
    notifications_queue_url: str = ""
    mail_from: str = ""
    # An alert not on the queue this long after its notification was written is re-sent by the repair sweep.
    outbox_grace_seconds: int = Field(default=60, ge=0)


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def load() -> Settings:
    return Settings.model_validate(
        {
            "region": _env("AWS_REGION") or _env("AWS_DEFAULT_REGION", ""),
            "records_table": _env("RECORDS_TABLE", ""),
            "directory_table": _env("DIRECTORY_TABLE", ""),
            "work_table": _env("WORK_TABLE", ""),
            "audit_table": _env("AUDIT_TABLE", ""),
            "jobs_table": _env("JOBS_TABLE", ""),
            "caller_cache_seconds": _env("CALLER_CACHE_SECONDS", "30"),
            "tracer_enabled": _env("CASEWORK_TRACER", "off") in ("on", "true", "1"),
            "stage": _env("STAGE", "dev"),
            "library_bucket": _env("LIBRARY_BUCKET", ""),
            "max_document_bytes": _env("MAX_DOCUMENT_BYTES", str(25 * 1024 * 1024)),
            "exports_bucket": _env("EXPORTS_BUCKET", ""),
            "imports_bucket": _env("IMPORTS_BUCKET", ""),
            "inbound_bucket": _env("INBOUND_BUCKET", ""),
            "max_transfer_bytes": _env("MAX_TRANSFER_BYTES", str(10 * 1024 * 1024)),
            "inbound_domain": _env("INBOUND_DOMAIN", ""),
            "transfer_queue_url": _env("TRANSFER_QUEUE_URL", ""),
            "notifications_queue_url": _env("NOTIFICATIONS_QUEUE_URL", ""),
            "mail_from": _env("MAIL_FROM", ""),
        }
    )


settings = load()

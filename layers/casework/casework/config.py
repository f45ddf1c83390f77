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
        }
    )


settings = load()

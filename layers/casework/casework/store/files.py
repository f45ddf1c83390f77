"""S3: presigned uploads and downloads, and what a bucket holds. Only the functions given a bucket (documents,
transfer) import this module, and boto3 is loaded on the first S3 call, so it stays off other cold starts.
Every call names its bucket; by default the library's."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from botocore.exceptions import ClientError

from casework.config import settings

if TYPE_CHECKING:  # the client's type (boto3-stubs), for the type checker only
    from mypy_boto3_s3 import S3Client


@dataclass(frozen=True)
class StoredObject:
    size: int
    content_type: str
    version_id: str | None


def _bucket(bucket: str | None = None) -> str:
    if bucket:
        return bucket
    if not settings.library_bucket:
        raise RuntimeError("LIBRARY_BUCKET is not set: the document library has no bucket in this function")
    return settings.library_bucket


@lru_cache(maxsize=4)
def _client(endpoint: str | None) -> S3Client:
    import boto3  # here, not at import: the listing and deletes never need S3
    from botocore.config import Config

    # SigV4 always; path-style only against a local endpoint (moto), where virtual hosts don't resolve.
    style: Literal["path", "virtual"] = "path" if endpoint else "virtual"
    return boto3.client("s3", region_name=settings.region,
                        config=Config(signature_version="s3v4", s3={"addressing_style": style}))


def client() -> S3Client:
    return _client(os.environ.get("AWS_ENDPOINT_URL") or os.environ.get("AWS_ENDPOINT_URL_S3"))


def upload_form(key: str, *, content_type: str, size: int, expires_in: int,
                bucket: str | None = None) -> dict[str, Any]:
    """A presigned POST whose policy admits exactly the declared size and content type for this key."""
    return client().generate_presigned_post(
        Bucket=_bucket(bucket), Key=key, Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", size, size]],
        ExpiresIn=expires_in,
    )


def download_url(key: str, version_id: str | None, *, file_name: str, content_type: str, expires_in: int,
                 bucket: str | None = None) -> str:
    params: dict[str, Any] = {
        "Bucket": _bucket(bucket), "Key": key, "ResponseContentType": content_type,
        "ResponseContentDisposition": _attachment(file_name),
    }
    if version_id:
        params["VersionId"] = version_id
    return client().generate_presigned_url("get_object", Params=params, ExpiresIn=expires_in)


def _attachment(file_name: str) -> str:
    from urllib.parse import quote

    ascii_name = file_name.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(file_name)}"


def stored(key: str, version_id: str | None = None, *, bucket: str | None = None) -> StoredObject | None:
    """What S3 really holds at this key (the given version, else the latest); None when nothing is there."""
    kwargs: dict[str, Any] = {"Bucket": _bucket(bucket), "Key": key}
    if version_id:
        kwargs["VersionId"] = version_id
    try:
        head = client().head_object(**kwargs)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound", "NoSuchVersion"):
            return None
        raise
    return StoredObject(int(head["ContentLength"]), head.get("ContentType", ""), head.get("VersionId"))


def remove(key: str, version_id: str | None) -> None:
    """Delete an object version that was refused (with versioning on, a plain delete would only hide it)."""
    kwargs: dict[str, Any] = {"Bucket": _bucket(), "Key": key}
    if version_id:
        kwargs["VersionId"] = version_id
    client().delete_object(**kwargs)


def put(key: str, body: bytes, *, content_type: str, bucket: str) -> None:
    client().put_object(Bucket=_bucket(bucket), Key=key, Body=body, ContentType=content_type)


def read(key: str, *, bucket: str, max_bytes: int) -> bytes | None:
    """An object's bytes, at most `max_bytes + 1` of them (so an oversize object is seen without reading it all);
    None when nothing is there."""
    try:
        answer = client().get_object(Bucket=_bucket(bucket), Key=key, Range=f"bytes=0-{max_bytes}")
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound", "InvalidRange"):
            return None
        raise
    return answer["Body"].read()

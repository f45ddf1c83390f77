"""Transfer access patterns: destinations and allowed senders, export and import jobs, and a person's records
turned into plain data (export) and back into items of another service (import), written in batches."""

from __future__ import annotations

import decimal
import json
import math
import re
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from pynamodb.attributes import (
    Attribute,
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.exceptions import DoesNotExist
from pynamodb.models import Model

from casework.store.models import (
    CaseRefItem,
    DestinationItem,
    ExportItem,
    ImportItem,
    JobItem,
    PersonItem,
    RecordItem,
    SenderItem,
)
from casework.store.paging import Page, merged_page, query_page

BATCH = 25  # BatchWriteItem's limit


def _service_pk(service_id: str) -> str:
    return f"SERVICE#{service_id}"


# ---------------------------------------------------------------- destinations and senders


def new_destination(service_id: str, destination_id: str, *, name: str, email: str, created_at: str,
                    created_by: str) -> DestinationItem:
    return DestinationItem(_service_pk(service_id), f"DEST#{destination_id}", service_id=service_id,
                           destination_id=destination_id, name=name, email=email, created_at=created_at,
                           created_by=created_by)


def destination(service_id: str, destination_id: str) -> DestinationItem | None:
    try:
        return DestinationItem.get(_service_pk(service_id), f"DEST#{destination_id}", consistent_read=True)
    except DoesNotExist:
        return None


def destinations(service_id: str, limit: int, token: str | None) -> Page[DestinationItem]:
    return query_page(DestinationItem, _service_pk(service_id), "pk", limit, token,
                      range_condition=DestinationItem.sk.startswith("DEST#"))


def new_sender(service_id: str, email: str, *, name: str | None, created_at: str, created_by: str) -> SenderItem:
    return SenderItem(_service_pk(service_id), f"SENDER#{email}", service_id=service_id, email=email, name=name,
                      created_at=created_at, created_by=created_by)


def sender(service_id: str, email: str) -> SenderItem | None:
    try:
        return SenderItem.get(_service_pk(service_id), f"SENDER#{email}", consistent_read=True)
    except DoesNotExist:
        return None


def senders(service_id: str, limit: int, token: str | None) -> Page[SenderItem]:
    return query_page(SenderItem, _service_pk(service_id), "pk", limit, token,
                      range_condition=SenderItem.sk.startswith("SENDER#"))


# ---------------------------------------------------------------- jobs


def _job_sort(created_at: str, job_id: str) -> str:
    return f"{created_at}#{job_id}"


def new_export(export_id: str, service_id: str, created_at: str, **fields: Any) -> ExportItem:
    return ExportItem(f"EXPORT#{export_id}", "JOB", service_id=service_id, export_id=export_id,
                      jobs_of=f"{service_id}#export", job_sort=_job_sort(created_at, export_id), exported_at=created_at,
                      **fields)


def export(export_id: str) -> ExportItem | None:
    try:
        return ExportItem.get(f"EXPORT#{export_id}", "JOB", consistent_read=True)
    except DoesNotExist:
        return None


def exports(service_id: str, limit: int, token: str | None) -> Page[JobItem]:
    """Show exports: newest first."""
    return query_page(JobItem.by_service, f"{service_id}#export", "jobsOf", limit, token, forward=False)


def export_object_key(service_id: str, export_id: str) -> str:
    """Where an export's file is kept in the exports bucket."""
    return f"exports/{service_id}/{export_id}.json"


def import_object_key(service_id: str, import_id: str) -> str:
    """Where an import's file lands in the imports bucket (an upload, or an e-mailed attachment)."""
    return f"imports/{service_id}/{import_id}"


def import_of_object(key: str) -> str | None:
    """The import id an imports-bucket object key names; None for any other key."""
    parts = key.split("/")
    return parts[2] if len(parts) == 3 and parts[0] == "imports" else None


def import_key(import_id: str) -> tuple[str, str]:
    return f"IMPORT#{import_id}", "JOB"


def new_import(import_id: str, service_id: str, status: str, created_at: str, **fields: Any) -> ImportItem:
    item = ImportItem(*import_key(import_id), service_id=service_id, import_id=import_id, status=status,
                      created_at=created_at, updated_at=created_at, job_sort=_job_sort(created_at, import_id),
                      jobs_of="", **fields)
    return file_import(item)


def file_import(item: ImportItem) -> ImportItem:
    """Keep the import under its current status in the service's index: call before every save."""
    item.jobs_of = f"{item.service_id}#import#{item.status}"
    return item


def import_job(import_id: str) -> ImportItem | None:
    try:
        return ImportItem.get(*import_key(import_id), consistent_read=True)
    except DoesNotExist:
        return None


def imports(service_id: str, statuses: list[str], limit: int, token: str | None) -> Page[JobItem]:
    """A service's imports with the given statuses, newest first."""
    if len(statuses) == 1:
        return query_page(JobItem.by_service, f"{service_id}#import#{statuses[0]}", "jobsOf", limit, token,
                          forward=False)
    return merged_page(JobItem.by_service, {s: f"{service_id}#import#{s}" for s in statuses}, "jobsOf",
                       lambda job: job.job_sort, limit, token, forward=False)


# ---------------------------------------------------------------- a person's records as plain data and back

_OWN_KEYS = {"pk", "sk", "kind", "serviceId"}


def kinds() -> dict[str, type[RecordItem]]:
    """Every kind of record a person's partition may hold, by discriminator (refs live outside it)."""
    found: dict[str, type[RecordItem]] = {}
    pending = list(RecordItem.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        name = _discriminator(cls)
        if name and cls not in (CaseRefItem,) and not name.endswith("-ref"):
            found[name] = cls
    return found


def _discriminator(cls: type[Model]) -> str | None:
    attribute = cls._get_discriminator_attribute()
    value = None if attribute is None else attribute.get_discriminator(cls)
    return None if value is None else str(value)


def kind_of(item: RecordItem) -> str:
    return _discriminator(type(item)) or ""


def record_key(item: RecordItem) -> str:
    """Where a record stands in its person's record, as a transfer file gives it (`key`): its sort key, which names
    its case (`CASE#<n>#...`) and its own id; an import renumbers both (`rekey`)."""
    return str(item.sk)


_ULID_SEGMENT = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


def ids_in_key(key: str) -> set[str]:
    """The record ids a file record's key names (its segments that are ULIDs)."""
    return {s for s in key.split("#") if _ULID_SEGMENT.match(s)}


def rekey(key: str, numbers: dict[int, int], new_ids: dict[str, str]) -> str:
    """A file record's key in the importing service: each `CASE#<n>` with the case's new number, each old id with
    its new one."""
    parts = key.split("#")
    for n, part in enumerate(parts):
        if n > 0 and parts[n - 1] == "CASE" and part.isdigit():
            parts[n] = f"{numbers[int(part)]:010d}"
        elif part in new_ids:
            parts[n] = new_ids[part]
    return "#".join(parts)


@cache
def index_attributes(cls: type[Model]) -> frozenset[str]:
    """The attribute names that are keys of one of the model's indexes (derived, never transferred). Fixed per
    model, so worked out once: an import asks for every attribute of every record."""
    names: set[str] = set()
    for index in cls._indexes.values():
        names.update(attr.attr_name for attr in type(index).Meta.attributes.values())
    return frozenset(names)


def plain(item: Model, *, leave_out: Iterable[str] = ()) -> dict[str, Any]:
    """An item's own attributes as JSON-ready data, by their stored names, without keys, index keys or version."""
    skip = _OWN_KEYS | index_attributes(type(item)) | set(leave_out)
    data: dict[str, Any] = {}
    for name, attr in type(item).get_attributes().items():
        if attr.attr_name in skip or isinstance(attr, VersionAttribute):
            continue
        value = getattr(item, name)
        if value is None:
            continue
        data[attr.attr_name] = _plain_value(attr, value)
    return data


def _plain_value(attr: Attribute[Any], value: Any) -> Any:
    if isinstance(attr, MapAttribute):
        return value.as_dict() if isinstance(value, MapAttribute) else value
    if isinstance(attr, ListAttribute):
        return [v.as_dict() if isinstance(v, MapAttribute) else v for v in value]
    if isinstance(attr, JSONAttribute):
        return value
    if isinstance(value, set):
        return sorted(value)
    return value


def from_plain(cls: type[Model], pk: str, sk: str, service_id: str, data: dict[str, Any]) -> Model:
    """A new item of `cls` from plain data (see `as_new`); attributes it does not know, and those `plain` never
    writes (keys, index keys, version), are refused (ValueError naming them)."""
    derived = _OWN_KEYS | index_attributes(cls)
    carried = {attr.attr_name: name for name, attr in cls.get_attributes().items()
               if attr.attr_name not in derived and not isinstance(attr, VersionAttribute)}
    unknown = sorted(k for k in data if k not in carried)
    if unknown:
        raise ValueError(f"unknown attribute(s) {', '.join(unknown)}")
    fields = {carried[k]: v for k, v in data.items()}
    return as_new(cls(pk, sk, service_id=service_id, **fields))


def as_new(item: Model) -> Model:
    """An item written for the first time carries version 1, as PynamoDB's first conditional save gives any new
    record. An import writes its records with batch puts, which leave the version as it is: without this they
    would be stored with none (shown as version 0, ETag "0")."""
    for name, attr in type(item).get_attributes().items():
        if isinstance(attr, VersionAttribute):
            setattr(item, name, 1)
    return item


def check_storable(item: Model) -> None:
    """Refuse (ValueError naming the attribute) an item DynamoDB would not take as it is: a required attribute
    missing, a value of the wrong type, a number it cannot hold, an empty map key, or more than an item holds.
    PynamoDB serializes without looking at types, so an item built from another service's file is checked here,
    before any of it is written, rather than failing part-way through the writes."""
    for name, attr in type(item).get_attributes().items():
        value = getattr(item, name)
        if value is None and not attr.null:
            raise ValueError(f"{attr.attr_name}: required")
        if value is None:
            continue
        expected = _PYTHON_TYPES.get(type(attr))
        if expected is not None and (not isinstance(value, expected) or
                                     (isinstance(value, bool) and bool not in expected)):
            raise ValueError(f"{attr.attr_name}: expected {' or '.join(t.__name__ for t in expected)}")
        if isinstance(attr, JSONAttribute):
            _check_plain(attr.attr_name, value)
    try:
        serialized = item.serialize()
    except (ValueError, TypeError, AttributeError) as error:  # pynamodb's own: a required attribute is null, ...
        raise ValueError(str(error)) from None
    for stored, value in serialized.items():
        _check_value(stored, value)
    size = sum(len(k.encode()) + len(json.dumps(v, ensure_ascii=False).encode()) for k, v in serialized.items())
    if size > _MAX_ITEM_BYTES:
        raise ValueError(f"the record is about {size} bytes; a record holds at most {_MAX_ITEM_BYTES}")


_PYTHON_TYPES: dict[type[Attribute[Any]], tuple[type, ...]] = {
    UnicodeAttribute: (str,), NumberAttribute: (int, float), BooleanAttribute: (bool,),
    MapAttribute: (dict, MapAttribute), ListAttribute: (list,),
}
_MAX_ITEM_BYTES = 400_000  # DynamoDB's item size, roughly as it counts it
_NUMBER_DIGITS = 38  # DynamoDB's number precision; magnitudes 1e-130 .. 1e126
_NUMBER = decimal.Context(prec=_NUMBER_DIGITS, traps=[decimal.Rounded, decimal.Overflow, decimal.Underflow])


def _check_plain(where: str, value: Any) -> None:
    """JSON data kept as a string: it must read back as JSON (no NaN or infinities)."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{where}: {value} is not a JSON number")
    if isinstance(value, dict):
        for key, inner in value.items():
            _check_plain(f"{where}.{key}", inner)
    elif isinstance(value, list):
        for n, inner in enumerate(value):
            _check_plain(f"{where}.{n}", inner)


def _check_value(where: str, value: dict[str, Any]) -> None:
    """One serialized DynamoDB attribute value, checked the way DynamoDB checks it on a write."""
    (kind, inner), = value.items()
    if (kind == "S" and not isinstance(inner, str)) or (kind == "BOOL" and not isinstance(inner, bool)):
        raise ValueError(f"{where}: a value of the wrong type")
    if kind == "N":
        _check_number(where, inner)
    elif kind == "M":
        for key, member in inner.items():
            if not isinstance(key, str) or not key:
                raise ValueError(f"{where}: a map key must be a non-empty string")
            _check_value(f"{where}.{key}", member)
    elif kind == "L":
        for n, member in enumerate(inner):
            _check_value(f"{where}.{n}", member)


def _check_number(where: str, text: Any) -> None:
    try:
        number = decimal.Decimal(text) if isinstance(text, str) else None
        if number is None or not number.is_finite():
            raise decimal.InvalidOperation
        if number and not -130 <= number.adjusted() <= 125:
            raise decimal.Overflow
        _NUMBER.create_decimal(number)
    except (decimal.InvalidOperation, decimal.Rounded, decimal.Overflow, decimal.Underflow, ValueError):
        shown = text[:40] if isinstance(text, str) else "not a number"
        raise ValueError(f"{where}: {shown} is not a number a record can hold ({_NUMBER_DIGITS} digits, "
                         "magnitude 1e-130 to 1e125)") from None


def strip_index_keys(item: Model) -> Model:
    """Take a staged item off every index until its generation is switched in."""
    for name, attr in type(item).get_attributes().items():
        if attr.attr_name in index_attributes(type(item)):
            setattr(item, name, None)
    return item


def partition_items(pk: str) -> list[RecordItem]:
    return list(RecordItem.query(pk, consistent_read=True))


def put_all(items: Sequence[Model]) -> None:
    """Unconditional puts in one BatchWriteItem (at most 25): re-putting the same items changes nothing."""
    if not items:
        return
    with type(items[0]).batch_write() as batch:
        for item in items:
            batch.save(item)


def delete_all(items: Sequence[Model]) -> None:
    if not items:
        return
    with type(items[0]).batch_write() as batch:
        for item in items:
            batch.delete(item)


def head(service_id: str, urn: str) -> PersonItem | None:
    from casework.store import records

    return records.person(service_id, urn)

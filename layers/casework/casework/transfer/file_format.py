"""The transfer file (TRN-1): writing it with its digest, and reading one from another service defensively.

Reading never raises anything but `FileRefused`, whatever the bytes: truncated or altered JSON, unknown
versions, absurd nesting or sizes all come back as reasons a person can act on.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from typing import Any

from pydantic import ValidationError

from casework.schemas.transfer import FORMAT, READABLE_VERSIONS, VERSION, TransferBody, TransferFile

JSON = "application/json"  # a transfer file's media type

MAX_DEPTH = 16  # DynamoDB nests maps and lists 32 deep; a record needs far fewer
MAX_RECORD_BYTES = 300_000  # well inside DynamoDB's 400 KB item limit
_CASE_NUMBER = re.compile(r"^\d{10}$")


class FileRefused(Exception):
    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def canonical(body: Any) -> bytes:
    """The bytes the digest is taken over: keys sorted, no insignificant spaces, UTF-8."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest_of(body: Any) -> str:
    return "sha256:" + hashlib.sha256(canonical(body)).hexdigest()


def write(*, body: dict[str, Any], exported_at: str, exported_by: str, source: dict[str, str]) -> tuple[bytes, str]:
    """The file's bytes and digest; `body` is plain JSON data (person, cases, records)."""
    TransferBody.model_validate(body)  # never write a file a reader would refuse
    digest = digest_of(body)
    document = {"format": FORMAT, "version": VERSION, "exportedAt": exported_at, "exportedBy": exported_by,
                "source": source, "digest": digest, "body": body}
    return json.dumps(document, ensure_ascii=False, indent=1).encode(), digest


def read(raw: bytes, *, max_bytes: int) -> TransferFile:
    if len(raw) > max_bytes:
        raise FileRefused([f"the file is {len(raw)} bytes; at most {max_bytes} are accepted"])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRefused(["the file is not UTF-8 text (not a transfer file)"]) from None
    try:
        document = json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except RecursionError:
        raise FileRefused([f"the file nests deeper than {MAX_DEPTH} levels"]) from None
    except json.JSONDecodeError as error:
        raise FileRefused([f"the file is not complete JSON ({error.msg} at line {error.lineno})"]) from None
    except ValueError:  # an integer of thousands of digits (Python's int conversion limit)
        raise FileRefused(["the file holds a number too long to be a value of a record"]) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise FileRefused([f"not a casework transfer file (expected \"format\": \"{FORMAT}\")"])
    version = document.get("version")
    if version not in READABLE_VERSIONS:
        known = ", ".join(str(v) for v in sorted(READABLE_VERSIONS))
        raise FileRefused([f"format version {version!r} is not one this service reads ({known})"])
    too_deep = _deeper_than(document, MAX_DEPTH + 4)
    if too_deep:
        raise FileRefused([f"the file nests deeper than {MAX_DEPTH} levels"])
    try:
        parsed = TransferFile.model_validate(document)
    except ValidationError as error:
        raise FileRefused([_reason(e) for e in error.errors()[:20]]) from None
    if digest_of(document["body"]) != parsed.digest:
        raise FileRefused(["the digest does not match the body: the file was altered or damaged"])
    problems = _consistency(parsed)
    if problems:
        raise FileRefused(problems)
    return parsed


def _no_constant(name: str) -> Any:
    raise FileRefused([f"the file holds {name}, which is not a JSON value"])


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise FileRefused([f"the file holds the number {text[:40]}, too large to be a value of a record"])
    return value


def _reason(error: Any) -> str:
    where = ".".join(str(p) for p in error["loc"]) or "file"
    return f"{where}: {error['msg']}"


def _deeper_than(value: Any, limit: int) -> bool:
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return False


def _consistency(parsed: TransferFile) -> list[str]:
    problems: list[str] = []
    numbers = [c.case_number for c in parsed.body.cases]
    duplicates = sorted({n for n in numbers if numbers.count(n) > 1})
    if duplicates:
        problems.append(f"duplicate case numbers: {', '.join(str(n) for n in duplicates)}")
    ids = [c.case_id for c in parsed.body.cases]
    if len(set(ids)) != len(ids):
        problems.append("duplicate case ids")
    keys = [r.key for r in parsed.body.records]
    if len(set(keys)) != len(keys):
        problems.append("duplicate record keys")
    known = set(numbers)
    for n, case in enumerate(parsed.body.cases):
        if len(canonical(case.more)) > MAX_RECORD_BYTES:
            problems.append(f"body.cases.{n}.more: larger than {MAX_RECORD_BYTES} bytes")
    for n, record in enumerate(parsed.body.records):
        if not _names_cases_of(record.key, known):
            problems.append(f"body.records.{n}.key: names a case the file does not hold")
        elif record.key == "PERSON" or re.fullmatch(r"CASE#\d{10}", record.key):
            problems.append(f"body.records.{n}.key: a record cannot take the key of a person or case")
        if _deeper_than(record.data, MAX_DEPTH):
            problems.append(f"body.records.{n}.data: nests deeper than {MAX_DEPTH} levels")
        elif len(canonical(record.data)) > MAX_RECORD_BYTES:
            problems.append(f"body.records.{n}.data: larger than {MAX_RECORD_BYTES} bytes")
        if len(problems) >= 20:
            break
    return problems


def _names_cases_of(key: str, known: set[int]) -> bool:
    """Every `CASE#<n>` in a record's key, wherever it stands, names a case of the file by its 10-digit number
    (the importer renumbers each one)."""
    parts = key.split("#")
    return all(_CASE_NUMBER.match(number) and int(number) in known
               for name, number in zip(parts, [*parts[1:], ""], strict=True) if name == "CASE")

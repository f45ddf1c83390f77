"""E-mailed case files (TRN-6) and the transfer function's S3 events.

SES stores each message in the inbound bucket, with its spam, virus and authentication verdicts on top. A message
that passed them, from a sender on the service's allowed list, has its attachments go the upload path (each is put
in the imports bucket, and its S3 event is handled by `casework.transfer.imports`); anything else is quarantined
with the reason, for administrators to see.
"""

from __future__ import annotations

import re
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from typing import Any
from urllib.parse import unquote_plus

from casework import ids
from casework.config import settings
from casework.observability import count, logger
from casework.schemas.library import s3_event
from casework.schemas.transfer import ResumeImport
from casework.store import directory as directory_store
from casework.store import files
from casework.store import transfer as store
from casework.transfer import file_format, imports
from casework.transfer.file_format import FileRefused

MAX_ATTACHMENTS = 3
SES_AUTHSERV_ID = "amazonses.com"
_COMMENT = re.compile(r"\([^()]*\)")
_RESULT = re.compile(r"\b(spf|dkim|dmarc)\s*=\s*([a-z]+)")


def handle_message(message_body: str) -> None:
    """One message of the transfer queue: S3 events (uploaded transfer files, inbound mail) or a confirmed import's
    resume. Redelivery is harmless; a failure to reach AWS raises, so the message is retried and ends in the
    dead-letter queue after a few tries (so does a message of neither shape)."""
    if '"resumeImport"' in message_body:
        imports.resume(ResumeImport.model_validate_json(message_body).resume_import)
        return
    event = s3_event(message_body)
    for record in event.records:
        if not record.event_name.startswith("ObjectCreated"):
            continue
        key = unquote_plus(record.s3.object.key)
        if record.s3.bucket.name == settings.inbound_bucket:
            receive_mail(key)
        elif record.s3.bucket.name == settings.imports_bucket:
            imports.file_arrived(key)
        else:
            logger.warning("S3 event from an unexpected bucket", extra={"bucket": record.s3.bucket.name})


# ---------------------------------------------------------------- e-mail-triggered import (TRN-6)


def receive_mail(key: str) -> list[str]:
    """A message SES stored: if it passed SES's checks, each attachment from an allowed sender goes the upload path
    (it is put in the imports bucket and its S3 event does the rest); anything else is quarantined with the reason.
    The ids made."""
    raw = files.read(key, bucket=settings.inbound_bucket, max_bytes=settings.max_transfer_bytes * 4)
    if raw is None:
        return []
    message = BytesParser(policy=policy.default).parsebytes(raw)
    service_id = _addressed_service(message)
    if service_id is None:
        logger.warning("inbound mail for no known service", extra={"key": key})
        count("InboundMailUnroutable")
        return []
    sender = parseaddr(str(message.get("From", "")))[1].strip().lower()
    subject = str(message.get("Subject", ""))[:200]
    common = {"sender": sender or None, "subject": subject or None, "message_key": key}
    failed = failed_ses_checks(message)
    if failed:
        return [imports.quarantine_mail(_mail_job_id(key, 0), service_id, common, None, failed)]
    if len(raw) > settings.max_transfer_bytes * 4:
        return [imports.quarantine_mail(_mail_job_id(key, 0), service_id, common, None, ["the message is too large"])]
    if not sender or store.sender(service_id, sender) is None:
        return [imports.quarantine_mail(_mail_job_id(key, 0), service_id, common, None,
                            [f"the sender {sender or '(none)'} is not on this service's allowed list"])]
    attachments = list(message.iter_attachments())
    if not attachments:
        return [imports.quarantine_mail(_mail_job_id(key, 0), service_id, common, None,
                                        ["the message has no attachment"])]
    if len(attachments) > MAX_ATTACHMENTS:
        too_many = f"the message has {len(attachments)} attachments; at most {MAX_ATTACHMENTS} are imported"
        return [imports.quarantine_mail(_mail_job_id(key, 0), service_id, common, None, [too_many])]
    made = []
    for n, part in enumerate(attachments):
        name = (part.get_filename() or f"attachment-{n + 1}")[:200]
        payload = part.get_payload(decode=True)  # bytes, or None for an empty or multipart part
        data = payload if isinstance(payload, bytes) else b""
        try:
            file_format.read(data, max_bytes=settings.max_transfer_bytes)
        except FileRefused as refused:
            made.append(imports.quarantine_mail(_mail_job_id(key, n), service_id, common, name, refused.reasons))
            continue
        made.append(imports.import_attachment(_mail_job_id(key, n), service_id, common, name, data))
    return made


def failed_ses_checks(message: Message) -> list[str]:
    """What the checks of the SES receipt rule found wrong with a stored message, one reason per failed check; empty
    when the virus and spam verdicts are PASS and SPF or DKIM passed. A missing verdict is a failure: the From
    header alone proves nothing. SES prepends its headers, so only the topmost of each counts; copies further
    down came with the message and could say anything."""
    failed: list[str] = []
    for header, check in (("X-SES-Virus-Verdict", "virus scan"), ("X-SES-Spam-Verdict", "spam check")):
        verdict = str(message.get(header, "")).strip().upper()
        if verdict != "PASS":
            failed.append(f"SES's {check} did not pass ({header}: {verdict or 'missing'})")
    authentication = str(message.get("Authentication-Results", ""))
    authserv_id, _, results = authentication.lower().partition(";")
    if authserv_id.split()[:1] != [SES_AUTHSERV_ID]:  # the id may be followed by a version
        failed.append(f"neither SPF nor DKIM passed (no Authentication-Results from {SES_AUTHSERV_ID})")
        return failed
    found: dict[str, set[str]] = {"spf": set(), "dkim": set(), "dmarc": set()}
    for method, result in _RESULT.findall(_COMMENT.sub("", results)):
        found[method].add(result)
    if "pass" not in found["spf"] | found["dkim"]:
        said = ", ".join(f"{m}={'/'.join(sorted(found[m])) or 'missing'}" for m in ("spf", "dkim"))
        failed.append(f"neither SPF nor DKIM passed ({said})")
    if "fail" in found["dmarc"]:
        # SPF or DKIM may pass for the forger's own domain; DMARC says neither was the From header's
        failed.append("DMARC failed for the From domain (dmarc=fail)")
    return failed


def _addressed_service(message: Any) -> str | None:
    """The service a message was sent to: `imports+<service id>@<inbound domain>`."""
    fields = [str(v) for h in ("To", "Cc", "Delivered-To", "X-Original-To") for v in message.get_all(h, [])]
    for _, address in getaddresses(fields):
        local, _, domain = address.lower().partition("@")
        if settings.inbound_domain and domain != settings.inbound_domain.lower():
            continue
        if local.startswith("imports+") and directory_store.service(local.removeprefix("imports+")) is not None:
            return local.removeprefix("imports+")
    return None


def _mail_job_id(key: str, n: int) -> str:
    """The same message and attachment always make the same job, so a redelivered event makes nothing twice."""
    return ids.derived("inbound-mail", f"{key}#{n}")

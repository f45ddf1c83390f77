"""The queues (SQS) and e-mail (SES): the only code that talks to either.

boto3 is imported on first use, so handlers that never send pay nothing at cold start.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from casework.config import settings

if TYPE_CHECKING:  # the clients' types (boto3-stubs), for the type checker only
    from mypy_boto3_ses import SESClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import SendMessageBatchRequestEntryTypeDef


@cache
def _sqs() -> SQSClient:
    import boto3

    return boto3.client("sqs", region_name=settings.region)


@cache
def _ses() -> SESClient:
    import boto3

    return boto3.client("ses", region_name=settings.region)


def send_batch(bodies: dict[str, str]) -> set[str]:
    """Send up to 10 messages (id -> body) in one request; returns the ids SQS accepted. An unreachable
    queue raises (botocore's errors), so the caller keeps them pending."""
    entries: list[SendMessageBatchRequestEntryTypeDef] = [{"Id": key, "MessageBody": body}
                                                          for key, body in bodies.items()]
    answer = _sqs().send_message_batch(QueueUrl=settings.notifications_queue_url, Entries=entries)
    return {entry["Id"] for entry in answer.get("Successful", [])}


def send_later(queue_url: str, body: str, delay_seconds: int) -> None:
    """One message, delivered no sooner than `delay_seconds` (at most 900). An unreachable queue raises."""
    _sqs().send_message(QueueUrl=queue_url, MessageBody=body, DelaySeconds=delay_seconds)


def send_mail(to: str, subject: str, text: str) -> None:
    """One plain-text e-mail. A failure raises botocore's errors (`store.aws.ERRORS`); `mail_refused` tells a
    refusal that will not change from one a retry may get past."""
    _ses().send_email(
        Source=settings.mail_from,
        Destination={"ToAddresses": [to]},
        Message={"Subject": {"Data": subject, "Charset": "UTF-8"},
                 "Body": {"Text": {"Data": text, "Charset": "UTF-8"}}},
    )


_PASSING = {"Throttling", "ThrottlingException", "ServiceUnavailable", "InternalFailure", "RequestTimeout"}


def mail_refused(error: Exception) -> str | None:
    """SES's code when `send_mail` failed for good (an unverified or rejected address: sending again changes
    nothing); None when a retry may succeed (throttled, failing, unreachable)."""
    if not isinstance(error, ClientError):
        return None
    code = str(error.response.get("Error", {}).get("Code", ""))
    return None if code in _PASSING else code

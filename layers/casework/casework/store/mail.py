"""Outbound e-mail through SES (boto3 loaded on the first message, off every cold start)."""

from __future__ import annotations

from email.message import EmailMessage
from functools import lru_cache
from typing import TYPE_CHECKING

from casework.config import settings

if TYPE_CHECKING:  # the client's type (boto3-stubs), for the type checker only
    from mypy_boto3_ses import SESClient


@lru_cache(maxsize=1)
def _client() -> SESClient:
    import boto3

    return boto3.client("ses", region_name=settings.region)


def send(*, to: str, subject: str, text: str, attachment: tuple[str, bytes, str] | None = None) -> str:
    """Send one message (with an optional attachment: file name, bytes, content type); the SES message id."""
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(text)
    if attachment is not None:
        name, data, content_type = attachment
        main, sub = content_type.split("/", 1)
        message.add_attachment(data, maintype=main, subtype=sub, filename=name)
    answer = _client().send_raw_email(Source=settings.mail_from, Destinations=[to],
                                      RawMessage={"Data": message.as_bytes()})
    return str(answer["MessageId"])

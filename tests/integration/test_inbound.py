"""E-mailed case files (TRN-6) against SES's receipt-rule verdicts, through the transfer function with S3 in moto:
a message is imported only if SES's virus and spam verdicts passed and SPF or DKIM did, whoever it says it is from.

`ses_stored` is the one way to make a message look as SES stores it; a test building its own .eml wraps it."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from casework.config import settings
from tests.integration.test_transfer import (  # noqa: F401 (partners, s3: fixtures)
    forward_imports,
    imports_of,
    mail,
    partners,
    person,
    s3,
    sample_mail,
)
from tests.support import ses_stored

ALLOWED = "transfers@hmp-northfield.example.org"


def transfer_message(sender: str = ALLOWED) -> bytes:
    """A message as sent (no SES headers) to the community service, carrying the sample's transfer file."""
    attachment = next(sample_mail().iter_attachments()).get_payload(decode=True)
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = sender, "imports+community@inbound.casework.example.org", "transfer"
    m.set_content("see attached")
    m.add_attachment(attachment, maintype="application", subtype="json", filename="URN-MAIL-01.json")
    return bytes(m)


def test_trn6_a_message_passing_ses_checks_from_an_allowed_sender_is_imported(world, api, s3, partners):  # noqa: F811
    assert mail(s3, ses_stored(transfer_message())) == {"batchItemFailures": []}
    forward_imports(s3)
    (job,) = imports_of(api, world.community.leader)
    assert job["status"] == "imported", job
    assert person(api, world.community.leader, "URN-MAIL-01") is not None


@pytest.mark.parametrize(("verdicts", "named"), [
    ({"virus": "FAIL"}, ["virus scan did not pass (X-SES-Virus-Verdict: FAIL)"]),
    ({"spam": "FAIL"}, ["spam check did not pass (X-SES-Spam-Verdict: FAIL)"]),
    ({"spf": "fail", "dkim": "fail"}, ["neither SPF nor DKIM passed (spf=fail, dkim=fail)"]),
    (None, ["X-SES-Virus-Verdict: missing", "X-SES-Spam-Verdict: missing",
            "neither SPF nor DKIM passed (no Authentication-Results from amazonses.com)"]),
], ids=["virus-fail", "spam-fail", "spf-and-dkim-fail", "no-ses-headers"])
def test_trn6_a_message_failing_ses_checks_is_quarantined_with_the_reason(
        world, api, s3, partners, verdicts: dict[str, str] | None, named: list[str]):  # noqa: F811
    # given a message from a sender on the community's allowed list, with a good transfer file,
    # stored by SES with a failed verdict (or, not through SES, with none)
    raw = transfer_message() if verdicts is None else ses_stored(transfer_message(), **verdicts)
    # when its S3 event arrives (twice: redelivered)
    for _ in range(2):
        assert mail(s3, raw) == {"batchItemFailures": []}
    # then the administrator sees it quarantined, the reason naming the failed check, and nothing is imported
    (held,) = imports_of(api, world.community.admin, "quarantined")
    said = " ".join(held["reasons"])
    assert len(held["reasons"]) == len(named) and all(reason in said for reason in named), held
    assert "allowed list" not in said and held["sender"] == ALLOWED, held  # decided before the sender list
    assert s3.list_objects_v2(Bucket=settings.imports_bucket).get("KeyCount", 0) == 0
    assert person(api, world.community.leader, "URN-MAIL-01") is None
    assert imports_of(api, world.community.leader) == [held]

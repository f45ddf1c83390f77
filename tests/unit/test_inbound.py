"""TRN-6 without AWS: which of SES's receipt-rule verdicts on a stored message stop it before the sender list."""

from __future__ import annotations

from email import policy
from email.message import Message
from email.parser import BytesParser

import pytest

from casework.transfer.inbound import failed_ses_checks

AUTHENTICATED = "amazonses.com;\n spf=pass (spfCheck: domain of a.example designates 192.0.2.1 as permitted sender)" \
                " client-ip=192.0.2.1;\n dkim=pass header.i=@a.example;\n dmarc=pass header.from=a.example;"


def stored(*headers: tuple[str, str]) -> Message:
    """A message as SES's receipt rule stores it: the given headers on top of a plain message."""
    top = "".join(f"{name}: {value}\n" for name, value in headers)
    raw = f"{top}From: transfers@a.example\nTo: imports+community@inbound.example.org\nSubject: x\n\nbody\n"
    return BytesParser(policy=policy.default).parsebytes(raw.encode())


def verdicts(virus: str = "PASS", spam: str = "PASS", authentication: str = AUTHENTICATED) -> list[tuple[str, str]]:
    return [("X-SES-Spam-Verdict", spam), ("X-SES-Virus-Verdict", virus), ("Authentication-Results", authentication)]


def test_trn6_a_message_passing_every_check_goes_on():
    assert failed_ses_checks(stored(*verdicts())) == []
    # one of SPF and DKIM is enough (mail through a forwarder breaks SPF; a sender may not sign)
    assert failed_ses_checks(stored(*verdicts(authentication="amazonses.com; spf=fail; dkim=pass"))) == []
    assert failed_ses_checks(stored(*verdicts(authentication="amazonses.com; spf=pass; dkim=none"))) == []
    # several signatures: one that passes will do
    assert failed_ses_checks(stored(*verdicts(authentication="amazonses.com; dkim=fail; dkim=pass"))) == []


@pytest.mark.parametrize(("headers", "reasons"), [
    (verdicts(virus="FAIL"), ["virus scan did not pass (X-SES-Virus-Verdict: FAIL)"]),
    (verdicts(virus="PROCESSING_FAILED"), ["virus scan did not pass (X-SES-Virus-Verdict: PROCESSING_FAILED)"]),
    (verdicts(spam="GRAY"), ["spam check did not pass (X-SES-Spam-Verdict: GRAY)"]),
    (verdicts(authentication="amazonses.com; spf=fail; dkim=fail"),
     ["neither SPF nor DKIM passed (spf=fail, dkim=fail)"]),
    (verdicts(authentication="amazonses.com; spf=softfail"),
     ["neither SPF nor DKIM passed (spf=softfail, dkim=missing)"]),
    # a comment that looks like a result is not one
    (verdicts(authentication="amazonses.com; spf=fail (not dkim=pass)"), ["spf=fail, dkim=missing"]),
    (verdicts(authentication="amazonses.com; spf=pass; dkim=none; dmarc=fail"), ["DMARC failed"]),
    # results from anyone but SES are not SES's
    (verdicts(authentication="mx.elsewhere.example; spf=pass; dkim=pass"),
     ["neither SPF nor DKIM passed (no Authentication-Results from amazonses.com)"]),
    ([], ["X-SES-Virus-Verdict: missing", "X-SES-Spam-Verdict: missing", "no Authentication-Results"]),
    # SES puts its headers on top; a copy further down came with the message (a forger's PASS)
    (verdicts(virus="FAIL") + verdicts(), ["X-SES-Virus-Verdict: FAIL"]),
], ids=["virus", "virus-not-scanned", "spam-gray", "spf-and-dkim-fail", "spf-softfail", "comment", "dmarc-fail",
        "not-ses", "no-headers", "forged-below"])
def test_trn6_each_failed_check_is_named(headers, reasons):
    failed = failed_ses_checks(stored(*headers))
    assert len(failed) == len(reasons), failed
    for reason, said in zip(reasons, failed, strict=True):
        assert reason in said, failed
